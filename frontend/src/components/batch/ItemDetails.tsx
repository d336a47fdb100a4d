/** The details of one item under its row: every warning and block with its message (a blocked item says
 * why), its error, what it is doing now, and a button to leave it out of the run or take it back. */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Link from "@mui/material/Link";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { usePatchItem, type BatchItem } from "../../api/batch";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";

/** Statuses of an item that has not run yet: it can still be left out, taken back or renamed. */
export const EDITABLE_STATUSES: readonly string[] = ["planned", "ready", "warn", "blocked", "excluded"];

export function ItemDetails({ batchId, item }: { batchId: number; item: BatchItem }) {
  const msg = useMsg();
  const format = useFormat();
  const patch = usePatchItem(batchId);
  const blocks = item.checks.filter((check) => check.result === "block");
  const warnings = item.checks.filter((check) => check.result === "warn");
  const editable = EDITABLE_STATUSES.includes(item.status);

  return (
    <Box sx={{ py: 1.5, px: { xs: 0, sm: 1 } }}>
      <Stack spacing={1}>
        {item.status === "blocked" && (
          <Typography variant="body2">{msg("wft-ui-batch-details-blocked")}</Typography>
        )}
        {item.error && (
          <Alert severity="error" sx={{ overflowWrap: "anywhere" }}>
            {item.error.message}
          </Alert>
        )}
        {blocks.map((check) => (
          <Alert key={check.id} severity="error" sx={{ overflowWrap: "anywhere" }}>
            {check.message}
          </Alert>
        ))}
        {warnings.map((check) => (
          <Alert key={check.id} severity="warning" sx={{ overflowWrap: "anywhere" }}>
            {check.message}
          </Alert>
        ))}
        {!item.error && item.checks.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            {item.status === "planned" ? msg("wft-ui-batch-details-checking") : msg("wft-ui-batch-details-no-checks")}
          </Typography>
        )}
        {item.step && <Typography variant="body2">{item.step.message}</Typography>}
        {item.bytes_total > 0 && (
          <Typography variant="body2" color="text.secondary">
            {msg("wft-ui-batch-details-bytes", format.bytes(item.bytes_done), format.bytes(item.bytes_total))}
          </Typography>
        )}
        {item.version_count > 0 && (
          <Typography variant="body2" color="text.secondary">
            {msg("wft-ui-batch-details-versions", item.version_count, format.number(item.version_count))}
          </Typography>
        )}
        {item.source_url && (
          <Typography variant="body2" sx={{ overflowWrap: "anywhere" }}>
            {msg("wft-ui-batch-details-source")}{" "}
            <Link href={item.source_url} target="_blank" rel="noopener noreferrer" dir="ltr">
              {item.source_url}
            </Link>
          </Typography>
        )}
        {patch.error && <ApiErrorAlert error={patch.error} />}
        {editable && (
          <Box>
            <Button
              size="small"
              variant="outlined"
              disabled={patch.isPending}
              onClick={() => patch.mutate({ item: item.id, patch: { excluded: !item.excluded } })}
            >
              {item.excluded ? msg("wft-ui-batch-include-one") : msg("wft-ui-batch-exclude-one")}
            </Button>
          </Box>
        )}
      </Stack>
    </Box>
  );
}
