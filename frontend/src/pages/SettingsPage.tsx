/**
 * Settings kept in this browser (useSettings): interface language, default target wiki, default rules
 * page. Later screens use the last two as their defaults.
 */
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useState, type FormEvent } from "react";
import { autonym } from "../i18n/languages";
import { useI18n } from "../i18n/useMsg";
import { useSettings } from "../settings/settings";
import { PageTitle } from "../shell/PageTitle";
import { WikiPicker } from "./WikiPicker";

const BROWSER = "";

/** `WIKI:Page` (`commons:Extension:FileImporter/Data/en.wikipedia`), as the CLI's --rules-page takes it. */
export function isRulesPage(value: string): boolean {
  const colon = value.indexOf(":");
  return colon > 0 && colon < value.length - 1;
}

export function SettingsPage() {
  const { msg, languages } = useI18n();
  const { settings, update } = useSettings();
  const [lang, setLang] = useState(settings.lang ?? BROWSER);
  const [target, setTarget] = useState(settings.defaultTargetWiki ?? "");
  const [rules, setRules] = useState(settings.defaultRulesPage ?? "");
  const [saved, setSaved] = useState(false);
  const rulesInvalid = rules.trim() !== "" && !isRulesPage(rules.trim());

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (rulesInvalid) return;
    update({ lang: lang || null, defaultTargetWiki: target || null, defaultRulesPage: rules.trim() || null });
    setSaved(true);
  };

  return (
    <>
      <PageTitle>{msg("wft-ui-settings-title")}</PageTitle>
      <Typography color="text.secondary" sx={{ mb: 3 }}>
        {msg("wft-ui-settings-intro")}
      </Typography>
      <Stack component="form" spacing={3} onSubmit={save} onChange={() => setSaved(false)}>
        <TextField
          select
          label={msg("wft-ui-settings-language")}
          value={lang}
          InputLabelProps={{ shrink: true }}
          SelectProps={{ displayEmpty: true }}
          onChange={(event) => {
            setLang(event.target.value);
            setSaved(false);
          }}
        >
          <MenuItem value={BROWSER}>{msg("wft-ui-settings-language-browser")}</MenuItem>
          {languages.map((code) => (
            <MenuItem key={code} value={code} lang={code}>
              {autonym(code)} ({code})
            </MenuItem>
          ))}
        </TextField>
        <WikiPicker
          label={msg("wft-ui-settings-target")}
          helperText={msg("wft-ui-settings-target-help")}
          value={target}
          onChange={(name) => {
            setTarget(name);
            setSaved(false);
          }}
        />
        <TextField
          label={msg("wft-ui-settings-rules")}
          helperText={rulesInvalid ? msg("wft-ui-settings-rules-invalid") : msg("wft-ui-settings-rules-help")}
          error={rulesInvalid}
          value={rules}
          onChange={(event) => setRules(event.target.value)}
          inputProps={{ maxLength: 1000, spellCheck: false }}
        />
        {saved && <Alert severity="success">{msg("wft-ui-settings-saved")}</Alert>}
        <div>
          <Button type="submit" variant="contained">
            {msg("wft-ui-settings-save")}
          </Button>
        </div>
      </Stack>
    </>
  );
}
