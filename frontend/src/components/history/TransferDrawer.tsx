/**
 * One transfer in detail, in a drawer over the history: its facts and links, what went wrong in words,
 * its checks and follow-up edits, the planned page text and its timeline of events (API errors with the
 * server's message, the stable code and the wiki's own words), with retry, cancel and "transfer again
 * with changes". While a worker may still change it, it is read again every few seconds.
 */
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import type { ChipProps } from "@mui/material/Chip";
import Divider from "@mui/material/Divider";
import Drawer from "@mui/material/Drawer";
import IconButton from "@mui/material/IconButton";
import LinearProgress from "@mui/material/LinearProgress";
import Link from "@mui/material/Link";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import CloseIcon from "@mui/icons-material/Close";
import OpenInNewIcon from "@mui/icons-material/OpenInNew";
import { useState, type ReactNode } from "react";
import { Link as RouterLink } from "react-router-dom";
import {
  useAllEvents,
  useCancelTransfer,
  useRetryTransfer,
  useTransferDetail,
  type CheckOut,
  type EventOut,
  type FollowUpOut,
  type TransferDetail,
} from "../../api/history";
import { useFormat, useMsg } from "../../i18n/useMsg";
import { ApiErrorAlert } from "../../shell/ApiErrorAlert";
import { Loading } from "../../shell/RequireSignIn";
import { StatusChip } from "../StatusChip";
import { sourceTitle, targetTitle, useTransferName } from "./HistoryList";

const EVENTS_IN_DETAIL = 200;

function Code({ value }: { value: string }) {
  const msg = useMsg();
  return (
    <Typography variant="caption" component="span" color="text.secondary" sx={{ display: "block" }} dir="ltr">
      {msg("wft-ui-history-code", value)}
    </Typography>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="section" sx={{ mt: 3 }}>
      <Typography variant="h6" component="h3" gutterBottom>
        {title}
      </Typography>
      {children}
    </Box>
  );
}

function useEventKind(): (kind: string) => { label: string; color: ChipProps["color"] } {
  const msg = useMsg();
  const kinds: Record<string, { label: string; color: ChipProps["color"] }> = {
    state: { label: msg("wft-ui-history-event-state"), color: "default" },
    attempt: { label: msg("wft-ui-history-event-attempt"), color: "default" },
    step: { label: msg("wft-ui-history-event-step"), color: "info" },
    api_error: { label: msg("wft-ui-history-event-api-error"), color: "error" },
    warning: { label: msg("wft-ui-history-event-warning"), color: "warning" },
    error: { label: msg("wft-ui-history-event-error"), color: "error" },
    info: { label: msg("wft-ui-history-event-info"), color: "default" },
  };
  return (kind) => kinds[kind] ?? { label: kind, color: "default" };
}

function Timeline({ events }: { events: EventOut[] }) {
  const msg = useMsg();
  const format = useFormat();
  const kindOf = useEventKind();
  if (events.length === 0) return <Typography color="text.secondary">{msg("wft-ui-history-events-none")}</Typography>;
  return (
    <Box component="ol" sx={{ p: 0, m: 0, listStyle: "none" }}>
      {events.map((event) => {
        const kind = kindOf(event.kind);
        return (
          <Box
            component="li"
            key={event.id}
            sx={{ borderInlineStart: 2, borderColor: kind.color === "default" ? "divider" : `${kind.color}.main`, ps: 1.5, pb: 1.5 }}
          >
            <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: "center", flexWrap: "wrap" }}>
              <Typography variant="caption" component="time" dateTime={event.time} color="text.secondary">
                {format.date(event.time, { dateStyle: "short", timeStyle: "medium" })}
              </Typography>
              <Chip size="small" label={kind.label} color={kind.color} variant="outlined" />
            </Stack>
            <Typography variant="body2" sx={{ overflowWrap: "anywhere" }}>
              {event.message}
            </Typography>
            {event.detail && (
              <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: "anywhere" }}>
                {msg("wft-ui-history-event-detail", event.detail)}
              </Typography>
            )}
            <Code value={event.key} />
          </Box>
        );
      })}
    </Box>
  );
}

