/**
 * Your transfers: statistics, filters (kept in the URL, so links such as /history?batch=7 and the back
 * button work), the list a keyset page at a time, CSV export, retry-all-failed and a details drawer
 * (?transfer=ID) with retry, cancel and the whole timeline.
 */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import DownloadIcon from "@mui/icons-material/Download";
import ReplayIcon from "@mui/icons-material/Replay";
import { useCallback, useMemo, useState } from "react";
import { Link as RouterLink, useLocation, useNavigate, useSearchParams } from "react-router-dom";
import {
  FILTER_NAMES,
  filtersFromSearch,
  hasFilters,
  useExportUrl,
  useTransferHistory,
  useTransferStats,
  type HistoryFilters,
} from "../api/history";
import { HistoryFiltersForm } from "../components/history/HistoryFilters";
import { HistoryList } from "../components/history/HistoryList";
import { HistoryStats } from "../components/history/HistoryStats";
import { RetryAllDialog } from "../components/history/RetryAllDialog";
import { TransferDrawer } from "../components/history/TransferDrawer";
import { useFormat, useMsg } from "../i18n/useMsg";
import { ApiErrorAlert } from "../shell/ApiErrorAlert";
import { PageTitle } from "../shell/PageTitle";
import { Loading } from "../shell/RequireSignIn";

const DRAWER_PARAM = "transfer";

export function HistoryPage() {
  const msg = useMsg();
  const format = useFormat();
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const openParam = search.get(DRAWER_PARAM);
  const openId = openParam && /^\d{1,10}$/.test(openParam) ? Number(openParam) : null;

  const history = useTransferHistory(filters);
  const stats = useTransferStats();
  const exportUrl = useExportUrl(filters);
  const [retryAll, setRetryAll] = useState(false);
  const [retriedAll, setRetriedAll] = useState<number | null>(null);

  const setFilters = useCallback(
    (changes: Partial<Record<keyof HistoryFilters, string>>, replace = false) => {
      setSearch(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [name, value] of Object.entries(changes)) {
            if (value) next.set(name, value);
            else next.delete(name);
          }
          next.delete(DRAWER_PARAM);
          return next;
        },
        { replace },
      );
    },
    [setSearch],
  );
  const clearFilters = useCallback(() => {
    setSearch((current) => {
      const next = new URLSearchParams(current);
      for (const name of FILTER_NAMES) next.delete(name);
      return next;
    });
  }, [setSearch]);
  // Opening the drawer is a step in the browser's history (back closes it); closing it goes back to
  // the list when the list opened it, so "back" afterwards does not open it again.
  const location = useLocation();
  const navigate = useNavigate();
  const openedHere = (location.state as { drawer?: boolean } | null)?.drawer === true;
  const open = useCallback(
    (id: number) =>
      setSearch(
        (current) => {
          const next = new URLSearchParams(current);
          next.set(DRAWER_PARAM, String(id));
          return next;
        },
        { state: { drawer: true } },
      ),
    [setSearch],
  );
  const close = useCallback(() => {
    if (openedHere) {
      navigate(-1);
      return;
    }
    setSearch(
      (current) => {
        const next = new URLSearchParams(current);
        next.delete(DRAWER_PARAM);
        return next;
      },
      { replace: true },
    );
  }, [openedHere, navigate, setSearch]);

  const items = history.data?.pages.flatMap((page) => page.items) ?? [];
  const lastPage = history.data?.pages[history.data.pages.length - 1];
  const filtered = hasFilters(filters);
  const newUser = !filtered && items.length === 0 && history.isSuccess && !history.hasNextPage;

  return (
    <>
      <PageTitle>{msg("wft-ui-history-title")}</PageTitle>
      {newUser ? (
        <Box sx={{ py: 4 }}>
          <Typography sx={{ mb: 2 }}>{msg("wft-ui-history-empty-new")}</Typography>
          <Button variant="contained" component={RouterLink} to="/transfer">
            {msg("wft-ui-history-empty-new-link")}
          </Button>
        </Box>
      ) : (
        <>
          <HistoryStats stats={stats.data} error={stats.error} />
          <Box component="section" aria-labelledby="history-list-heading">
            <Stack
              direction={{ xs: "column", sm: "row" }}
              spacing={1}
              sx={{ alignItems: { sm: "center" }, justifyContent: "space-between", mb: 2 }}
            >
              <Typography id="history-list-heading" variant="h6" component="h2">
                {msg("wft-ui-history-list-heading")}
              </Typography>
              <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: "wrap" }}>
                <Button variant="outlined" startIcon={<ReplayIcon />} onClick={() => setRetryAll(true)}>
                  {filters.batch !== undefined ? msg("wft-ui-history-retry-all-batch") : msg("wft-ui-history-retry-all")}
                </Button>
                <Button variant="outlined" startIcon={<DownloadIcon />} component="a" href={exportUrl} download>
                  {msg("wft-ui-history-export")}
                </Button>
              </Stack>
            </Stack>
            <HistoryFiltersForm filters={filters} onChange={setFilters} onClear={clearFilters} />
            <Box role="status" aria-live="polite">
              {retriedAll !== null && (
                <Alert severity="success" sx={{ mb: 2 }} onClose={() => setRetriedAll(null)}>
                  {msg("wft-ui-history-retry-all-done", retriedAll)}
                </Alert>
              )}
              {history.isSuccess && (
                <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
                  {msg("wft-ui-history-shown", format.number(items.length), items.length)}
                </Typography>
              )}
            </Box>
            {history.error && <ApiErrorAlert error={history.error} title={msg("wft-ui-history-list-error")} />}
            {history.isPending && <Loading />}
            {history.isSuccess && items.length === 0 && !history.hasNextPage && (
              <Box sx={{ py: 2 }}>
                <Typography sx={{ mb: 1 }}>{msg("wft-ui-history-empty-filtered")}</Typography>
                <Button onClick={clearFilters}>{msg("wft-ui-history-filter-clear")}</Button>
              </Box>
            )}
            {items.length > 0 && <HistoryList items={items} onOpen={open} />}
            {lastPage?.partial && history.hasNextPage && (
              <Alert severity="info" sx={{ mt: 2 }}>
                {msg("wft-ui-history-partial")}
              </Alert>
            )}
            {history.hasNextPage && (
              <Box sx={{ display: "flex", justifyContent: "center", mt: 2 }}>
                <Button
                  variant="outlined"
                  onClick={() => void history.fetchNextPage()}
                  disabled={history.isFetchingNextPage}
                >
                  {msg("wft-ui-history-load-more")}
                </Button>
              </Box>
            )}
          </Box>
        </>
      )}
      <RetryAllDialog
        open={retryAll}
        batch={filters.batch}
        onClose={() => setRetryAll(false)}
        onDone={(count) => {
          setRetryAll(false);
          setRetriedAll(count);
        }}
      />
      <TransferDrawer id={openId} onClose={close} />
    </>
  );
}
