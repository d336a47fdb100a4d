/**
 * Batches over the API (web/api/batches.py, docs/web-api.md "The batch life cycle"): types and one hook
 * per endpoint the batch screens use, plus `useBatchLive` (the stream, or polling where there is none).
 * Query keys start with `["batches"]`; a batch's own data lives under `["batches", id]`.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useApi } from "./ApiProvider";
import type { ApiError } from "./errors";
import type { ApiMessage, CheckOut, EventOut, TransferOut } from "./types";

/** One check verdict (warnings and blocks in the table). */
export type Check = CheckOut;
/** One item of a batch. */
export type BatchItem = TransferOut;
export type BatchEvent = EventOut;

export type BatchKind = "urls" | "category" | "user" | "page";

/** The state of a batch (not an item's status word). */
export type BatchState =
  | "expanding"
  | "planning"
  | "planned"
  | "running"
  | "done"
  | "partial"
  | "failed"
  | "blocked"
  | "cancelled";

/** BatchOut */
export interface Batch {
  id: number;
  target_wiki: string;
  kind: BatchKind | string;
  spec: string | null;
  options: Record<string, unknown>;
  state: BatchState | string;
  error: ApiMessage | null;
  total: number;
  /** Items by state (store/states.py); excluded ones are counted again in `excluded`. */
  counts: Record<string, number>;
  excluded: number;
  /** Of the done ones: done / already_done. */
  outcomes: Record<string, number>;
  bytes_done: number;
  bytes_total: number;
  cancel_requested: boolean;
  finished: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface BatchCreate {
  target: string;
  kind: BatchKind;
  urls?: string[];
  spec?: string;
  depth?: 0 | 1;
  mark_source?: boolean;
}

export interface BatchList {
  items: Batch[];
  next: number | null;
}

export type ItemSort = "position" | "source" | "target" | "status" | "updated";

export interface ItemsQuery {
  status?: string[];
  q?: string;
  sort?: ItemSort;
  order?: "asc" | "desc";
  offset?: number;
  limit?: number;
}

export interface ItemsPage {
  items: BatchItem[];
  total: number;
  offset: number;
  limit: number;
  /** Every item of the batch by status word (the filter chips). */
  statuses: Record<string, number>;
}

export interface ItemPatch {
  excluded?: boolean;
  title?: string;
  reset_title?: boolean;
}

export interface BulkResult {
  changed: number[];
  refused: number[];
}

export interface BatchRetried extends Batch {
  retried: number[];
}

export interface BatchProgress {
  batch: Batch;
  running: BatchItem[];
  events: BatchEvent[];
  last_event_id: number | null;
}

/** Most lines a URL list may have (web/api/batches.py MAX_LINES). */
export const MAX_URL_LINES = 5000;
/** Batch states in which the expansion and dry run are still at work (run answers 409). */
export const PREPARING: readonly string[] = ["expanding", "planning"];

export const batchKey = (id: number) => ["batches", id] as const;
export const itemsKey = (id: number) => ["batches", id, "items"] as const;

/** The lines of a URL list that the server makes items of (blank and `#` lines are skipped). */
export function urlLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** POST /batches: 202 new, 200 an unfinished identical batch continued. */
export function useCreateBatch() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<Batch, ApiError, BatchCreate>({
    mutationFn: (body) => api.post<Batch>("/batches", body),
    onSuccess: (batch) => {
      queries.setQueryData(batchKey(batch.id), batch);
      void queries.invalidateQueries({ queryKey: ["batches", "list"] });
    },
  });
}

/** GET /batches: one keyset page of the user's batches (`after`: the previous page's `next`). */
export function useBatches(after: number | null) {
  const api = useApi();
  return useQuery<BatchList, ApiError>({
    queryKey: ["batches", "list", after],
    queryFn: ({ signal }) => api.get<BatchList>("/batches", { query: { limit: 20, after }, signal }),
  });
}

/** GET /batches/{id}; while it works, polled every few seconds as a safety net under the live updates. */
export function useBatch(id: number) {
  const api = useApi();
  return useQuery<Batch, ApiError>({
    queryKey: batchKey(id),
    queryFn: ({ signal }) => api.get<Batch>(`/batches/${id}`, { signal }),
    refetchInterval: (query) => (query.state.data && !query.state.data.finished ? 15_000 : false),
  });
}

/** GET /batches/{id}/items: the dry-run table (filtered, sorted and paged by the server). */
export function useBatchItems(id: number, query: ItemsQuery, enabled = true) {
  const api = useApi();
  return useQuery<ItemsPage, ApiError>({
    queryKey: [...itemsKey(id), query],
    queryFn: ({ signal }) =>
      api.get<ItemsPage>(`/batches/${id}/items`, {
        query: {
          status: query.status ?? [],
          q: query.q,
          sort: query.sort,
          order: query.order,
          offset: query.offset,
          limit: query.limit,
        },
        signal,
      }),
    enabled,
    placeholderData: keepPreviousData,
  });
}

function refreshBatch(queries: QueryClient, id: number) {
  void queries.invalidateQueries({ queryKey: batchKey(id) });
  void queries.invalidateQueries({ queryKey: ["batches", "list"] });
}

/** PATCH /batches/{id}/items/{tid}: exclude, include or rename one item (a rename is checked again). */
export function usePatchItem(id: number) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<BatchItem, ApiError, { item: number; patch: ItemPatch }>({
    mutationFn: ({ item, patch }) => api.patch<BatchItem>(`/batches/${id}/items/${item}`, patch),
    onSuccess: () => refreshBatch(queries, id),
  });
}

