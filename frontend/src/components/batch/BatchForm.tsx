/**
 * The new-batch form: where the files come from (a URL list, a category, a user's uploads or the files
 * of a page), the target wiki, and whether to mark the sources with NowCommons. Sends POST /batches and
 * goes to the batch's page, where its dry-run table fills.
 */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Checkbox from "@mui/material/Checkbox";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormLabel from "@mui/material/FormLabel";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { MAX_URL_LINES, urlLines, useCreateBatch, type BatchCreate, type BatchKind } from "../../api/batch";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { WikiPicker } from "../../pages/WikiPicker";
import { useSettings } from "../../settings/settings";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";

export function BatchForm() {
  const msg = useMsg();
  const format = useFormat();
  const navigate = useNavigate();
  const { settings } = useSettings();
  const create = useCreateBatch();
  const [kind, setKind] = useState<BatchKind>("urls");
  const [urls, setUrls] = useState("");
  const [spec, setSpec] = useState("");
  const [subcategories, setSubcategories] = useState(false);
  const [target, setTarget] = useState(settings.defaultTargetWiki ?? "");
  const [markSource, setMarkSource] = useState(true);
  const [touched, setTouched] = useState(false);

  const lines = urlLines(urls);
  const tooMany = lines.length > MAX_URL_LINES;
  const sourceMissing = kind === "urls" ? lines.length === 0 : spec.trim() === "";
  const specBad = kind !== "urls" && spec.trim() !== "" && !spec.includes(":") && !/^https?:\/\//.test(spec.trim());
  const targetMissing = target.trim() === "";

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (sourceMissing || tooMany || specBad || targetMissing) return;
    const body: BatchCreate = { target: target.trim(), kind, mark_source: markSource };
    if (kind === "urls") body.urls = lines;
    else body.spec = spec.trim();
    if (kind === "category") body.depth = subcategories ? 1 : 0;
    create.mutate(body, { onSuccess: (batch) => navigate(`/batch/${batch.id}`) });
  };

  const specLabel = {
    category: msg("wft-ui-batch-spec-category"),
    user: msg("wft-ui-batch-spec-user"),
    page: msg("wft-ui-batch-spec-page"),
  };
  const specHelp = {
    category: msg("wft-ui-batch-spec-category-help"),
    user: msg("wft-ui-batch-spec-user-help"),
    page: msg("wft-ui-batch-spec-page-help"),
  };
  const specError = touched && (sourceMissing || specBad);

  return (
    <Box component="form" noValidate onSubmit={submit} aria-labelledby="batch-form-title" sx={{ mb: 4 }}>
      <Typography variant="h5" component="h2" id="batch-form-title" gutterBottom>
        {msg("wft-ui-batch-new")}
      </Typography>
      <Stack spacing={2.5} sx={{ maxWidth: 720 }}>
        <FormControl>
          <FormLabel id="batch-kind-label">{msg("wft-ui-batch-kind")}</FormLabel>
          <RadioGroup
            aria-labelledby="batch-kind-label"
            row
            value={kind}
            onChange={(_event, value) => setKind(value as BatchKind)}
          >
            <FormControlLabel value="urls" control={<Radio />} label={msg("wft-ui-batch-kind-urls")} />
            <FormControlLabel value="category" control={<Radio />} label={msg("wft-ui-batch-kind-category")} />
            <FormControlLabel value="user" control={<Radio />} label={msg("wft-ui-batch-kind-user")} />
            <FormControlLabel value="page" control={<Radio />} label={msg("wft-ui-batch-kind-page")} />
          </RadioGroup>
        </FormControl>

        {kind === "urls" ? (
          <TextField
            label={msg("wft-ui-batch-urls")}
            multiline
            minRows={5}
            maxRows={16}
            value={urls}
            onChange={(event) => setUrls(event.target.value)}
            error={(touched && sourceMissing) || tooMany}
            helperText={
              tooMany
                ? msg("wft-ui-batch-urls-too-many", MAX_URL_LINES, format.number(MAX_URL_LINES))
                : `${msg("wft-ui-batch-urls-help")} ${msg("wft-ui-batch-urls-count", lines.length, format.number(lines.length))}`
            }
            inputProps={{ spellCheck: false, dir: "ltr" }}
          />
        ) : (
          <TextField
            key={kind}
            label={specLabel[kind]}
            value={spec}
            onChange={(event) => setSpec(event.target.value)}
            error={specError}
            helperText={specError && specBad ? msg("wft-ui-batch-spec-invalid") : specHelp[kind]}
            inputProps={{ spellCheck: false, dir: "ltr", maxLength: 1000 }}
          />
        )}

        {kind === "category" && (
          <FormControlLabel
            control={<Checkbox checked={subcategories} onChange={(event) => setSubcategories(event.target.checked)} />}
            label={msg("wft-ui-batch-depth")}
          />
        )}

        <WikiPicker
          label={msg("wft-ui-batch-target")}
          helperText={touched && targetMissing ? msg("wft-ui-batch-target-missing") : msg("wft-ui-batch-target-help")}
          value={target}
          onChange={setTarget}
        />

        <FormControlLabel
          control={<Checkbox checked={markSource} onChange={(event) => setMarkSource(event.target.checked)} />}
          label={msg("wft-ui-batch-mark-source")}
        />

        {create.error && <ApiErrorAlert error={create.error} onClose={() => create.reset()} />}
        {touched && (sourceMissing || targetMissing) && (
          <Alert severity="warning">{msg("wft-ui-batch-form-incomplete")}</Alert>
        )}

        <Box>
          <Button type="submit" variant="contained" disabled={create.isPending}>
            {create.isPending ? msg("wft-ui-batch-creating") : msg("wft-ui-batch-create")}
          </Button>
        </Box>
      </Stack>
    </Box>
  );
}
