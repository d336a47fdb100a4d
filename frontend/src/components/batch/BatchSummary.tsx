/** A finished batch: how many files ended how, links to the transferred files on the target wiki, the
 * failures with their messages, and buttons to retry the failed ones (or everything that did not finish). */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Link from "@mui/material/Link";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useBatchItems, useRetryBatch, type Batch } from "../../api/batch";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";
import { StatusChip } from "../StatusChip";

const LIST_LIMIT = 100;

export function BatchSummary({ batch }: { batch: Batch }) {
  const msg = useMsg();
  const format = useFormat();
  const retry = useRetryBatch(batch.id);
  const done = useBatchItems(batch.id, { status: ["done", "already_done"], limit: LIST_LIMIT });
  const failures = useBatchItems(batch.id, { status: ["failed", "blocked"], limit: LIST_LIMIT });
  const n = (state: string) => batch.counts[state] ?? 0;
  const outcomes: Array<[string, number]> = [
    ["done", batch.outcomes.done ?? 0],
    ["already_done", batch.outcomes.already_done ?? 0],
    ["failed", n("failed")],
    ["blocked", n("blocked")],
    ["cancelled", n("cancelled")],
    ["excluded", batch.excluded],
  ];
  const otherCount = n("blocked") + n("cancelled");

  return (
    <Box component="section" aria-labelledby="batch-summary-title" sx={{ my: 3 }}>
      <Typography variant="h5" component="h2" id="batch-summary-title" gutterBottom>
        {msg("wft-ui-batch-summary-title")}
      </Typography>
      <Stack direction="row" spacing={2} useFlexGap flexWrap="wrap" component="ul" sx={{ listStyle: "none", p: 0, m: 0, mb: 2 }}>
        {outcomes
          .filter(([, count]) => count > 0)
          .map(([status, count]) => (
            <Stack key={status} direction="row" spacing={1} alignItems="center" component="li">
              <StatusChip status={status} />
              <Typography component="span" fontWeight="bold">
                {format.number(count)}
              </Typography>
            </Stack>
          ))}
      </Stack>

      {retry.error && <ApiErrorAlert error={retry.error} onClose={() => retry.reset()} />}
      {retry.data && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {msg("wft-ui-batch-retried", retry.data.retried.length, format.number(retry.data.retried.length))}
        </Alert>
      )}
      <Stack direction={{ xs: "column", sm: "row" }} spacing={1} sx={{ mb: 2 }}>
        {n("failed") > 0 && (
          <Button variant="contained" disabled={retry.isPending} onClick={() => retry.mutate({ all: false })}>
            {msg("wft-ui-batch-retry-failed", n("failed"), format.number(n("failed")))}
          </Button>
        )}
        {otherCount > 0 && (
          <Button variant="outlined" disabled={retry.isPending} onClick={() => retry.mutate({ all: true })}>
            {msg("wft-ui-batch-retry-all")}
          </Button>
        )}
      </Stack>

      {failures.data && failures.data.total > 0 && (
        <>
          <Typography variant="h6" component="h3">
            {msg("wft-ui-batch-summary-failures", failures.data.total, format.number(failures.data.total))}
          </Typography>
          <List dense>
            {failures.data.items.map((item) => {
              const reasons = [
                ...(item.error ? [item.error.message] : []),
                ...item.checks.filter((check) => check.result === "block").map((check) => check.message),
              ];
              return (
                <ListItem key={item.id} disableGutters alignItems="flex-start">
                  <ListItemText
                    primary={
                      <Stack direction="row" spacing={1} alignItems="center" flexWrap="wrap" useFlexGap>
                        <StatusChip status={item.status} />
                        <span dir="auto">{item.source_title ?? item.source_input}</span>
                      </Stack>
                    }
                    secondary={reasons.join(" ") || msg("wft-ui-batch-details-no-checks")}
                    primaryTypographyProps={{ component: "div", sx: { overflowWrap: "anywhere" } }}
                    secondaryTypographyProps={{ sx: { overflowWrap: "anywhere" } }}
                  />
                </ListItem>
              );
            })}
          </List>
          {failures.data.total > failures.data.items.length && (
            <Typography variant="body2" color="text.secondary">
              {msg("wft-ui-batch-summary-more")}
            </Typography>
          )}
        </>
      )}

      {done.data && done.data.total > 0 && (
        <>
          <Typography variant="h6" component="h3">
            {msg("wft-ui-batch-summary-done", done.data.total, format.number(done.data.total))}
          </Typography>
          <List dense>
            {done.data.items.map((item) => (
              <ListItem key={item.id} disableGutters>
                <ListItemText
                  primary={
                    item.target_url ? (
                      <Link href={item.target_url} target="_blank" rel="noopener noreferrer" dir="auto">
                        {item.target_title ?? item.target_url}
                      </Link>
                    ) : (
                      <span dir="auto">{item.target_title}</span>
                    )
                  }
                  primaryTypographyProps={{ sx: { overflowWrap: "anywhere" } }}
                />
              </ListItem>
            ))}
          </List>
          {done.data.total > done.data.items.length && (
            <Typography variant="body2" color="text.secondary">
              {msg("wft-ui-batch-summary-more")}
            </Typography>
          )}
        </>
      )}
    </Box>
  );
}