/** POST /batches/{id}/items/exclude: many at once; `refused` are items that already ran. */
export function useBulkExclude(id: number) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<BulkResult, ApiError, { ids: number[]; excluded: boolean }>({
    mutationFn: (body) => api.post<BulkResult>(`/batches/${id}/items/exclude`, body),
    onSuccess: () => refreshBatch(queries, id),
  });
}

/** A POST /batches/{id}/{action} that answers the batch (run, cancel, prepare, retry). */
function useBatchAction<B, T extends Batch = Batch>(
  id: number,
  action: "run" | "cancel" | "prepare" | "retry",
  body: (vars: B) => unknown,
) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<T, ApiError, B>({
    mutationFn: (vars) => api.post<T>(`/batches/${id}/${action}`, body(vars)),
    onSuccess: (batch) => {
      queries.setQueryData(batchKey(id), batch);
      refreshBatch(queries, id);
    },
  });
}

export const useRunBatch = (id: number) => useBatchAction<void>(id, "run", () => ({}));
export const useCancelBatch = (id: number) => useBatchAction<void>(id, "cancel", () => ({}));
export const usePrepareBatch = (id: number) => useBatchAction<void>(id, "prepare", () => ({}));
export const useRetryBatch = (id: number) => useBatchAction<{ all: boolean }, BatchRetried>(id, "retry", (vars) => vars);

/** How often the table is fetched again at most while progress arrives (ms). */
const ITEMS_REFRESH_MS = 2000;
const POLL_MS = 2000;

/**
 * Live progress of a batch that has not finished: `GET /batches/{id}/stream` (EventSource), each
 * `progress` event replacing the cached batch and (at most every 2 s) refreshing the table; where the
 * browser has no EventSource or the stream fails, `GET /progress?after_event_id=` every 2 s instead.
 * Returns the newest events (for a screen reader's live region and the step under the bar).
 */
export function useBatchLive(id: number, active: boolean) {
  const api = useApi();
  const queries = useQueryClient();
  const [events, setEvents] = useState<BatchEvent[]>([]);
  const [polling, setPolling] = useState(false);
  const lastRefresh = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastEventId = useRef<number | null>(null);

  useEffect(() => {
    const clear = () => {
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
    };
    return clear;
  }, []);

  const refreshItems = useRef(() => {});
  refreshItems.current = () => {
    const now = Date.now();
    const wait = lastRefresh.current + ITEMS_REFRESH_MS - now;
    if (wait <= 0) {
      lastRefresh.current = now;
      void queries.invalidateQueries({ queryKey: itemsKey(id) });
    } else if (!pending.current) {
      pending.current = setTimeout(() => {
        pending.current = null;
        lastRefresh.current = Date.now();
        void queries.invalidateQueries({ queryKey: itemsKey(id) });
      }, wait);
    }
  };

  const onBatch = useRef((_batch: Batch) => {});
  onBatch.current = (batch: Batch) => {
    queries.setQueryData(batchKey(id), batch);
    refreshItems.current();
    if (batch.finished) {
      // the last rows and the summary's lists, at once
      void queries.invalidateQueries({ queryKey: itemsKey(id) });
      void queries.invalidateQueries({ queryKey: ["batches", "list"] });
    }
  };

  const onEvent = (event: BatchEvent) => {
    lastEventId.current = event.id;
    setEvents((old) => [...old.slice(-19), event]);
  };

  // The stream.
  useEffect(() => {
    if (!active || polling) return;
    if (typeof EventSource === "undefined") {
      setPolling(true);
      return;
    }
    const source = new EventSource(api.url(`/batches/${id}/stream`, { after_event_id: lastEventId.current }), {
      withCredentials: true,
    });
    let opened = false;
    const parse = (raw: MessageEvent) => {
      try {
        return JSON.parse(String(raw.data)) as unknown;
      } catch {
        return null;
      }
    };
    source.addEventListener("open", () => {
      opened = true;
    });
    source.addEventListener("progress", (raw) => {
      const data = parse(raw as MessageEvent);
      if (data && typeof data === "object") onBatch.current(data as Batch);
    });
    for (const kind of ["state", "attempt", "step", "api_error", "warning", "error", "info"]) {
      source.addEventListener(kind, (raw) => {
        const data = parse(raw as MessageEvent);
        if (data && typeof data === "object") onEvent(data as BatchEvent);
      });
    }
    source.addEventListener("end", () => {
      source.close();
      void queries.invalidateQueries({ queryKey: batchKey(id) });
      void queries.invalidateQueries({ queryKey: itemsKey(id) });
    });
    source.addEventListener("error", () => {
      // Never opened (a proxy that refuses streams): poll. A dropped stream reconnects by itself.
      if (!opened || source.readyState === EventSource.CLOSED) {
        source.close();
        setPolling(true);
      }
    });
    return () => source.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id, active, polling]);

  // The polling fallback.
  useEffect(() => {
    if (!active || !polling) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const tick = async () => {
      try {
        const answer = await api.get<BatchProgress>(`/batches/${id}/progress`, {
          query: { after_event_id: lastEventId.current },
        });
        if (stopped) return;
        answer.events.forEach(onEvent);
        if (answer.last_event_id !== null) lastEventId.current = answer.last_event_id;
        onBatch.current(answer.batch);
        if (answer.batch.finished) return;
      } catch {
        // keep trying: the next tick may reach the server again
      }
      if (!stopped) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id, active, polling]);

  return { events, polling };
}
