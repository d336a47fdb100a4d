/**
 * Where the file comes from: a pasted file page address (or WIKI:File:Name), or a wiki picked from the
 * list plus a file name. Either way the value is what POST /resolve and /transfers/preview take.
 */
import Autocomplete from "@mui/material/Autocomplete";
import Box from "@mui/material/Box";
import FormControlLabel from "@mui/material/FormControlLabel";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import { useMsg } from "../../i18n/useMsg";
import { WikiPicker } from "../../pages/WikiPicker";
import { useFileSearch } from "../../api/transfer";
import { useDebounced } from "./useDebounced";

export type SourceMode = "url" | "pick";

export interface SourceInput {
  mode: SourceMode;
  url: string;
  wiki: string;
  file: string;
}

/** The source as the API takes it: the address, or `WIKI:File:Name`; "" while incomplete. */
export function sourceValue(input: SourceInput): string {
  if (input.mode === "url") return input.url.trim();
  const name = input.file.trim().replace(/^(file|image):\s*/i, "");
  return input.wiki.trim() && name ? `${input.wiki.trim()}:File:${name}` : "";
}

interface Props {
  value: SourceInput;
  onChange: (value: SourceInput) => void;
  disabled: boolean;
}

/** Paste an address, or pick wiki and file (above the row of fields). */
export function TransferSourceMode({ value, onChange, disabled }: Props) {
  const msg = useMsg();
  const set = (patch: Partial<SourceInput>) => onChange({ ...value, ...patch });
  return (
    <RadioGroup
      row
      value={value.mode}
      onChange={(_event, mode) => set({ mode: mode as SourceMode })}
      aria-label={msg("wft-ui-transfer-source-mode")}
    >
      <FormControlLabel value="url" control={<Radio size="small" />} label={msg("wft-ui-transfer-source-mode-url")} disabled={disabled} />
      <FormControlLabel value="pick" control={<Radio size="small" />} label={msg("wft-ui-transfer-source-mode-pick")} disabled={disabled} />
    </RadioGroup>
  );
}

export function TransferSourceField({ value, onChange, disabled }: Props) {
  const msg = useMsg();
  const set = (patch: Partial<SourceInput>) => onChange({ ...value, ...patch });
  return (
    <Box sx={{ flex: 2, minWidth: 0 }}>
      {value.mode === "url" ? (
        <TextField
          label={msg("wft-ui-transfer-source")}
          helperText={msg("wft-ui-transfer-source-help")}
          value={value.url}
          onChange={(event) => set({ url: event.target.value })}
          required
          fullWidth
          disabled={disabled}
          inputProps={{ spellCheck: false, maxLength: 2000, inputMode: "url" }}
        />
      ) : (
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <Box sx={{ flex: 1, minWidth: 0 }}>
            <WikiPicker label={msg("wft-ui-transfer-source-wiki")} value={value.wiki} onChange={(wiki) => set({ wiki })} />
          </Box>
          <FileNameField wiki={value.wiki} value={value.file} onChange={(file) => set({ file })} disabled={disabled} />
        </Stack>
      )}
    </Box>
  );
}

/** The file name, with suggestions from the chosen wiki (its own prefix search) as you type. */
function FileNameField({
  wiki,
  value,
  onChange,
  disabled,
}: {
  wiki: string;
  value: string;
  onChange: (file: string) => void;
  disabled: boolean;
}) {
  const msg = useMsg();
  const typed = useDebounced(value.replace(/^(file|image):\s*/i, ""), 300);
  const search = useFileSearch(wiki, typed);
  const options = (search.data?.files ?? []).map((hit) => hit.title.replace(/^[^:]+:/, ""));
  return (
    <Autocomplete
      freeSolo
      options={options}
      filterOptions={(all) => all}
      inputValue={value}
      onInputChange={(_event, text) => onChange(text)}
      disabled={disabled}
      loading={search.isFetching}
      sx={{ flex: 1 }}
      renderInput={(params) => (
        <TextField
          {...params}
          label={msg("wft-ui-transfer-source-file")}
          helperText={msg("wft-ui-transfer-source-file-help")}
          required
          inputProps={{ ...params.inputProps, spellCheck: false, maxLength: 255 }}
        />
      )}
    />
  );
}
