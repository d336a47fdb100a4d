/**
 * The transfer screen's part of the API: types (by hand from web/api/preview.py, wikis.py, transfers.py,
 * common.py, planning.py) and hooks for resolve, the dry run, the rendered preview, the live title check,
 * creating and cancelling a transfer, and following its progress (Server-Sent Events, polling as the
 * fallback).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useApi } from "./ApiProvider";
import type { ApiError } from "./errors";
import type { ApiMessage, CheckOut, EventOut, TransferOut } from "./types";

export type { CheckOut, CheckResult, EventOut, TransferOut } from "./types";

// --- types -------------------------------------------------------------------------------------------

/** POST /resolve */
export interface ResolveOut {
  wiki: string;
  api_url: string;
  sitename: string;
  lang: string;
  title: string;
  namespace: number;
  is_file: boolean;
  page_url: string;
}

/** A post-transfer edit: `mark-source` or `use-in-article` (with the article's diff and base revision). */
export interface FollowUpOut extends ApiMessage {
  id: string;
  status: "planned" | "done" | "already_done" | "skipped";
  diff: string | null;
  base_revid: number | null;
}

export interface VersionOut {
  timestamp: string;
  user: string;
  comment: string;
  sha1: string;
  size: number;
  width: number;
  height: number;
  mime: string;
  url: string;
}

/** What the preview card shows about the source file. */
export interface FileFacts {
  wiki: string;
  title: string;
  url: string;
  repository: string;
  /** Oldest first. */
  versions: VersionOut[];
  /** Bytes of all versions together. */
  size: number;
  thumbnail_url: string | null;
  licences: string[];
  templates: string[];
  categories: string[];
  usage: string[];
  uploaders: string[];
  authors: string[];
}

export interface DescriptionOut {
  status: "ok" | "warn" | "blocked";
  changes: ApiMessage[];
  warnings: ApiMessage[];
  blocks: ApiMessage[];
  removed: string[];
  categories: Record<string, unknown>;
}

export interface ArticleUseIn {
  title: string;
  caption?: string | null;
  base_revid?: number | null;
}

/** The body of POST /transfers/preview and POST /transfers. */
export interface TransferIn {
  source: string;
  target: string;
  title?: string | null;
  mark_source: boolean;
  use_in?: ArticleUseIn | null;
  rules_page?: string | null;
  page_text?: string | null;
}

/** POST /transfers/preview */
export interface PreviewOut {
  status: "ready" | "warn" | "blocked";
  source: FileFacts;
  target: { wiki: string; title: string; url: string };
  checks: CheckOut[];
  source_text: string;
  target_text: string;
  /** Unified diff from source_text to target_text. */
  diff: string;
  description: DescriptionOut;
  follow_ups: FollowUpOut[];
  import_history: boolean;
  summary: string;
}

export interface RenderIn {
  target: string;
  title: string;
  text: string;
}

/** POST /transfers/preview/render: `document` goes into a sandboxed iframe's srcdoc. */
export interface RenderOut {
  html: string;
  document: string;
  base_url: string;
  title: string;
  lang: string;
  dir: "ltr" | "rtl";
  categories: string[];
}

/** GET /titles/check */
export interface TitleOut {
  valid: boolean;
  title: string | null;
  problem: ApiMessage | null;
  extension_ok: boolean | null;
  extension_allowed: boolean | null;
  exists: boolean | null;
  file_exists: boolean | null;
  url: string | null;
}

/** POST /transfers (201), POST /transfers/{id}/cancel */
export interface TransferDetail extends TransferOut {
  checks_all: CheckOut[];
  follow_ups: FollowUpOut[];
  steps_done: string[];
  page_text: string | null;
  options: Record<string, unknown>;
  events: EventOut[];
  last_event_id: number | null;
}

/** GET /transfers/{id}/progress */
export interface TransferProgressOut {
  transfer: TransferOut;
  events: EventOut[];
  last_event_id: number | null;
}

// --- hooks -------------------------------------------------------------------------------------------

/** POST /resolve: which wiki and page a pasted URL names. */
export function useResolve() {
  const api = useApi();
  return useMutation<ResolveOut, ApiError, string>({
    mutationFn: (url) => api.post<ResolveOut>("/resolve", { url }),
  });
}

/** POST /transfers/preview: the dry run of one file (nothing is written anywhere). */
export function useTransferPreview() {
  const api = useApi();
  return useMutation<PreviewOut, ApiError, TransferIn>({
    mutationFn: (body) => api.post<PreviewOut>("/transfers/preview", body),
  });
}

/** POST /transfers/preview/render: the target wiki's rendering of the text. */
export function useRenderPreview() {
  const api = useApi();
  return useMutation<RenderOut, ApiError, RenderIn>({
    mutationFn: (body) => api.post<RenderOut>("/transfers/preview/render", body),
  });
}

/** GET /titles/check (debounce the title before passing it: every new value is a request). */
export function useTitleCheck(wiki: string, title: string, extension: string | null, enabled: boolean) {
  const api = useApi();
  const query = { wiki, title, extension: extension ?? undefined };
  return useQuery<TitleOut, ApiError>({
    queryKey: ["titles", "check", query],
    queryFn: ({ signal }) => api.get<TitleOut>("/titles/check", { query, signal }),
    enabled: enabled && wiki !== "" && title.trim() !== "",
    staleTime: 30_000,
    retry: false,
  });
}