function Events({ detail }: { detail: TransferDetail }) {
  const msg = useMsg();
  const [all, setAll] = useState(false);
  const everything = useAllEvents(detail.id, all);
  const loadedAll = everything.data?.pages.flatMap((page) => page.events);
  const more = detail.events.length >= EVENTS_IN_DETAIL && !all;
  return (
    <Section title={msg("wft-ui-history-events-heading")}>
      {everything.error ? <ApiErrorAlert error={everything.error} /> : null}
      <Timeline events={all && loadedAll ? loadedAll : detail.events} />
      {all && everything.hasNextPage && (
        <Button onClick={() => void everything.fetchNextPage()} disabled={everything.isFetchingNextPage}>
          {msg("wft-ui-history-load-more")}
        </Button>
      )}
      {more && (
        <Button onClick={() => setAll(true)}>{msg("wft-ui-history-events-all")}</Button>
      )}
    </Section>
  );
}

function Checks({ checks }: { checks: CheckOut[] }) {
  const msg = useMsg();
  const verdicts: Record<CheckOut["result"], { label: string; severity: "success" | "warning" | "error" }> = {
    pass: { label: msg("wft-ui-history-check-pass"), severity: "success" },
    warn: { label: msg("wft-ui-history-check-warn"), severity: "warning" },
    block: { label: msg("wft-ui-history-check-block"), severity: "error" },
  };
  if (checks.length === 0) return <Typography color="text.secondary">{msg("wft-ui-history-checks-none")}</Typography>;
  // What stops the transfer first, then warnings, then what passed.
  const order = { block: 0, warn: 1, pass: 2 } as const;
  const sorted = [...checks].sort((a, b) => order[a.result] - order[b.result]);
  return (
    <Stack component="ul" spacing={1} sx={{ p: 0, m: 0, listStyle: "none" }}>
      {sorted.map((check) => {
        const verdict = verdicts[check.result];
        return (
          <Box component="li" key={check.id}>
            {/* a static verdict, not news: no live "alert" role */}
            <Alert severity={verdict.severity} variant="outlined" role="none" sx={{ py: 0 }}>
              <AlertTitle sx={{ mb: 0 }}>{verdict.label}</AlertTitle>
              <Box sx={{ overflowWrap: "anywhere" }}>{check.message}</Box>
              <Code value={check.key} />
            </Alert>
          </Box>
        );
      })}
    </Stack>
  );
}

function FollowUps({ followUps }: { followUps: FollowUpOut[] }) {
  const msg = useMsg();
  const label: Record<FollowUpOut["status"], string> = {
    planned: msg("wft-ui-history-followup-planned"),
    done: msg("wft-ui-history-followup-done"),
    already_done: msg("wft-ui-history-followup-already-done"),
    skipped: msg("wft-ui-history-followup-skipped"),
  };
  return (
    <Stack component="ul" spacing={1} sx={{ p: 0, m: 0, listStyle: "none" }}>
      {followUps.map((followUp) => (
        <Box component="li" key={followUp.id}>
          <Chip size="small" variant="outlined" label={label[followUp.status]} sx={{ me: 1 }} />
          <Typography variant="body2" component="span" sx={{ overflowWrap: "anywhere" }}>
            {followUp.message}
          </Typography>
        </Box>
      ))}
    </Stack>
  );
}

