/**
 * The app's screens: one entry per route. To add a screen, write its page in pages/ and add it here;
 * `nav: true` puts it into the app bar and the drawer (with `labelKey`, a literal `wft-ui-…` key).
 */
import { lazy, type ReactElement } from "react";
import type { SvgIconComponent } from "@mui/icons-material";
import HistoryIcon from "@mui/icons-material/History";
import LibraryAddIcon from "@mui/icons-material/LibraryAdd";
import SettingsIcon from "@mui/icons-material/Settings";
import SwapHorizIcon from "@mui/icons-material/SwapHoriz";
import { HomePage } from "./pages/HomePage";
import { SettingsPage } from "./pages/SettingsPage";
import { SignInPage } from "./pages/SignInPage";

// The big screens are chunks of their own, loaded when first visited (AppRoutes has the <Suspense>).
const TransferPage = lazy(() => import("./pages/TransferPage").then((m) => ({ default: m.TransferPage })));
const BatchPage = lazy(() => import("./pages/BatchPage").then((m) => ({ default: m.BatchPage })));
const BatchDetailPage = lazy(() =>
  import("./pages/BatchDetailPage").then((m) => ({ default: m.BatchDetailPage })),
);
const HistoryPage = lazy(() => import("./pages/HistoryPage").then((m) => ({ default: m.HistoryPage })));

export interface AppRoute {
  path: string;
  element: ReactElement;
  /** Only for signed-in users: others are sent to /signin?next=… first. */
  signedIn?: boolean;
  nav?: { labelKey: string; icon: SvgIconComponent };
}

export const ROUTES: AppRoute[] = [
  { path: "/", element: <HomePage /> },
  {
    path: "/transfer",
    element: <TransferPage />,
    signedIn: true,
    nav: { labelKey: "wft-ui-nav-transfer", icon: SwapHorizIcon },
  },
  {
    path: "/batch",
    element: <BatchPage />,
    signedIn: true,
    nav: { labelKey: "wft-ui-nav-batch", icon: LibraryAddIcon },
  },
  { path: "/batch/:id", element: <BatchDetailPage />, signedIn: true },
  {
    path: "/history",
    element: <HistoryPage />,
    signedIn: true,
    nav: { labelKey: "wft-ui-nav-history", icon: HistoryIcon },
  },
  { path: "/settings", element: <SettingsPage />, nav: { labelKey: "wft-ui-nav-settings", icon: SettingsIcon } },
  { path: "/signin", element: <SignInPage /> },
];

/** A `next` path to return to after signing in: a path of this app only (never another site). */
export function safeNext(value: string | null | undefined): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (/[\u0000-\u001f\\]/.test(value)) return "/";
  return value;
}
