/** A running batch: a bar of the files finished out of those queued, the bytes of the files running
 * now, and the newest event (read out politely to screen readers). */
import Box from "@mui/material/Box";
import LinearProgress from "@mui/material/LinearProgress";
import Typography from "@mui/material/Typography";
import type { Batch, BatchEvent } from "../../api/batch";
import { useFormat, useMsg } from "../../i18n/useMsg";

/** Items that ran or are at work: finished (done, failed, cancelled) and active (queued, running, retry). */
export function runCounts(batch: Batch): { finished: number; total: number } {
  const n = (state: string) => batch.counts[state] ?? 0;
  const finished = n("done") + n("failed") + n("cancelled");
  const active = n("queued") + n("running") + n("retry_wait");
  return { finished, total: finished + active };
}

export function BatchProgressPanel({ batch, events }: { batch: Batch; events: BatchEvent[] }) {
  const msg = useMsg();
  const format = useFormat();
  const { finished, total } = runCounts(batch);
  const percent = total > 0 ? Math.round((finished / total) * 100) : 0;
  const latest = events.length > 0 ? events[events.length - 1] : null;
  return (
    <Box component="section" aria-labelledby="batch-progress-title" sx={{ my: 3 }}>
      <Typography variant="h5" component="h2" id="batch-progress-title" gutterBottom>
        {msg("wft-ui-batch-progress-title")}
      </Typography>
      <LinearProgress
        variant="determinate"
        value={percent}
        aria-label={msg("wft-ui-batch-progress-title")}
        aria-valuetext={msg("wft-ui-batch-progress-files", format.number(finished), total, format.number(total))}
        sx={{ height: 8, borderRadius: 1, mb: 1 }}
      />
      <Typography data-testid="batch-progress-files">
        {msg("wft-ui-batch-progress-files", format.number(finished), total, format.number(total))}
      </Typography>
      {batch.bytes_total > 0 && (
        <Typography color="text.secondary">
          {msg("wft-ui-batch-progress-bytes", format.bytes(batch.bytes_done), format.bytes(batch.bytes_total))}
        </Typography>
      )}
      {batch.cancel_requested && <Typography color="warning.main">{msg("wft-ui-batch-stopping")}</Typography>}
      <Typography variant="body2" color="text.secondary" aria-live="polite" sx={{ mt: 1, overflowWrap: "anywhere" }}>
        {latest ? latest.message : ""}
      </Typography>
    </Box>
  );
}
