/**
 * MUI theme and emotion style cache for the interface language's direction. In RTL the cache runs
 * stylis-plugin-rtl, which mirrors every margin, padding and position of the generated CSS, so the
 * whole layout flips without components knowing about direction.
 */
import createCache, { type EmotionCache } from "@emotion/cache";
import { CacheProvider } from "@emotion/react";
import CssBaseline from "@mui/material/CssBaseline";
import { ThemeProvider, createTheme } from "@mui/material/styles";
import { useMemo, type ReactNode } from "react";
import { prefixer } from "stylis";
import rtlPlugin from "stylis-plugin-rtl";
import type { Direction } from "../i18n/languages";

const caches: Record<Direction, EmotionCache> = {
  ltr: createCache({ key: "mui", prepend: true }),
  rtl: createCache({ key: "muirtl", prepend: true, stylisPlugins: [prefixer, rtlPlugin] }),
};

export function makeTheme(direction: Direction) {
  return createTheme({
    direction,
    palette: {
      primary: { main: "#3366cc" }, // Wikimedia's progressive blue
      secondary: { main: "#14866d" },
      // MUI's default warning (#ed6c02, 3.1:1) and info (#0288d1, 3.9:1) fail WCAG AA as text on white,
      // which outlined status chips are: these keep ≥ 4.5:1 (axe's color-contrast in the e2e tests).
      warning: { main: "#b45309" },
      info: { main: "#0277bd" },
    },
    typography: {
      fontFamily:
        'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif',
    },
  });
}

export function ThemeRoot({ dir, children }: { dir: Direction; children: ReactNode }) {
  const theme = useMemo(() => makeTheme(dir), [dir]);
  return (
    <CacheProvider value={caches[dir]}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        {children}
      </ThemeProvider>
    </CacheProvider>
  );
}
