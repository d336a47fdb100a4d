/**
 * A wiki name field that suggests wikis from GET /wikis?q= as one types (configured wikis and every
 * Wikimedia wiki). Free text is accepted too (a URL, or a name while signed out, when /wikis is closed).
 */
import Autocomplete from "@mui/material/Autocomplete";
import TextField from "@mui/material/TextField";
import { useEffect, useState } from "react";
import { useUser, useWikis } from "../api/hooks";
import type { Wiki } from "../api/types";
import { useMsg } from "../i18n/useMsg";

/** Waits until typing pauses, so each keystroke does not cost a request. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

interface Props {
  label: string;
  helperText?: string;
  value: string;
  onChange: (name: string) => void;
}

export function WikiPicker({ label, helperText, value, onChange }: Props) {
  const msg = useMsg();
  const user = useUser();
  const [input, setInput] = useState(value);
  const query = useDebounced(input.trim(), 250);
  const wikis = useWikis({ q: query, limit: 20 }, Boolean(user) && query.length > 0);
  const options: Wiki[] = wikis.data?.items ?? [];
  const help = user ? helperText : msg("wft-ui-settings-target-signin");

  return (
    <Autocomplete<Wiki, false, false, true>
      freeSolo
      options={options}
      filterOptions={(all) => all}
      value={value}
      inputValue={input}
      onInputChange={(_event, text) => {
        setInput(text);
        onChange(text.trim());
      }}
      onChange={(_event, chosen) => {
        const name = typeof chosen === "string" ? chosen : (chosen?.name ?? "");
        onChange(name.trim());
      }}
      getOptionLabel={(option) => (typeof option === "string" ? option : option.name)}
      // a configured wiki may share its name with a Wikimedia wiki (it then wins on the server)
      getOptionKey={(option) => (typeof option === "string" ? option : `${option.project}|${option.name}|${option.url}`)}
      isOptionEqualToValue={(option, current) => option.name === (typeof current === "string" ? current : current.name)}
      loading={wikis.isFetching}
      renderOption={(props, option) => {
        const { key, ...rest } = props as typeof props & { key: string };
        return (
          <li key={key} {...rest}>
            <span>
              <strong>{option.name}</strong> —{" "}
              <span dir={option.configured ? "ltr" : option.dir}>{option.configured ? option.url : option.sitename}</span>
              {option.autonym && <span lang={option.lang ?? undefined}> ({option.autonym})</span>}
            </span>
          </li>
        );
      }}
      renderInput={(params) => (
        <TextField
          {...params}
          label={label}
          helperText={
            wikis.data && query ? `${help ?? ""} ${msg("wft-ui-settings-wiki-count", wikis.data.total)}`.trim() : help
          }
          inputProps={{ ...params.inputProps, spellCheck: false, maxLength: 1000 }}
        />
      )}
    />
  );
}
