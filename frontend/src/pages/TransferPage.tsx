/**
 * Transfer one file: paste a file page URL (or WIKI:File:Name) and pick the target wiki → the dry run
 * (file card, check report, title, description side by side with diff, editor and rendering,
 * post-transfer options) → Transfer, with live progress and the result's links.
 *
 * Deep link: /transfer?url=…&to=… fills both fields and previews at once (the history's "transfer again",
 * tests).
 */
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import LinearProgress from "@mui/material/LinearProgress";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import {
  useCancelTransfer,
  useCreateTransfer,
  useResolve,
  useTransferPreview,
  useTransferProgress,
  type PreviewOut,
  type TransferIn,
} from "../api/transfer";
import { StatusChip } from "../components/StatusChip";
import { TransferCheckReport } from "../components/transfer/TransferCheckReport";
import { TransferDescription } from "../components/transfer/TransferDescription";
import { TransferFileCard } from "../components/transfer/TransferFileCard";
import { TransferFollowUps, type FollowUpChoice } from "../components/transfer/TransferFollowUps";
import { TransferSourceField, TransferSourceMode, sourceValue, type SourceInput } from "../components/transfer/TransferSourceField";
import { TransferProgressPanel } from "../components/transfer/TransferProgressPanel";
import { TransferTitleField, extensionOf } from "../components/transfer/TransferTitleField";
import { useMsg } from "../i18n/useMsg";
import { useSettings } from "../settings/settings";
import { ApiErrorAlert } from "../shell/ApiErrorAlert";
import { PageTitle } from "../shell/PageTitle";
import { WikiPicker } from "./WikiPicker";

const NO_FOLLOW_UPS: FollowUpChoice = { markSource: true, useIn: false, article: "", caption: "" };

/** What a preview was asked with (to tell when the form has moved on from it). */
interface Asked {
  source: string;
  target: string;
}

