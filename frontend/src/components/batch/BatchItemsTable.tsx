/**
 * The dry-run table of a batch (GET /batches/{id}/items): status filter chips with counts, a text filter,
 * sortable columns, pages; checkboxes for leaving many items out of the run (or taking them back), a
 * rename dialog and a details row per item. Rows refresh as live progress arrives (useBatchLive).
 * At 375 px the table scrolls sideways and the less important columns are hidden.
 */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Checkbox from "@mui/material/Checkbox";
import Chip from "@mui/material/Chip";
import Collapse from "@mui/material/Collapse";
import IconButton from "@mui/material/IconButton";
import LinearProgress from "@mui/material/LinearProgress";
import Link from "@mui/material/Link";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TablePagination from "@mui/material/TablePagination";
import TableRow from "@mui/material/TableRow";
import TableSortLabel from "@mui/material/TableSortLabel";
import TextField from "@mui/material/TextField";
import Toolbar from "@mui/material/Toolbar";
import Tooltip from "@mui/material/Tooltip";
import Typography from "@mui/material/Typography";
import EditIcon from "@mui/icons-material/Edit";
import ExpandLessIcon from "@mui/icons-material/ExpandLess";
import ExpandMoreIcon from "@mui/icons-material/ExpandMore";
import { Fragment, useEffect, useState } from "react";
import { useBatchItems, useBulkExclude, type BatchItem, type BulkResult, type ItemSort } from "../../api/batch";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";
import { STATUS_WORDS, StatusChip, useStatusLabel } from "../StatusChip";
import { EDITABLE_STATUSES, ItemDetails } from "./ItemDetails";
import { RenameDialog } from "./RenameDialog";

