/**
 * One batch (/batch/:id): while it is prepared, the table fills (and "restart preparation" is offered);
 * once planned, the dry-run table can be reviewed (leave out, rename) and run; while it runs, a progress
 * bar and rows that change live; when it has finished, a summary with links, failures and retry buttons.
 */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import LinearProgress from "@mui/material/LinearProgress";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useTheme } from "@mui/material/styles";
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import { Link as RouterLink, useParams } from "react-router-dom";
import {
  PREPARING,
  useBatch,
  useBatchItems,
  useBatchLive,
  useCancelBatch,
  usePrepareBatch,
  useRunBatch,
  type Batch,
} from "../api/batch";
import { BatchItemsTable } from "../components/batch/BatchItemsTable";
import { useBatchSource } from "../components/batch/BatchList";
import { BatchProgressPanel } from "../components/batch/BatchProgressPanel";
import { BatchStateChip } from "../components/batch/BatchStateChip";
import { BatchSummary } from "../components/batch/BatchSummary";
import { useFormat, useMsg } from "../i18n/useMsg";
import { ApiErrorAlert } from "../shell/ApiErrorAlert";
import { Loading } from "../shell/RequireSignIn";
import { PageTitle } from "../shell/PageTitle";
import { NotFoundPage } from "./NotFoundPage";

const FINAL = ["done", "partial", "failed", "blocked", "cancelled"];

export function BatchDetailPage() {
  const { id } = useParams();
  const batchId = Number(id);
  if (!Number.isSafeInteger(batchId) || batchId < 1) return <NotFoundPage />;
  return <BatchDetail key={batchId} batchId={batchId} />;
}

function BatchDetail({ batchId }: { batchId: number }) {
  const msg = useMsg();
  const theme = useTheme();
  const batch = useBatch(batchId);
  const live = useBatchLive(batchId, batch.data !== undefined && !batch.data.finished);
  return (
    <>
      <Button component={RouterLink} to="/batch" startIcon={<ArrowBackIcon sx={{ transform: theme.direction === "rtl" ? "scaleX(-1)" : undefined }} />} sx={{ mb: 1 }}>
        {msg("wft-ui-batch-back")}
      </Button>
      <PageTitle>{msg("wft-ui-batch-detail-title", String(batchId))}</PageTitle>
      {batch.isPending && <Loading />}
      {batch.error && <ApiErrorAlert error={batch.error} />}
      {batch.data && (
        <>
          <BatchHeader batch={batch.data} />
          {batch.data.state === "running" && <BatchProgressPanel batch={batch.data} events={live.events} />}
          {FINAL.includes(batch.data.state) && <BatchSummary batch={batch.data} />}
          <BatchItemsTable batchId={batchId} />
        </>
      )}
    </>
  );
}

function BatchHeader({ batch }: { batch: Batch }) {
  const msg = useMsg();
  const format = useFormat();
  const source = useBatchSource();
  const run = useRunBatch(batch.id);
  const cancel = useCancelBatch(batch.id);
  const prepare = usePrepareBatch(batch.id);
  const preparing = PREPARING.includes(batch.state);
  // ready items not left out (status words ready and warn): what Run would queue
  const statuses = useBatchItems(batch.id, { limit: 1 }).data?.statuses ?? {};
  const runnable = (statuses.ready ?? 0) + (statuses.warn ?? 0);
  const canRun = batch.state === "planned" || (batch.state === "running" && runnable > 0);
  const runReason = preparing
    ? msg("wft-ui-batch-run-wait")
    : batch.state === "planned" && runnable === 0
      ? msg("wft-ui-batch-run-none")
      : null;

  return (
    <Box sx={{ mb: 3 }}>
      <Stack direction="row" spacing={1} alignItems="center" flexWrap="wrap" useFlexGap sx={{ mb: 1 }}>
        <BatchStateChip state={batch.state} />
        <Typography sx={{ overflowWrap: "anywhere" }}>
          <span dir="auto">{source(batch)}</span> → <span dir="ltr">{batch.target_wiki}</span>
        </Typography>
      </Stack>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {msg("wft-ui-batch-created", format.date(batch.created_at))}
        {" · "}
        {msg("wft-ui-batch-total", batch.total, format.number(batch.total))}
        {batch.options.mark_source === false && ` · ${msg("wft-ui-batch-no-mark-source")}`}
      </Typography>

      {batch.error && (
        <Alert severity="error" sx={{ mb: 2, overflowWrap: "anywhere" }}>
          {batch.error.message}
        </Alert>
      )}

      {preparing && (
        <Alert severity="info" sx={{ mb: 2 }}>
          <Typography>
            {batch.state === "expanding" ? msg("wft-ui-batch-expanding") : msg("wft-ui-batch-planning")}
          </Typography>
          <LinearProgress aria-label={msg("wft-ui-batch-preparing-label")} sx={{ my: 1 }} />
          <Typography variant="body2">{msg("wft-ui-batch-prepare-help")}</Typography>
          <Button size="small" sx={{ mt: 1 }} disabled={prepare.isPending} onClick={() => prepare.mutate()}>
            {msg("wft-ui-batch-prepare")}
          </Button>
        </Alert>
      )}
      {prepare.error && <ApiErrorAlert error={prepare.error} onClose={() => prepare.reset()} />}

      {(preparing || batch.state === "planned" || batch.state === "running") && (
        <Stack direction={{ xs: "column", sm: "row" }} spacing={1} alignItems={{ xs: "stretch", sm: "center" }}>
          {(preparing || canRun) && (
            <Button
              variant="contained"
              disabled={!canRun || runReason !== null || run.isPending}
              aria-describedby={runReason ? "batch-run-reason" : undefined}
              onClick={() => run.mutate()}
            >
              {msg("wft-ui-batch-run", runnable, format.number(runnable))}
            </Button>
          )}
          {batch.state === "running" && !batch.cancel_requested && (
            <Button variant="outlined" color="warning" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              {msg("wft-ui-batch-cancel")}
            </Button>
          )}
          {runReason && (
            <Typography id="batch-run-reason" variant="body2" color="text.secondary">
              {runReason}
            </Typography>
          )}
        </Stack>
      )}
      {batch.state === "planned" && !runReason && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          {msg("wft-ui-batch-run-help")}
        </Typography>
      )}
      {run.error && <ApiErrorAlert error={run.error} onClose={() => run.reset()} />}
      {cancel.error && <ApiErrorAlert error={cancel.error} onClose={() => cancel.reset()} />}
    </Box>
  );
}
