/**
 * The history's filters: status, source and target wiki, a date range, a batch and the title text.
 * They live in the URL (the page owns it); typed fields wait until typing pauses before they change it,
 * so a word costs one request, not one per letter.
 */
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Collapse from "@mui/material/Collapse";
import TextField from "@mui/material/TextField";
import useMediaQuery from "@mui/material/useMediaQuery";
import { useTheme } from "@mui/material/styles";
import FilterListIcon from "@mui/icons-material/FilterList";
import { useEffect, useRef, useState } from "react";
import { FILTER_NAMES, hasFilters, type HistoryFilters, type HistoryState } from "../../api/history";
import { useMsg } from "../../i18n/useMsg";
import { WikiPicker } from "../../pages/WikiPicker";
import { useStatusLabel, type StatusWord } from "../StatusChip";

/** The status words a user can filter by, and the state the API's `state` filter takes for each
 * ("done" includes "already done", "ready" includes "ready with warnings"). */
export const STATUS_FILTERS: ReadonlyArray<[StatusWord, HistoryState]> = [
  ["done", "done"],
  ["failed", "failed"],
  ["blocked", "blocked"],
  ["cancelled", "cancelled"],
  ["running", "running"],
  ["queued", "queued"],
  ["retry_wait", "retry_wait"],
  ["ready", "ready"],
  ["planned", "planned"],
];

/** A text field's value that follows the URL, and is written back to it once typing pauses. */
function useTypedFilter(urlValue: string, commit: (value: string) => void, ms = 400) {
  const [text, setText] = useState(urlValue);
  const [version, setVersion] = useState(0);
  const committed = useRef(urlValue);
  const commitRef = useRef(commit);
  commitRef.current = commit;

  // The URL changed from outside (back button, a link, "clear filters"): show its value.
  useEffect(() => {
    if (urlValue !== committed.current) {
      committed.current = urlValue;
      setText(urlValue);
      setVersion((v) => v + 1);
    }
  }, [urlValue]);

  useEffect(() => {
    const timer = setTimeout(() => {
      const value = text.trim();
      if (value !== committed.current) {
        committed.current = value;
        commitRef.current(value);
      }
    }, ms);
    return () => clearTimeout(timer);
  }, [text, ms]);

  return { text, setText, version };
}

interface Props {
  filters: HistoryFilters;
  /** Raw values from the URL for the typed fields (so a half-typed batch number stays in the field). */
  onChange: (changes: Partial<Record<keyof HistoryFilters, string>>, replace?: boolean) => void;
  onClear: () => void;
}

export function HistoryFiltersForm({ filters, onChange, onClear }: Props) {
  const msg = useMsg();
  const statusLabel = useStatusLabel();
  const source = useTypedFilter(filters.source_wiki ?? "", (value) => onChange({ source_wiki: value }, true));
  const target = useTypedFilter(filters.target_wiki ?? "", (value) => onChange({ target_wiki: value }, true));
  const title = useTypedFilter(filters.q ?? "", (value) => onChange({ q: value }, true));
  const batch = useTypedFilter(filters.batch ? String(filters.batch) : "", (value) => {
    if (value === "" || /^\d{1,10}$/.test(value)) onChange({ batch: value }, true);
  });
  const batchInvalid = batch.text.trim() !== "" && !/^[1-9]\d{0,9}$/.test(batch.text.trim());
  const datesReversed = Boolean(filters.since && filters.until && filters.since > filters.until);
  // On phones the form folds away (it is taller than the screen) unless a filter is set.
  const theme = useTheme();
  const wide = useMediaQuery(theme.breakpoints.up("sm"), { noSsr: true });
  const [shown, setShown] = useState<boolean | null>(null);
  const active = FILTER_NAMES.filter((name) => filters[name] !== undefined).length;
  const open = wide || (shown ?? active > 0);

  return (
    <>
      {!wide && (
        <Button
          startIcon={<FilterListIcon />}
          aria-expanded={open}
          aria-controls="history-filters"
          onClick={() => setShown(!open)}
          sx={{ mb: 1 }}
        >
          {active > 0 ? msg("wft-ui-history-filters-active", active) : msg("wft-ui-history-filters-show")}
        </Button>
      )}
      <Collapse in={open} id="history-filters">
        <Box
          component="form"
          role="search"
          aria-label={msg("wft-ui-history-filters")}
          onSubmit={(event) => event.preventDefault()}
          sx={{
            display: "grid",
            gap: 2,
            gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr", md: "1fr 1fr 1fr" },
            alignItems: "start",
            mb: 2,
          }}
        >
          <TextField
            select
            label={msg("wft-ui-history-filter-state")}
            value={filters.state ?? ""}
            onChange={(event) => onChange({ state: event.target.value })}
            SelectProps={{ native: true }}
            InputLabelProps={{ shrink: true }}
            id="history-filter-state"
          >
            <option value="">{msg("wft-ui-history-filter-state-any")}</option>
            {STATUS_FILTERS.map(([word, state]) => (
              <option key={state} value={state}>
                {statusLabel(word)}
              </option>
            ))}
          </TextField>
          <WikiPicker
            key={`source-${source.version}`}
            label={msg("wft-ui-history-filter-source")}
            value={source.text}
            onChange={source.setText}
          />
          <WikiPicker
            key={`target-${target.version}`}
            label={msg("wft-ui-history-filter-target")}
            value={target.text}
            onChange={target.setText}
          />
          <TextField
            label={msg("wft-ui-history-filter-since")}
            type="date"
            value={filters.since ?? ""}
            onChange={(event) => onChange({ since: event.target.value })}
            InputLabelProps={{ shrink: true }}
            helperText={msg("wft-ui-history-filter-dates-help")}
          />
          <TextField
            label={msg("wft-ui-history-filter-until")}
            type="date"
            value={filters.until ?? ""}
            onChange={(event) => onChange({ until: event.target.value })}
            InputLabelProps={{ shrink: true }}
            error={datesReversed}
            helperText={datesReversed ? msg("wft-ui-history-filter-dates-reversed") : msg("wft-ui-history-filter-dates-help")}
          />
          <TextField
            label={msg("wft-ui-history-filter-batch")}
            value={batch.text}
            onChange={(event) => batch.setText(event.target.value)}
            inputProps={{ inputMode: "numeric", maxLength: 10 }}
            error={batchInvalid}
            helperText={batchInvalid ? msg("wft-ui-history-filter-batch-invalid") : undefined}
          />
          <TextField
            label={msg("wft-ui-history-filter-q")}
            type="search"
            value={title.text}
            onChange={(event) => title.setText(event.target.value)}
            inputProps={{ maxLength: 255, spellCheck: false }}
            sx={{ gridColumn: { sm: "span 2", md: "span 2" } }}
          />
          <Box sx={{ display: "flex", alignItems: "center", minHeight: 56 }}>
            <Button onClick={onClear} disabled={!hasFilters(filters) && !title.text && !batch.text}>
              {msg("wft-ui-history-filter-clear")}
            </Button>
          </Box>
        </Box>
      </Collapse>
    </>
  );
}
