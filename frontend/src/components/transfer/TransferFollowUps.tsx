/** Post-transfer options: mark the source (NowCommons), use the file in an article on the target; and
 * what the preview planned for them (the article's diff, from the server). */
import Box from "@mui/material/Box";
import Checkbox from "@mui/material/Checkbox";
import FormControlLabel from "@mui/material/FormControlLabel";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import type { FollowUpOut } from "../../api/transfer";
import { useMsg } from "../../i18n/useMsg";
import { parseUnified } from "./lineDiff";
import { TransferDiffView } from "./TransferDiffView";

export interface FollowUpChoice {
  markSource: boolean;
  useIn: boolean;
  article: string;
  caption: string;
}

interface Props {
  choice: FollowUpChoice;
  onChange: (choice: FollowUpChoice) => void;
  planned: FollowUpOut[];
}

export function TransferFollowUps({ choice, onChange, planned }: Props) {
  const msg = useMsg();
  const set = (patch: Partial<FollowUpChoice>) => onChange({ ...choice, ...patch });
  return (
    <Box component="section" aria-labelledby="wft-followups-heading" sx={{ my: 2 }}>
      <Typography variant="h6" component="h2" id="wft-followups-heading">
        {msg("wft-ui-transfer-followups-title")}
      </Typography>
      <FormControlLabel
        control={<Checkbox checked={choice.markSource} onChange={(event) => set({ markSource: event.target.checked })} />}
        label={msg("wft-ui-transfer-mark-source")}
      />
      <FormControlLabel
        control={<Checkbox checked={choice.useIn} onChange={(event) => set({ useIn: event.target.checked })} />}
        label={msg("wft-ui-transfer-use-in")}
      />
      {choice.useIn && (
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ my: 1 }}>
          <TextField
            label={msg("wft-ui-transfer-use-in-article")}
            helperText={msg("wft-ui-transfer-use-in-article-help")}
            value={choice.article}
            onChange={(event) => set({ article: event.target.value })}
            required
            fullWidth
            inputProps={{ maxLength: 255 }}
          />
          <TextField
            label={msg("wft-ui-transfer-use-in-caption")}
            value={choice.caption}
            onChange={(event) => set({ caption: event.target.value })}
            fullWidth
            inputProps={{ maxLength: 1000 }}
          />
        </Stack>
      )}
      {planned.length > 0 && (
        <Box component="ul" sx={{ pl: 2 }} aria-label={msg("wft-ui-transfer-followups-planned")}>
          {planned.map((followUp) => (
            <li key={followUp.id}>
              <Typography>{followUp.message}</Typography>
              {followUp.diff && (
                <TransferDiffView
                  lines={parseUnified(followUp.diff)}
                  label={msg("wft-ui-transfer-followups-diff")}
                  context={2}
                />
              )}
            </li>
          ))}
        </Box>
      )}
    </Box>
  );
}
