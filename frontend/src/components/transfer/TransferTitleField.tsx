/** The target file name, checked on the target wiki as one types (GET /titles/check, debounced). */
import Link from "@mui/material/Link";
import TextField from "@mui/material/TextField";
import { useEffect, type ReactNode } from "react";
import { useTitleCheck, type TitleOut } from "../../api/transfer";
import { useMsg } from "../../i18n/useMsg";
import { useErrorText } from "../../shell/ApiErrorAlert";
import { useDebounced } from "./useDebounced";

export const TITLE_DEBOUNCE_MS = 300;

interface Props {
  wiki: string;
  value: string;
  onChange: (title: string) => void;
  /** The source file's extension (the name must keep it). */
  extension: string | null;
  /** The title the preview planned (known to be checked already). */
  planned: string;
  /** Told whether the name can be used (false while invalid). */
  onValidity: (valid: boolean, check: TitleOut | null) => void;
}

/** The extension of a file name ("Foo.JPG" → "jpg"), or null. */
export function extensionOf(title: string): string | null {
  const name = title.includes(":") ? title.slice(title.indexOf(":") + 1) : title;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : null;
}

export function TransferTitleField({ wiki, value, onChange, extension, planned, onValidity }: Props) {
  const msg = useMsg();
  const errorText = useErrorText();
  const debounced = useDebounced(value.trim(), TITLE_DEBOUNCE_MS);
  const edited = debounced !== planned.trim();
  const check = useTitleCheck(wiki, debounced, extension, edited && debounced !== "");
  const pending = value.trim() !== debounced || (edited && check.isFetching);
  const data = edited ? check.data : undefined;
  const empty = value.trim() === "";
  const invalid = empty || (data !== undefined && !data.valid);

  useEffect(() => {
    onValidity(!invalid, data ?? null);
  }, [invalid, data, onValidity]);

  let help: ReactNode = msg("wft-ui-transfer-title-help");
  let error = false;
  if (empty) {
    help = msg("wft-ui-transfer-title-empty");
    error = true;
  } else if (pending) {
    help = msg("wft-ui-transfer-title-checking");
  } else if (edited && check.error) {
    help = errorText(check.error);
  } else if (data && !data.valid) {
    help = msg("wft-ui-transfer-title-invalid", data.problem?.message ?? "");
    error = true;
  } else if (data?.exists) {
    help = (
      <>
        {msg("wft-ui-transfer-title-exists", data.title ?? debounced)}{" "}
        {data.url && (
          <Link href={data.url} target="_blank" rel="noopener noreferrer">
            {msg("wft-ui-transfer-title-exists-link")}
          </Link>
        )}
      </>
    );
  } else if (data?.valid) {
    help = msg("wft-ui-transfer-title-free", data.title ?? debounced);
  }

  return (
    <TextField
      label={msg("wft-ui-transfer-title-label")}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      error={error}
      helperText={help}
      fullWidth
      required
      inputProps={{ spellCheck: false, maxLength: 255, "data-testid": "wft-target-title" }}
      FormHelperTextProps={{ role: "status", "aria-live": "polite" } as object}
      sx={{ my: 1 }}
    />
  );
}
