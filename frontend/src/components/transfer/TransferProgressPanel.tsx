/** A transfer at work and its result: status, current step, bytes, the steps so far, Cancel while it
 * runs, and links to the file on the target once done. */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import LinearProgress from "@mui/material/LinearProgress";
import Link from "@mui/material/Link";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemText from "@mui/material/ListItemText";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useEffect, useRef } from "react";
import { Link as RouterLink } from "react-router-dom";
import type { ApiError } from "../../api/errors";
import type { EventOut, LiveTransfer } from "../../api/transfer";
import { StatusChip } from "../StatusChip";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";

interface Props {
  live: LiveTransfer;
  onCancel: () => void;
  cancelling: boolean;
  cancelError: ApiError | null;
}

/** The events worth listing: steps, warnings, errors (state changes show as the status chip). */
function shown(event: EventOut): boolean {
  return event.kind !== "state" && event.kind !== "attempt";
}

export function TransferProgressPanel({ live, onCancel, cancelling, cancelError }: Props) {
  const msg = useMsg();
  const format = useFormat();
  const transfer = live.transfer;
  const heading = useRef<HTMLHeadingElement>(null);
  const id = transfer?.id;
  // a new transfer: keyboard and screen-reader users land on its progress, not at the old button
  useEffect(() => {
    if (id === undefined || !heading.current) return;
    heading.current.focus();
    heading.current.scrollIntoView?.({ block: "start", behavior: "smooth" });
  }, [id]);
  if (!transfer) return null;
  const running = !transfer.finished;
  const percent = transfer.bytes_total > 0 ? Math.min(100, (100 * transfer.bytes_done) / transfer.bytes_total) : null;
  const done = transfer.status === "done" || transfer.status === "already_done";
  return (
    <Box component="section" aria-labelledby="wft-progress-heading" sx={{ my: 2 }}>
      <Stack direction="row" spacing={1} alignItems="center" flexWrap="wrap" useFlexGap>
        <Typography variant="h6" component="h2" id="wft-progress-heading" tabIndex={-1} ref={heading}>
          {msg("wft-ui-transfer-progress-title")}
        </Typography>
        <Box role="status" aria-live="polite" data-testid="wft-transfer-status">
          <StatusChip status={transfer.status} />
        </Box>
      </Stack>
      {running && (
        <Box sx={{ my: 1 }}>
          <Typography aria-live="polite">{transfer.step?.message ?? msg("wft-ui-transfer-progress-waiting")}</Typography>
          <LinearProgress
            variant={percent === null ? "indeterminate" : "determinate"}
            value={percent ?? undefined}
            aria-label={msg("wft-ui-transfer-progress-bytes-label")}
            sx={{ my: 1 }}
          />
          {transfer.bytes_total > 0 && (
            <Typography variant="body2">
              {msg("wft-ui-transfer-progress-bytes", format.bytes(transfer.bytes_done), format.bytes(transfer.bytes_total))}
            </Typography>
          )}
          <Button variant="outlined" color="warning" onClick={onCancel} disabled={cancelling} sx={{ mt: 1 }}>
            {msg("wft-ui-transfer-cancel")}
          </Button>
          {cancelError && <ApiErrorAlert error={cancelError} />}
        </Box>
      )}
      {live.error && running && <ApiErrorAlert error={live.error} />}
      {transfer.error && <Alert severity="error" sx={{ my: 1 }}>{transfer.error.message}</Alert>}
      {done && (
        <Alert severity="success" sx={{ my: 1 }}>
          {transfer.status === "already_done"
            ? msg("wft-ui-transfer-result-already", transfer.target_wiki)
            : msg("wft-ui-transfer-result-done", transfer.target_wiki, transfer.uploaded_count)}
        </Alert>
      )}
      {transfer.finished && (
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ my: 1 }}>
          {transfer.target_url && done && (
            <Link href={transfer.target_url} target="_blank" rel="noopener noreferrer">
              {msg("wft-ui-transfer-result-open", transfer.target_title ?? transfer.target_url)}
            </Link>
          )}
          {transfer.source_url && (
            <Link href={transfer.source_url} target="_blank" rel="noopener noreferrer">
              {msg("wft-ui-transfer-result-source")}
            </Link>
          )}
          <Link component={RouterLink} to="/history">
            {msg("wft-ui-transfer-result-history")}
          </Link>
        </Stack>
      )}
      {live.events.some(shown) && (
        <List dense aria-label={msg("wft-ui-transfer-progress-steps")}>
          {live.events.filter(shown).map((event) => (
            <ListItem key={event.id} disableGutters data-kind={event.kind}>
              <ListItemText
                primary={event.message}
                secondary={event.detail ?? format.date(event.time, { timeStyle: "medium" })}
                primaryTypographyProps={{
                  color: event.kind === "error" || event.kind === "api_error" ? "error" : undefined,
                }}
              />
            </ListItem>
          ))}
        </List>
      )}
    </Box>
  );
}