export interface FileHit {
  title: string;
  url: string;
}

/** GET /files/search: files of `wiki` whose names start with `prefix` (the file name autocomplete). */
export function useFileSearch(wiki: string, prefix: string) {
  const api = useApi();
  const query = { wiki, q: prefix, limit: 10 };
  return useQuery<{ files: FileHit[] }, ApiError>({
    queryKey: ["files", "search", query],
    queryFn: ({ signal }) => api.get<{ files: FileHit[] }>("/files/search", { query, signal }),
    enabled: wiki.trim() !== "" && prefix.trim().length >= 2,
    staleTime: 60_000,
    retry: false,
  });
}

/** POST /transfers: planned and checked now; queued, or kept `blocked`. */
export function useCreateTransfer() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<TransferDetail, ApiError, TransferIn>({
    mutationFn: (body) => api.post<TransferDetail>("/transfers", body),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["transfers"] }),
  });
}

/** POST /transfers/{id}/cancel */
export function useCancelTransfer() {
  const api = useApi();
  return useMutation<TransferDetail, ApiError, number>({
    mutationFn: (id) => api.post<TransferDetail>(`/transfers/${id}/cancel`),
  });
}

/** The kinds of events a stream sends as event names (docs/web-api.md, "Live progress"). */
export const EVENT_KINDS = ["state", "attempt", "step", "api_error", "warning", "error", "info"] as const;
export const POLL_MS = 1500;

export interface LiveTransfer {
  transfer: TransferOut | null;
  events: EventOut[];
  /** How the updates come: `stream` (EventSource) or `poll` (GET …/progress). */
  mode: "stream" | "poll" | null;
  error: ApiError | null;
}

function merged(old: EventOut[], fresh: EventOut[]): EventOut[] {
  if (fresh.length === 0) return old;
  const seen = new Set(old.map((e) => e.id));
  const added = fresh.filter((e) => !seen.has(e.id));
  return added.length ? [...old, ...added].sort((a, b) => a.id - b.id) : old;
}

/**
 * Follows one transfer until it has finished: the row (step, bytes, status) and its events. Opens
 * `…/stream` with EventSource; where there is none, or the stream fails for good, polls `…/progress`.
 */
export function useTransferProgress(initial: TransferDetail | null): LiveTransfer {
  const api = useApi();
  const id = initial?.id ?? null;
  const [live, setLive] = useState<LiveTransfer>({ transfer: null, events: [], mode: null, error: null });
  const lastId = useRef<number | null>(null);

  useEffect(() => {
    if (!initial) {
      setLive({ transfer: null, events: [], mode: null, error: null });
      return undefined;
    }
    lastId.current = initial.last_event_id;
    setLive({ transfer: initial, events: initial.events, mode: null, error: null });
    if (initial.finished) return undefined;

    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let source: EventSource | null = null;

    const addEvents = (events: EventOut[]) => {
      if (events.length) lastId.current = Math.max(lastId.current ?? 0, ...events.map((e) => e.id));
      setLive((old) => ({ ...old, events: merged(old.events, events) }));
    };
    const setRow = (transfer: TransferOut) => setLive((old) => ({ ...old, transfer, error: null }));

    const poll = async () => {
      if (stopped) return;
      try {
        const answer = await api.get<TransferProgressOut>(`/transfers/${initial.id}/progress`, {
          query: { after_event_id: lastId.current ?? undefined },
        });
        if (stopped) return;
        addEvents(answer.events);
        setRow(answer.transfer);
        if (answer.transfer.finished) return;
      } catch (error) {
        if (stopped) return;
        setLive((old) => ({ ...old, error: error as ApiError }));
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    const startPolling = () => {
      setLive((old) => ({ ...old, mode: "poll" }));
      void poll();
    };

    if (typeof EventSource === "undefined") {
      startPolling();
    } else {
      source = new EventSource(
        api.url(`/transfers/${initial.id}/stream`, { after_event_id: lastId.current ?? undefined }),
        { withCredentials: true },
      );
      const es = source;
      setLive((old) => ({ ...old, mode: "stream" }));
      for (const kind of EVENT_KINDS) {
        es.addEventListener(kind, (message) => {
          try {
            addEvents([JSON.parse((message as MessageEvent<string>).data) as EventOut]);
          } catch {
            /* a damaged event is skipped; the next progress row still arrives */
          }
        });
      }
      es.addEventListener("progress", (message) => {
        try {
          setRow(JSON.parse((message as MessageEvent<string>).data) as TransferOut);
        } catch {
          /* as above */
        }
      });
      es.addEventListener("end", () => {
        es.close();
        source = null;
        // one last read: the final row and any event the stream did not send before closing
        void poll();
      });
      es.onerror = () => {
        // CONNECTING: EventSource reconnects by itself (Last-Event-ID); CLOSED: it gave up, so poll.
        if (es.readyState === 2 && !stopped) {
          source = null;
          startPolling();
        }
      };
    }
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      source?.close();
    };
    // a new transfer id starts over; the same transfer's detail does not
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, api]);

  return live;
}