function Facts({ detail }: { detail: TransferDetail }) {
  const msg = useMsg();
  const format = useFormat();
  const rows: Array<[string, ReactNode]> = [
    [msg("wft-ui-history-fact-source"), msg("wft-ui-history-on-wiki", sourceTitle(detail), detail.source_wiki ?? "?")],
    [
      msg("wft-ui-history-fact-target"),
      msg("wft-ui-history-on-wiki", targetTitle(detail) ?? sourceTitle(detail), detail.target_wiki),
    ],
    [msg("wft-ui-history-fact-created"), format.date(detail.created_at)],
  ];
  if (detail.started_at) rows.push([msg("wft-ui-history-fact-started"), format.date(detail.started_at)]);
  if (detail.finished_at) rows.push([msg("wft-ui-history-fact-finished"), format.date(detail.finished_at)]);
  if (detail.version_count > 0) {
    rows.push([msg("wft-ui-history-fact-versions"), msg("wft-ui-history-versions", detail.uploaded_count, detail.version_count)]);
  }
  if (detail.bytes_total > 0) {
    const size =
      detail.finished || detail.bytes_done >= detail.bytes_total
        ? format.bytes(detail.bytes_total)
        : msg("wft-ui-history-bytes-of", format.bytes(detail.bytes_done), format.bytes(detail.bytes_total));
    rows.push([msg("wft-ui-history-fact-size"), size]);
  }
  if (detail.attempts > 0) rows.push([msg("wft-ui-history-fact-attempts"), format.number(detail.attempts)]);
  if (detail.batch_id !== null) {
    rows.push([
      msg("wft-ui-history-fact-batch"),
      <Link component={RouterLink} to={`/history?batch=${detail.batch_id}`}>
        {msg("wft-ui-history-batch-link", detail.batch_id)}
      </Link>,
    ]);
  }
  return (
    <Box component="dl" sx={{ display: "grid", gridTemplateColumns: "max-content 1fr", columnGap: 2, rowGap: 0.5, m: 0 }}>
      {rows.map(([term, value]) => (
        <Box key={term} sx={{ display: "contents" }}>
          <Typography component="dt" variant="body2" color="text.secondary">
            {term}
          </Typography>
          <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: "anywhere" }}>
            {value}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

function Actions({ detail }: { detail: TransferDetail }) {
  const msg = useMsg();
  const retry = useRetryTransfer();
  const cancel = useCancelTransfer();
  const [said, setSaid] = useState<string | null>(null);
  const source = detail.source_url ?? detail.source_input;
  const again = `/transfer?${new URLSearchParams({ url: source, to: detail.target_wiki }).toString()}`;
  const busy = retry.isPending || cancel.isPending;
  return (
    <Box sx={{ mt: 2 }}>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={1} sx={{ alignItems: { sm: "center" }, flexWrap: "wrap" }}>
        <Button
          variant="contained"
          disabled={busy || !detail.finished}
          aria-describedby={detail.finished ? undefined : "history-retry-busy"}
          onClick={() => {
            setSaid(null);
            cancel.reset();
            retry.mutate(detail.id, { onSuccess: () => setSaid(msg("wft-ui-history-retried")) });
          }}
        >
          {msg("wft-ui-history-retry")}
        </Button>
        {!detail.finished && (
          <Button
            variant="outlined"
            color="error"
            disabled={busy}
            onClick={() => {
              setSaid(null);
              retry.reset();
              cancel.mutate(detail.id, { onSuccess: () => setSaid(msg("wft-ui-history-cancelled")) });
            }}
          >
            {msg("wft-ui-history-cancel")}
          </Button>
        )}
        <Button component={RouterLink} to={again}>
          {msg("wft-ui-history-again")}
        </Button>
      </Stack>
      {!detail.finished && (
        <Typography id="history-retry-busy" variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          {msg("wft-ui-history-retry-busy")}
        </Typography>
      )}
      {retry.error && (
        <ApiErrorAlert
          error={retry.error}
          title={retry.error.key === "wft-api-not-retryable" ? msg("wft-ui-history-retry-busy") : msg("wft-ui-history-retry-failed")}
          onClose={() => retry.reset()}
        />
      )}
      {cancel.error && <ApiErrorAlert error={cancel.error} title={msg("wft-ui-history-cancel-failed")} onClose={() => cancel.reset()} />}
      <Box role="status" aria-live="polite">
        {said && (
          <Alert severity="success" sx={{ mt: 2 }} onClose={() => setSaid(null)}>
            {said}
          </Alert>
        )}
      </Box>
    </Box>
  );
}

function Details({ detail }: { detail: TransferDetail }) {
  const msg = useMsg();
  const format = useFormat();
  return (
    <>
      <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: "center", flexWrap: "wrap" }}>
        <StatusChip status={detail.status} size="medium" />
        {detail.step && (
          <Typography variant="body2" sx={{ overflowWrap: "anywhere" }}>
            {detail.step.message}
          </Typography>
        )}
      </Stack>
      {!detail.finished && detail.bytes_total > 0 && (
        <LinearProgress
          variant="determinate"
          value={Math.min(100, (detail.bytes_done / detail.bytes_total) * 100)}
          aria-label={msg("wft-ui-history-progress")}
          sx={{ mt: 1.5 }}
        />
      )}
      {detail.error && (
        <Alert severity="error" sx={{ mt: 2 }}>
          <AlertTitle>{msg("wft-ui-history-error-heading")}</AlertTitle>
          <Box sx={{ overflowWrap: "anywhere" }}>{detail.error.message}</Box>
          <Code value={detail.error.key} />
        </Alert>
      )}
      <Actions detail={detail} />
      <Section title={msg("wft-ui-history-facts-heading")}>
        <Facts detail={detail} />
        {(detail.source_url || detail.target_url) && (
          <Stack direction={{ xs: "column", sm: "row" }} spacing={{ xs: 0.5, sm: 2 }} sx={{ mt: 1.5 }}>
            {detail.source_url && (
              <Link href={detail.source_url} target="_blank" rel="noopener noreferrer">
                {msg("wft-ui-history-link-source")}
                <OpenInNewIcon fontSize="inherit" sx={{ mx: 0.5, verticalAlign: "middle" }} aria-hidden />
              </Link>
            )}
            {detail.target_url && (
              <Link href={detail.target_url} target="_blank" rel="noopener noreferrer">
                {msg("wft-ui-history-link-target")}
                <OpenInNewIcon fontSize="inherit" sx={{ mx: 0.5, verticalAlign: "middle" }} aria-hidden />
              </Link>
            )}
          </Stack>
        )}
      </Section>
      <Section title={msg("wft-ui-history-checks-heading")}>
        <Checks checks={detail.checks_all} />
      </Section>
      {detail.follow_ups.length > 0 && (
        <Section title={msg("wft-ui-history-followups-heading")}>
          <FollowUps followUps={detail.follow_ups} />
        </Section>
      )}
      {detail.page_text && (
        <Section title={msg("wft-ui-history-page-text")}>
          <Box component="details">
            <Box component="summary" sx={{ cursor: "pointer" }}>
              {msg("wft-ui-history-page-text-show", format.number(detail.page_text.length))}
            </Box>
            <Box
              component="pre"
              tabIndex={0}
              sx={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere", fontSize: "0.8rem", bgcolor: "action.hover", p: 1, maxHeight: 320, overflow: "auto" }}
            >
              {detail.page_text}
            </Box>
          </Box>
        </Section>
      )}
      <Events detail={detail} />
    </>
  );
}

interface Props {
  id: number | null;
  onClose: () => void;
}

export function TransferDrawer({ id, onClose }: Props) {
  const msg = useMsg();
  const name = useTransferName();
  const detail = useTransferDetail(id);
  const heading = detail.data ? name(detail.data) : msg("wft-ui-history-details");
  return (
    <Drawer
      anchor="right"
      open={id !== null}
      onClose={onClose}
      PaperProps={{ sx: { width: { xs: "100%", sm: 560 } }, role: "dialog", "aria-labelledby": "history-drawer-title" }}
    >
      <Box sx={{ p: 2 }}>
        <Stack direction="row" spacing={1} sx={{ alignItems: "flex-start", mb: 1 }}>
          <Typography id="history-drawer-title" variant="h5" component="h2" sx={{ flex: 1, overflowWrap: "anywhere" }}>
            {heading}
          </Typography>
          <IconButton onClick={onClose} aria-label={msg("wft-ui-history-close")} edge="end">
            <CloseIcon />
          </IconButton>
        </Stack>
        <Divider sx={{ mb: 2 }} />
        {detail.error ? (
          <ApiErrorAlert error={detail.error} />
        ) : detail.data ? (
          <Details detail={detail.data} />
        ) : (
          <Loading />
        )}
      </Box>
    </Drawer>
  );
}