const HIDE_ON_PHONE = { display: { xs: "none", md: "table-cell" } } as const;
/** The target column is folded into the source cell below `sm`, so status and actions fit at 375 px. */
const HIDE_BELOW_SM = { display: { xs: "none", sm: "table-cell" } } as const;
const ONLY_BELOW_SM = { display: { xs: "block", sm: "none" } } as const;
const COLUMNS = 7;

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function BatchItemsTable({ batchId }: { batchId: number }) {
  const msg = useMsg();
  const format = useFormat();
  const statusLabel = useStatusLabel();
  const [statuses, setStatuses] = useState<string[]>([]);
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const [sort, setSort] = useState<ItemSort>("position");
  const [order, setOrder] = useState<"asc" | "desc">("asc");
  const [page, setPage] = useState(0);
  const [perPage, setPerPage] = useState(50);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const [renaming, setRenaming] = useState<BatchItem | null>(null);
  const [bulkResult, setBulkResult] = useState<{ result: BulkResult; excluded: boolean } | null>(null);
  const bulk = useBulkExclude(batchId);

  const items = useBatchItems(batchId, { status: statuses, q: q || undefined, sort, order, offset: page * perPage, limit: perPage });
  const rows = items.data?.items ?? [];
  const counts = items.data?.statuses ?? {};
  const shownStatuses = STATUS_WORDS.filter((word) => (counts[word] ?? 0) > 0 || statuses.includes(word));
  const allCount = Object.values(counts).reduce((sum, n) => sum + n, 0);

  // A new filter starts at the first page.
  useEffect(() => setPage(0), [statuses, q, sort, order, perPage]);

  const toggleStatus = (word: string) =>
    setStatuses((old) => (old.includes(word) ? old.filter((w) => w !== word) : [...old, word]));
  const sortBy = (column: ItemSort) => {
    if (sort === column) setOrder(order === "asc" ? "desc" : "asc");
    else {
      setSort(column);
      setOrder("asc");
    }
  };
  const selectable = rows.filter((row) => EDITABLE_STATUSES.includes(row.status));
  const selectedOnPage = selectable.filter((row) => selected.has(row.id));
  const toggleAll = () =>
    setSelected((old) => {
      const next = new Set(old);
      if (selectedOnPage.length === selectable.length) selectable.forEach((row) => next.delete(row.id));
      else selectable.forEach((row) => next.add(row.id));
      return next;
    });
  const toggleOne = (id: number) =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleExpanded = (id: number) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const applyBulk = (excluded: boolean) => {
    setBulkResult(null);
    bulk.mutate(
      { ids: [...selected], excluded },
      {
        onSuccess: (result) => {
          setBulkResult({ result, excluded });
          setSelected(new Set());
        },
      },
    );
  };

  const header = (column: ItemSort, label: string, sx?: object) => (
    <TableCell sx={sx} sortDirection={sort === column ? order : false}>
      <TableSortLabel active={sort === column} direction={sort === column ? order : "asc"} onClick={() => sortBy(column)}>
        {label}
      </TableSortLabel>
    </TableCell>
  );

  return (
    <section aria-labelledby="batch-items-title">
      <Typography variant="h5" component="h2" id="batch-items-title" gutterBottom>
        {msg("wft-ui-batch-items-title")}
      </Typography>

      <Stack
        direction="row"
        spacing={1}
        useFlexGap
        flexWrap="wrap"
        role="group"
        aria-label={msg("wft-ui-batch-filter-status")}
        sx={{ mb: 2 }}
      >
        <Chip
          label={msg("wft-ui-batch-filter-all", format.number(allCount))}
          clickable
          color={statuses.length === 0 ? "primary" : "default"}
          variant={statuses.length === 0 ? "filled" : "outlined"}
          aria-pressed={statuses.length === 0}
          onClick={() => setStatuses([])}
        />
        {shownStatuses.map((word) => {
          const on = statuses.includes(word);
          return (
            <Chip
              key={word}
              label={msg("wft-ui-batch-filter-chip", statusLabel(word), format.number(counts[word] ?? 0))}
              clickable
              color={on ? "primary" : "default"}
              variant={on ? "filled" : "outlined"}
              aria-pressed={on}
              onClick={() => toggleStatus(word)}
            />
          );
        })}
      </Stack>

      <TextField
        size="small"
        type="search"
        label={msg("wft-ui-batch-filter-text")}
        value={text}
        onChange={(event) => setText(event.target.value)}
        sx={{ mb: 2, width: { xs: "100%", sm: 360 } }}
        inputProps={{ spellCheck: false, maxLength: 255 }}
      />

      {bulk.error && <ApiErrorAlert error={bulk.error} onClose={() => bulk.reset()} />}
      {bulkResult && (
        <Alert
          severity={bulkResult.result.refused.length > 0 ? "warning" : "success"}
          onClose={() => setBulkResult(null)}
          sx={{ mb: 2 }}
        >
          {bulkResult.excluded
            ? msg("wft-ui-batch-bulk-excluded", bulkResult.result.changed.length, format.number(bulkResult.result.changed.length))
            : msg("wft-ui-batch-bulk-included", bulkResult.result.changed.length, format.number(bulkResult.result.changed.length))}
          {bulkResult.result.refused.length > 0 &&
            ` ${msg("wft-ui-batch-bulk-refused", bulkResult.result.refused.length, format.number(bulkResult.result.refused.length))}`}
        </Alert>
      )}

      <Paper variant="outlined">
        {selected.size > 0 && (
          <Toolbar
            sx={{ gap: 1, flexWrap: "wrap", bgcolor: "action.selected", py: 1 }}
            aria-label={msg("wft-ui-batch-bulk-label")}
            role="toolbar"
          >
            <Typography sx={{ flex: "1 1 auto" }} aria-live="polite">
              {msg("wft-ui-batch-selected", selected.size, format.number(selected.size))}
            </Typography>
            <Button size="small" variant="contained" disabled={bulk.isPending} onClick={() => applyBulk(true)}>
              {msg("wft-ui-batch-bulk-exclude")}
            </Button>
            <Button size="small" variant="outlined" disabled={bulk.isPending} onClick={() => applyBulk(false)}>
              {msg("wft-ui-batch-bulk-include")}
            </Button>
            <Button size="small" onClick={() => setSelected(new Set())}>
              {msg("wft-ui-batch-bulk-clear")}
            </Button>
          </Toolbar>
        )}
        {items.isFetching && <LinearProgress aria-label={msg("wft-ui-loading")} sx={{ height: 2 }} />}
        {items.error && <ApiErrorAlert error={items.error} />}
        <TableContainer sx={{ overflowX: "auto" }}>
          <Table size="small" aria-labelledby="batch-items-title" sx={{ minWidth: { xs: 0, md: 800 }, "& td, & th": { px: { xs: 0.75, sm: 2 } } }}>
            <TableHead>
              <TableRow>
                <TableCell padding="checkbox">
                  <Checkbox
                    indeterminate={selectedOnPage.length > 0 && selectedOnPage.length < selectable.length}
                    checked={selectable.length > 0 && selectedOnPage.length === selectable.length}
                    disabled={selectable.length === 0}
                    onChange={toggleAll}
                    inputProps={{ "aria-label": msg("wft-ui-batch-select-page") }}
                  />
                </TableCell>
                {header("position", msg("wft-ui-batch-col-position"), HIDE_ON_PHONE)}
                {header("source", msg("wft-ui-batch-col-source"))}
                {header("target", msg("wft-ui-batch-col-target"), HIDE_BELOW_SM)}
                {header("status", msg("wft-ui-batch-col-status"))}
                {header("updated", msg("wft-ui-batch-col-updated"), HIDE_ON_PHONE)}
                <TableCell>{msg("wft-ui-batch-col-actions")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.length === 0 && !items.isPending && (
                <TableRow>
                  <TableCell colSpan={COLUMNS}>
                    <Typography color="text.secondary">
                      {allCount === 0 ? msg("wft-ui-batch-items-none-yet") : msg("wft-ui-batch-items-none")}
                    </Typography>
                  </TableCell>
                </TableRow>
              )}
              {rows.map((row) => {
                const name = row.source_title ?? row.source_input;
                const open = expanded.has(row.id);
                const editable = EDITABLE_STATUSES.includes(row.status);
                const detailsId = `batch-item-details-${row.id}`;
                const linked = Boolean(row.target_url) && (row.status === "done" || row.status === "already_done");
                const target =
                  linked && row.target_url ? (
                    <Link href={row.target_url} target="_blank" rel="noopener noreferrer" dir="auto">
                      {row.target_title}
                    </Link>
                  ) : (
                    <span dir="auto">{row.target_title ?? "—"}</span>
                  );
                const firstProblem = row.error ?? row.checks.find((c) => c.result === "block") ?? row.checks[0];
                return (
                  <Fragment key={row.id}>
                    <TableRow hover selected={selected.has(row.id)} sx={{ "& > td": { borderBottom: open ? "unset" : undefined } }}>
                      <TableCell padding="checkbox">
                        <Checkbox
                          checked={selected.has(row.id)}
                          disabled={!editable}
                          onChange={() => toggleOne(row.id)}
                          inputProps={{ "aria-label": msg("wft-ui-batch-select-item", name) }}
                        />
                      </TableCell>
                      <TableCell sx={HIDE_ON_PHONE}>{format.number(row.position + 1)}</TableCell>
                      <TableCell sx={{ overflowWrap: "anywhere", minWidth: { xs: 100, sm: 140 } }}>
                        <span dir="auto">{name}</span>
                        {row.source_wiki && (
                          <Typography variant="caption" component="div" color="text.secondary" dir="ltr">
                            {row.source_wiki}
                          </Typography>
                        )}
                        {row.target_title && (linked || row.target_title !== row.source_title) && (
                          <Typography variant="caption" component="div" sx={ONLY_BELOW_SM}>
                            {msg("wft-ui-batch-target-as")}{" "}
                            {target}
                          </Typography>
                        )}
                      </TableCell>
                      <TableCell sx={{ overflowWrap: "anywhere", minWidth: 140, ...HIDE_BELOW_SM }}>
                        {target}
                        {row.requested_title && (
                          <Typography variant="caption" component="div" color="text.secondary">
                            {msg("wft-ui-batch-renamed")}
                          </Typography>
                        )}
                      </TableCell>
                      <TableCell>
                        <StatusChip status={row.status} />
                        {firstProblem && (
                          <Typography
                            variant="caption"
                            component="div"
                            color="text.secondary"
                            sx={{
                              mt: 0.5,
                              maxWidth: { xs: 180, md: 280 },
                              overflow: "hidden",
                              display: "-webkit-box",
                              WebkitLineClamp: 2,
                              WebkitBoxOrient: "vertical",
                            }}
                            title={firstProblem.message}
                          >
                            {firstProblem.message}
                          </Typography>
                        )}
                      </TableCell>
                      <TableCell sx={HIDE_ON_PHONE}>{format.date(row.updated_at)}</TableCell>
                      <TableCell sx={{ whiteSpace: "nowrap" }}>
                        {editable && (
                          <Tooltip title={msg("wft-ui-batch-rename-item", name)}>
                            <IconButton size="small" aria-label={msg("wft-ui-batch-rename-item", name)} onClick={() => setRenaming(row)}>
                              <EditIcon fontSize="small" />
                            </IconButton>
                          </Tooltip>
                        )}
                        <Tooltip title={msg("wft-ui-batch-details-item", name)}>
                          <IconButton
                            size="small"
                            aria-label={msg("wft-ui-batch-details-item", name)}
                            aria-expanded={open}
                            aria-controls={detailsId}
                            onClick={() => toggleExpanded(row.id)}
                          >
                            {open ? <ExpandLessIcon fontSize="small" /> : <ExpandMoreIcon fontSize="small" />}
                          </IconButton>
                        </Tooltip>
                      </TableCell>
                    </TableRow>
                    <TableRow>
                      <TableCell colSpan={COLUMNS} sx={{ py: 0, borderBottom: open ? undefined : "none" }}>
                        <Collapse in={open} timeout="auto" unmountOnExit id={detailsId}>
                          <ItemDetails batchId={batchId} item={row} />
                        </Collapse>
                      </TableCell>
                    </TableRow>
                  </Fragment>
                );
              })}
            </TableBody>
          </Table>
        </TableContainer>
        <Box sx={{ overflowX: "auto" }}>
          <TablePagination
            component="div"
            count={items.data?.total ?? 0}
            page={page}
            onPageChange={(_event, next) => setPage(next)}
            rowsPerPage={perPage}
            rowsPerPageOptions={[25, 50, 100, 200]}
            onRowsPerPageChange={(event) => setPerPage(Number(event.target.value))}
            labelRowsPerPage={msg("wft-ui-batch-rows-per-page")}
            labelDisplayedRows={({ from, to, count }) =>
              msg("wft-ui-batch-rows-shown", format.number(from), format.number(to), format.number(count))
            }
            getItemAriaLabel={(type) =>
              type === "first"
                ? msg("wft-ui-batch-page-first")
                : type === "last"
                  ? msg("wft-ui-batch-page-last")
                  : type === "next"
                    ? msg("wft-ui-batch-page-next")
                    : msg("wft-ui-batch-page-previous")
            }
          />
        </Box>
      </Paper>
      {renaming && <RenameDialog batchId={batchId} item={renaming} onClose={() => setRenaming(null)} />}
    </section>
  );
}
