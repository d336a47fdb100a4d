/** The language menu in the app bar: every language with a message file, by its own name. */
import TranslateIcon from "@mui/icons-material/Translate";
import Button from "@mui/material/Button";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import { useId, useState } from "react";
import { autonym } from "../i18n/languages";
import { useI18n } from "../i18n/useMsg";

export function LanguageMenu() {
  const { lang, languages, setLang, msg } = useI18n();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  // the visible text (the code) is part of the accessible name (WCAG 2.5.3, axe label-content-name-mismatch)
  const current = `${autonym(lang)}, ${lang}`; // not "(en)": axe ignores words in brackets
  return (
    <>
      <Button
        color="inherit"
        startIcon={<TranslateIcon />}
        aria-label={msg("wft-ui-language-menu", current)}
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? "true" : undefined}
        onClick={(event) => setAnchor(event.currentTarget)}
        sx={{ textTransform: "none", minWidth: 0 }}
      >
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
