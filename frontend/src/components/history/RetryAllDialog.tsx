/**
 * "Retry all failed": a confirmation that says how many transfers will run again (all of the user's,
 * or one batch's when the history is filtered by a batch), then POST /transfers/retry.
 */
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogContentText from "@mui/material/DialogContentText";
import DialogTitle from "@mui/material/DialogTitle";
import { useFailedCount, useRetryAllFailed } from "../../api/history";
import { useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";
import { Loading } from "../../shell/RequireSignIn";

interface Props {
  open: boolean;
  batch: number | undefined;
  onClose: () => void;
  onDone: (retried: number) => void;
}

export function RetryAllDialog({ open, batch, onClose, onDone }: Props) {
  const msg = useMsg();
  const failed = useFailedCount(batch, open);
  const retry = useRetryAllFailed();
  const count = failed.data?.count;
  const close = () => {
    retry.reset();
    onClose();
  };

  let text: string | null = null;
  if (failed.data) {
    if (failed.data.count === 0) text = msg("wft-ui-history-retry-all-none");
    else if (batch !== undefined && failed.data.more) text = msg("wft-ui-history-retry-all-text-batch-many", failed.data.count, batch);
    else if (batch !== undefined) text = msg("wft-ui-history-retry-all-text-batch", failed.data.count, batch);
    else if (failed.data.more) text = msg("wft-ui-history-retry-all-text-many", failed.data.count);
    else text = msg("wft-ui-history-retry-all-text", failed.data.count);
  }

  return (
    <Dialog open={open} onClose={close} aria-labelledby="history-retry-all-title" aria-describedby="history-retry-all-text">
      <DialogTitle id="history-retry-all-title">{msg("wft-ui-history-retry-all-title")}</DialogTitle>
      <DialogContent>
        {failed.error && <ApiErrorAlert error={failed.error} />}
        {retry.error && <ApiErrorAlert error={retry.error} />}
        {text === null && !failed.error ? <Loading /> : null}
        {text !== null && (
          <DialogContentText id="history-retry-all-text">
            {text} {count ? msg("wft-ui-history-retry-all-safe") : ""}
          </DialogContentText>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>{msg("wft-ui-cancel")}</Button>
        <Button
          variant="contained"
          disabled={!count || retry.isPending}
          onClick={() =>
            retry.mutate(batch !== undefined ? { batch } : {}, {
              onSuccess: (answer) => {
                onDone(answer.retried.length);
                retry.reset();
              },
            })
          }
        >
          {msg("wft-ui-history-retry-all-confirm")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
