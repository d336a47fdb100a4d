/** The language menu in the app bar: every language with a message file, by its own name. */
import TranslateIcon from "@mui/icons-material/Translate";
import Button from "@mui/material/Button";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import { useId, useState } from "react";
import { autonym } from "../i18n/languages";
import { useI18n } from "../i18n/useMsg";

/** Read by screen readers, not shown (the usual clip pattern). */
const HIDDEN = {
  position: "absolute",
  width: 1,
  height: 1,
  margin: -1,
  padding: 0,
  overflow: "hidden",
  clip: "rect(0 0 0 0)",
  whiteSpace: "nowrap",
  border: 0,
} as const;

export function LanguageMenu() {
  const { lang, languages, setLang, msg } = useI18n();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  const current = autonym(lang);
  return (
    <>
      <Button
        color="inherit"
        startIcon={<TranslateIcon />}
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? "true" : undefined}
        onClick={(event) => setAnchor(event.currentTarget)}
        sx={{ textTransform: "none", minWidth: 0 }}
      >
        {/* The accessible name is the hidden label followed by the visible code, so it contains what is
            seen (WCAG 2.5.3, axe's label-content-name-mismatch): "Interface language: English en". */}
        <span style={HIDDEN}>{msg("wft-ui-language-menu", current)} </span>
        <span lang={lang}>{lang}</span>
      </Button>
      <Menu id={menuId} anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        {languages.map((code) => (
          <MenuItem
            key={code}
            selected={code === lang}
            lang={code}
            onClick={() => {
              setLang(code);
              setAnchor(null);
            }}
          >
            {autonym(code)}
          </MenuItem>
        ))}
      </Menu>
    </>
  );
}
