/** Rename one item on the target wiki before the run (PATCH …/items/{tid} {title} or {reset_title});
 * the item is checked again with the new name. */
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogContentText from "@mui/material/DialogContentText";
import DialogTitle from "@mui/material/DialogTitle";
import TextField from "@mui/material/TextField";
import { useState, type FormEvent } from "react";
import { usePatchItem, type BatchItem } from "../../api/batch";
import { useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";

interface Props {
  batchId: number;
  item: BatchItem;
  onClose: () => void;
}

export function RenameDialog({ batchId, item, onClose }: Props) {
  const msg = useMsg();
  const patch = usePatchItem(batchId);
  const [title, setTitle] = useState(item.target_title ?? item.requested_title ?? item.source_title ?? "");
  const empty = title.trim() === "";

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (empty) return;
    patch.mutate({ item: item.id, patch: { title: title.trim() } }, { onSuccess: onClose });
  };

  return (
    <Dialog open onClose={onClose} aria-labelledby="batch-rename-title" fullWidth maxWidth="sm">
      <form onSubmit={submit} noValidate>
        <DialogTitle id="batch-rename-title">{msg("wft-ui-batch-rename-title")}</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ mb: 2, overflowWrap: "anywhere" }}>
            {msg("wft-ui-batch-rename-text", item.source_title ?? item.source_input)}
          </DialogContentText>
          <TextField
            autoFocus
            fullWidth
            label={msg("wft-ui-batch-rename-field")}
            value={title}
            onChange={(event) => setTitle(event.target.value)}
            error={empty}
            helperText={empty ? msg("wft-ui-batch-rename-empty") : msg("wft-ui-batch-rename-help")}
            inputProps={{ spellCheck: false, maxLength: 255 }}
          />
          {patch.error && <ApiErrorAlert error={patch.error} />}
        </DialogContent>
        <DialogActions sx={{ flexWrap: "wrap", gap: 1 }}>
          <Button onClick={onClose}>{msg("wft-ui-cancel")}</Button>
          {item.requested_title && (
            <Button
              disabled={patch.isPending}
              onClick={() => patch.mutate({ item: item.id, patch: { reset_title: true } }, { onSuccess: onClose })}
            >
              {msg("wft-ui-batch-rename-reset")}
            </Button>
          )}
          <Button type="submit" variant="contained" disabled={patch.isPending || empty}>
            {msg("wft-ui-batch-rename-submit")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
