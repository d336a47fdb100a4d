/**
 * The description page: source and target side by side (stacked on a phone), the line diff between
 * them, an editor for the target text (with "reset to generated") and the target wiki's rendering of it
 * in a sandboxed frame (no scripts, no same-origin: the document comes sanitised from the server).
 */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Stack from "@mui/material/Stack";
import Tab from "@mui/material/Tab";
import Tabs from "@mui/material/Tabs";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useEffect, useMemo, useState } from "react";
import { useRenderPreview } from "../../api/transfer";
import { useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";
import { diffCounts, lineDiff } from "./lineDiff";
import { TransferDiffView } from "./TransferDiffView";

type View = "side" | "diff" | "edit" | "render";

interface Props {
  sourceText: string;
  generatedText: string;
  text: string;
  onTextChange: (text: string) => void;
  target: string;
  title: string;
  sourceWiki: string;
  targetWiki: string;
}

function TextPane({ label, text, id }: { label: string; text: string; id: string }) {
  return (
    <Box sx={{ flex: 1, minWidth: 0 }}>
      <Typography variant="subtitle2" component="h3" id={id}>
        {label}
      </Typography>
      <Box
        component="pre"
        tabIndex={0}
        aria-labelledby={id}
        dir="auto"
        sx={{
          m: 0,
          p: 1,
          border: 1,
          borderColor: "divider",
          borderRadius: 1,
          fontSize: "0.85rem",
          whiteSpace: "pre-wrap",
          wordBreak: "break-word",
          maxHeight: 480,
          overflow: "auto",
        }}
      >
        {text}
      </Box>
    </Box>
  );
}

export function TransferDescription(props: Props) {
  const { sourceText, generatedText, text, onTextChange, target, title, sourceWiki, targetWiki } = props;
  const msg = useMsg();
  const [view, setView] = useState<View>("side");
  const render = useRenderPreview();
  const diff = useMemo(() => lineDiff(sourceText, text), [sourceText, text]);
  const counts = diffCounts(diff);
  const edited = text !== generatedText;
  const renderedFor = render.variables;
  const stale = renderedFor !== undefined && (renderedFor.text !== text || renderedFor.title !== title);

  // rendered when first shown, and again on request after an edit (each render costs the wiki a parse)
  useEffect(() => {
    if (view === "render" && render.isIdle && text.trim() !== "") render.mutate({ target, title, text });
  }, [view, render, target, title, text]);

  return (
    <Box component="section" aria-labelledby="wft-description-heading" sx={{ my: 2 }}>
      <Typography variant="h6" component="h2" id="wft-description-heading">
        {msg("wft-ui-transfer-description-title")}
      </Typography>
      <Tabs
        value={view}
        onChange={(_event, next: View) => setView(next)}
        variant="scrollable"
        allowScrollButtonsMobile
        aria-label={msg("wft-ui-transfer-description-views")}
      >
        <Tab value="side" label={msg("wft-ui-transfer-tab-side")} id="wft-tab-side" aria-controls="wft-panel-side" />
        <Tab
          value="diff"
          label={msg("wft-ui-transfer-tab-diff", counts.added, counts.removed)}
          id="wft-tab-diff"
          aria-controls="wft-panel-diff"
        />
        <Tab value="edit" label={msg("wft-ui-transfer-tab-edit")} id="wft-tab-edit" aria-controls="wft-panel-edit" />
        <Tab value="render" label={msg("wft-ui-transfer-tab-render")} id="wft-tab-render" aria-controls="wft-panel-render" />
      </Tabs>
      {edited && (
        <Alert severity="info" sx={{ my: 1 }}>
          {msg("wft-ui-transfer-text-edited")}
        </Alert>
      )}
      <Box role="tabpanel" id={`wft-panel-${view}`} aria-labelledby={`wft-tab-${view}`} sx={{ pt: 2 }}>
        {view === "side" && (
          <Stack direction={{ xs: "column", md: "row" }} spacing={2}>
            <TextPane id="wft-pane-source" label={msg("wft-ui-transfer-text-source", sourceWiki)} text={sourceText} />
            <TextPane id="wft-pane-target" label={msg("wft-ui-transfer-text-target", targetWiki)} text={text} />
          </Stack>
        )}
        {view === "diff" && <TransferDiffView lines={diff} label={msg("wft-ui-transfer-diff-label")} />}
        {view === "edit" && (
          <>
            <TextField
              label={msg("wft-ui-transfer-editor-label", targetWiki)}
              value={text}
              onChange={(event) => onTextChange(event.target.value)}
              multiline
              minRows={10}
              maxRows={30}
              fullWidth
              error={text.trim() === ""}
              helperText={text.trim() === "" ? msg("wft-ui-transfer-editor-empty") : msg("wft-ui-transfer-editor-help")}
              inputProps={{ spellCheck: false, dir: "auto", style: { fontFamily: "monospace", fontSize: "0.85rem" } }}
            />
            <Button sx={{ mt: 1 }} onClick={() => onTextChange(generatedText)} disabled={!edited}>
              {msg("wft-ui-transfer-editor-reset")}
            </Button>
          </>
        )}
        {view === "render" && (
          <>
            {render.isPending && <Typography role="status">{msg("wft-ui-transfer-render-loading")}</Typography>}
            {render.error && <ApiErrorAlert error={render.error} />}
            {stale && !render.isPending && (
              <Alert
                severity="info"
                sx={{ mb: 1 }}
                action={
                  <Button color="inherit" size="small" onClick={() => render.mutate({ target, title, text })}>
                    {msg("wft-ui-transfer-render-again")}
                  </Button>
                }
              >
                {msg("wft-ui-transfer-render-stale")}
              </Alert>
            )}
            {render.data && (
              <Box
                component="iframe"
                title={msg("wft-ui-transfer-render-frame", targetWiki)}
                sandbox="allow-popups allow-popups-to-escape-sandbox"
                srcDoc={render.data.document}
                sx={{ width: "100%", height: 480, border: 1, borderColor: "divider", borderRadius: 1, bgcolor: "#fff" }}
              />
            )}
            {render.data && render.data.categories.length > 0 && (
              <Typography variant="body2" sx={{ mt: 1 }}>
                {msg("wft-ui-transfer-render-categories", render.data.categories.length, render.data.categories.join(", "))}
              </Typography>
            )}
          </>
        )}
      </Box>
    </Box>
  );
}