export function TransferPage() {
  const msg = useMsg();
  const { settings } = useSettings();
  const [params, setParams] = useSearchParams();
  const [sourceInput, setSourceInput] = useState<SourceInput>({ mode: "url", url: params.get("url") ?? "", wiki: "", file: "" });
  const source = sourceValue(sourceInput);
  const [target, setTarget] = useState(params.get("to") ?? settings.defaultTargetWiki ?? "");
  const [choice, setChoice] = useState<FollowUpChoice>(NO_FOLLOW_UPS);
  const [asked, setAsked] = useState<Asked | null>(null);
  const [title, setTitle] = useState("");
  const [titleValid, setTitleValid] = useState(true);
  const [text, setText] = useState("");
  const [generated, setGenerated] = useState("");
  const [notAFile, setNotAFile] = useState<string | null>(null);

  const resolve = useResolve();
  const preview = useTransferPreview();
  const create = useCreateTransfer();
  const cancel = useCancelTransfer();
  const live = useTransferProgress(create.data ?? null);
  const data: PreviewOut | undefined = preview.data;

  const body = useCallback(
    (base: Asked, extra: Partial<TransferIn> = {}): TransferIn => ({
      source: base.source,
      target: base.target,
      mark_source: choice.markSource,
      use_in: choice.useIn && choice.article.trim() ? { title: choice.article.trim(), caption: choice.caption.trim() || null } : null,
      rules_page: settings.defaultRulesPage,
      ...extra,
    }),
    [choice, settings.defaultRulesPage],
  );

  const runPreview = useCallback(
    async (base: Asked) => {
      setNotAFile(null);
      create.reset();
      preview.reset();
      let resolved;
      try {
        resolved = await resolve.mutateAsync(base.source);
      } catch {
        return; // shown from resolve.error
      }
      if (!resolved.is_file) {
        setNotAFile(resolved.title);
        return;
      }
      setAsked(base);
      setParams({ url: base.source, to: base.target }, { replace: true });
      preview.mutate(body(base), {
        onSuccess: (answer) => {
          setTitle(answer.target.title);
          setTitleValid(true);
          setText(answer.target_text);
          setGenerated(answer.target_text);
        },
      });
    },
    [body, create, preview, resolve, setParams],
  );

  /** Check again with the title, text and options as they are now (keeps the user's edit). */
  const recheck = () => {
    if (!asked || !data) return;
    const edited = text !== generated;
    preview.mutate(
      body(asked, {
        title: title.trim() !== data.target.title ? title.trim() : null,
        page_text: edited ? text : null,
      }),
      {
        onSuccess: (answer) => {
          setTitle(answer.target.title);
          if (!edited) setGenerated(answer.target_text);
          setText(answer.target_text);
        },
      },
    );
  };

  // the deep link previews once, at once
  const autoPreviewed = useRef(false);
  useEffect(() => {
    if (autoPreviewed.current) return;
    autoPreviewed.current = true;
    const url = params.get("url");
    const to = params.get("to") ?? settings.defaultTargetWiki;
    if (url && to) void runPreview({ source: url.trim(), target: to.trim() });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (source && target.trim()) void runPreview({ source, target: target.trim() });
  };

  const onTransfer = () => {
    if (!asked || !data) return;
    const useIn = body(asked).use_in;
    const planned = data.follow_ups.find((f) => f.id === "use-in-article");
    create.mutate(
      body(asked, {
        title: title.trim() !== data.target.title ? title.trim() : null,
        page_text: text !== generated ? text : null,
        use_in:
          useIn && planned?.base_revid && preview.variables?.use_in?.title === useIn.title
            ? { ...useIn, base_revid: planned.base_revid }
            : useIn,
      }),
    );
  };

  const onTitleValidity = useCallback((valid: boolean) => setTitleValid(valid), []);

  // why Transfer cannot be pressed now (null: it can)
  const blocks = data ? data.checks.filter((c) => c.result === "block") : [];
  let reason: string | null = null;
  if (data) {
    if (asked && (asked.source !== source || asked.target !== target.trim())) reason = msg("wft-ui-transfer-reason-stale");
    else if (blocks.length) reason = msg("wft-ui-transfer-reason-blocked", blocks.length, blocks[0]?.message ?? "");
    else if (!titleValid) reason = msg("wft-ui-transfer-reason-title");
    else if (text.trim() === "") reason = msg("wft-ui-transfer-reason-text");
    else if (choice.useIn && !choice.article.trim()) reason = msg("wft-ui-transfer-reason-article");
  }
  const started = create.data !== undefined;
  // the checks and the article diff shown are for what was previewed: say so when the form moved on
  const previewed = preview.variables;
  const outdated =
    data !== undefined &&
    previewed !== undefined &&
    (title.trim() !== data.target.title ||
      previewed.mark_source !== choice.markSource ||
      (previewed.use_in?.title ?? "") !== (choice.useIn ? choice.article.trim() : "") ||
      (previewed.use_in?.caption ?? "") !== (choice.useIn ? choice.caption.trim() : ""));
  const busy = resolve.isPending || preview.isPending;
  const transfer = live.transfer;

  const startOver = () => {
    create.reset();
    preview.reset();
    resolve.reset();
    setAsked(null);
    setSourceInput({ ...sourceInput, url: "", file: "" });
    setParams({}, { replace: true });
  };

  return (
    <>
      <PageTitle>{msg("wft-ui-transfer-title")}</PageTitle>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {msg("wft-ui-transfer-intro")}
      </Typography>
      <Box component="form" onSubmit={onSubmit} aria-label={msg("wft-ui-transfer-form")} noValidate>
        <TransferSourceMode value={sourceInput} onChange={setSourceInput} disabled={started && !transfer?.finished} />
        <Stack direction={{ xs: "column", md: "row" }} spacing={2} alignItems={{ md: "flex-start" }}>
          <TransferSourceField
            value={sourceInput}
            onChange={setSourceInput}
            disabled={started && !transfer?.finished}
          />
          <Box sx={{ flex: 1, minWidth: { md: 240 } }}>
            <WikiPicker
              label={msg("wft-ui-transfer-target")}
              helperText={msg("wft-ui-transfer-target-help")}
              value={target}
              onChange={setTarget}
            />
          </Box>
          <Button
            type="submit"
            variant={data ? "outlined" : "contained"}
            disabled={busy || !source || !target.trim() || (started && !transfer?.finished)}
            sx={{ mt: { md: 1 }, minHeight: 48, whiteSpace: "nowrap" }}
          >
            {msg("wft-ui-transfer-preview")}
          </Button>
        </Stack>
      </Box>

      {busy && (
        <Box role="status" sx={{ my: 2 }}>
          <Typography>{msg("wft-ui-transfer-previewing")}</Typography>
          <LinearProgress aria-label={msg("wft-ui-transfer-previewing")} />
        </Box>
      )}
      {resolve.error && <ApiErrorAlert error={resolve.error} title={msg("wft-ui-transfer-resolve-failed")} />}
      {notAFile && <Alert severity="error" sx={{ my: 2 }}>{msg("wft-ui-transfer-not-a-file", notAFile)}</Alert>}
      {preview.error && <ApiErrorAlert error={preview.error} title={msg("wft-ui-transfer-preview-failed")} />}

      {data && asked && (
        <>
          <Stack direction="row" spacing={1} alignItems="center" sx={{ mt: 2 }} flexWrap="wrap" useFlexGap>
            <Typography>{msg("wft-ui-transfer-verdict", data.target.wiki)}</Typography>
            <StatusChip status={data.status} />
          </Stack>
          <TransferFileCard facts={data.source} />
          <TransferCheckReport checks={data.checks} />
          {/* once started, what was sent is settled: only the card, the checks and the progress stay */}
          {!started && (
            <>
            <Box component="section" aria-labelledby="wft-target-heading" sx={{ my: 2 }}>
              <Typography variant="h6" component="h2" id="wft-target-heading">
                {msg("wft-ui-transfer-target-title", data.target.wiki)}
              </Typography>
              <TransferTitleField
                wiki={data.target.wiki}
                value={title}
                onChange={setTitle}
                extension={extensionOf(data.source.title)}
                planned={data.target.title}
                onValidity={onTitleValidity}
              />
            </Box>
            <TransferDescription
              sourceText={data.source_text}
              generatedText={generated}
              text={text}
              onTextChange={setText}
              target={data.target.wiki}
              title={title.trim() || data.target.title}
              sourceWiki={data.source.wiki}
              targetWiki={data.target.wiki}
            />
            {data.description.changes.length > 0 && (
              <Box component="section" aria-labelledby="wft-notes-heading" sx={{ my: 2 }}>
                <Typography variant="subtitle1" component="h2" id="wft-notes-heading">
                  {msg("wft-ui-transfer-notes-title", data.description.changes.length)}
                </Typography>
                <Box component="ul" sx={{ pl: 3, my: 0 }}>
                  {data.description.changes.map((note, index) => (
                    <li key={index}>{note.message}</li>
                  ))}
                </Box>
              </Box>
            )}
            <TransferFollowUps choice={choice} onChange={setChoice} planned={data.follow_ups} />
            </>
          )}
          {!started && (
            <Stack direction={{ xs: "column", sm: "row" }} spacing={2} alignItems={{ sm: "center" }} sx={{ my: 3 }}>
              <Button
                variant="contained"
                size="large"
                onClick={onTransfer}
                disabled={reason !== null || create.isPending}
                sx={{ flexShrink: 0 }}
                aria-describedby={reason ? "wft-transfer-reason" : undefined}
              >
                {msg("wft-ui-transfer-submit")}
              </Button>
              <Button
                variant="outlined"
                onClick={recheck}
                disabled={preview.isPending || create.isPending}
                sx={{ whiteSpace: "nowrap", flexShrink: 0 }}
              >
                {msg("wft-ui-transfer-recheck")}
              </Button>
              {reason && (
                <Typography id="wft-transfer-reason" color="error" role="status">
                  {reason}
                </Typography>
              )}
              {!reason && outdated && (
                <Typography color="text.secondary" role="status">
                  {msg("wft-ui-transfer-outdated")}
                </Typography>
              )}
            </Stack>
          )}
          {create.isPending && (
            <Typography role="status" sx={{ my: 2 }}>
              {msg("wft-ui-transfer-creating")}
            </Typography>
          )}
          {create.error && <ApiErrorAlert error={create.error} title={msg("wft-ui-transfer-create-failed")} />}
        </>
      )}

      {create.data && (
        <>
          {create.data.status === "blocked" && (
            <>
              <Alert severity="error" sx={{ my: 2 }}>
                {msg("wft-ui-transfer-kept-blocked")}
              </Alert>
              <TransferCheckReport checks={create.data.checks_all} />
            </>
          )}
          <TransferProgressPanel
            live={live}
            onCancel={() => create.data && cancel.mutate(create.data.id)}
            cancelling={cancel.isPending}
            cancelError={cancel.error}
          />
          {transfer?.finished && (
            <Button variant="outlined" onClick={startOver} sx={{ my: 2 }}>
              {msg("wft-ui-transfer-another")}
            </Button>
          )}
        </>
      )}
    </>
  );
}
