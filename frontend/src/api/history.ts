/**
 * The history dashboard's part of the API (web/api/transfers.py, web/api/common.py): the types of a
 * transfer as listed and in detail, statistics, and one hook per endpoint the screen uses. Query keys
 * start with "transfers", so a change to one transfer can refresh every list and the statistics at once.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useApi } from "./ApiProvider";
import type { Query } from "./client";
import type { ApiError } from "./errors";
import type { ApiMessage, CheckOut, EventOut, TransferOut } from "./types";

export type { CheckOut, EventOut } from "./types";
/** A transfer as the history lists it. */
export type TransferItem = TransferOut;

/** A post-transfer edit (`mark-source`, `use-in-article`). */
export interface FollowUpOut extends ApiMessage {
  id: string;
  status: "planned" | "done" | "already_done" | "skipped";
  diff: string | null;
  base_revid: number | null;
}

/** GET /transfers/{id}: everything the details drawer shows. */
export interface TransferDetail extends TransferItem {
  checks_all: CheckOut[];
  follow_ups: FollowUpOut[];
  steps_done: string[];
  page_text: string | null;
  options: Record<string, unknown>;
  /** The newest 200, oldest first. */
  events: EventOut[];
  last_event_id: number | null;
}

/** GET /transfers: one keyset page. */
export interface TransferPage {
  items: TransferItem[];
  /** Pass as `after` for the next page; null on the last one. */
  next: number | null;
  /** The title search stopped at its window: the page may be short, ask `next` for more. */
  partial: boolean;
}

export interface EventsOut {
  events: EventOut[];
  last_event_id: number | null;
}

export interface WeekOut {
  /** ISO week, e.g. 2026-W49. */
  week: string;
  /** Its Monday (YYYY-MM-DD). */
  start: string;
  total: number;
  by_state: Record<string, number>;
}

/** GET /transfers/stats */
export interface StatsOut {
  by_state: Record<string, number>;
  by_status: Record<string, number>;
  total: number;
  /** Oldest first, empty weeks included. */
  weeks: WeekOut[];
}

export interface RetriedOut {
  retried: number[];
}

/** The states the `state` filter accepts (web/api/transfers.py StateName). */
export const HISTORY_STATES = [
  "planned",
  "checked",
  "blocked",
  "ready",
  "queued",
  "running",
  "retry_wait",
  "done",
  "failed",
  "cancelled",
] as const;

export type HistoryState = (typeof HISTORY_STATES)[number];

export function isHistoryState(value: string): value is HistoryState {
  return (HISTORY_STATES as readonly string[]).includes(value);
}

/** The history's filters, as the API names them (and as the screen keeps them in its URL). */
export interface HistoryFilters {
  state?: HistoryState;
  source_wiki?: string;
  target_wiki?: string;
  /** YYYY-MM-DD, created on or after (UTC). */
  since?: string;
  /** YYYY-MM-DD, created on or before (UTC). */
  until?: string;
  batch?: number;
  q?: string;
}

export const FILTER_NAMES = ["state", "source_wiki", "target_wiki", "since", "until", "batch", "q"] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters of a URL query string; values the API would refuse (400) are dropped. */
export function filtersFromSearch(search: URLSearchParams): HistoryFilters {
  const filters: HistoryFilters = {};
  const state = search.get("state");
  if (state && isHistoryState(state)) filters.state = state;
  for (const name of ["source_wiki", "target_wiki"] as const) {
    const value = search.get(name)?.trim();
    if (value) filters[name] = value.slice(0, 1000);
  }
  for (const name of ["since", "until"] as const) {
    const value = search.get(name);
    if (value && DAY.test(value) && !Number.isNaN(Date.parse(value))) filters[name] = value;
  }
  const batch = search.get("batch");
  if (batch && /^\d{1,10}$/.test(batch) && Number(batch) >= 1 && Number(batch) <= 2 ** 31 - 1) {
    filters.batch = Number(batch);
  }
  const q = search.get("q")?.trim();
  if (q) filters.q = q.slice(0, 255);
  return filters;
}

/** The filters as query parameters (empty ones left out). */
export function historyQuery(filters: HistoryFilters): Query {
  const query: Query = {};
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value !== undefined && value !== "") query[name] = value;
  }
  return query;
}

export function hasFilters(filters: HistoryFilters): boolean {
  return FILTER_NAMES.some((name) => filters[name] !== undefined);
}

export const transfersKey = ["transfers"] as const;
export const PAGE_SIZE = 50;

/** GET /transfers: the filtered history, newest first, a keyset page at a time ("load more"). */
export function useTransferHistory(filters: HistoryFilters, limit = PAGE_SIZE) {
  const api = useApi();
  return useInfiniteQuery<TransferPage, ApiError, { pages: TransferPage[] }, readonly unknown[], number | null>({
    queryKey: [...transfersKey, "list", filters, limit],
    queryFn: ({ pageParam, signal }) =>
      api.get<TransferPage>("/transfers", { query: { ...historyQuery(filters), limit, after: pageParam }, signal }),
    initialPageParam: null,
    getNextPageParam: (last) => last.next,
    placeholderData: (previous) => previous,
    // while something listed may still change (waiting, running), read the list again now and then
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((item) => !item.finished)) ? 10_000 : false,
  });
}

/** GET /transfers/stats?weeks= */
export function useTransferStats(weeks = 12) {
  const api = useApi();
  return useQuery<StatsOut, ApiError>({
    queryKey: [...transfersKey, "stats", weeks],
    queryFn: ({ signal }) => api.get<StatsOut>("/transfers/stats", { query: { weeks }, signal }),
  });
}

/** How many failed transfers there are (of one batch): for the retry-all confirmation. */
export function useFailedCount(batch: number | undefined, enabled: boolean) {
  const api = useApi();
  return useQuery<{ count: number; more: boolean }, ApiError>({
    queryKey: [...transfersKey, "failed-count", batch ?? null],
    queryFn: async ({ signal }) => {
      const page = await api.get<TransferPage>("/transfers", {
        query: { state: "failed", batch, limit: 200 },
        signal,
      });
      return { count: page.items.length, more: page.next !== null };
    },
    enabled,
    staleTime: 0,
  });
}

/** GET /transfers/{id}: polled every few seconds while a worker may still change it. */
export function useTransferDetail(id: number | null) {
  const api = useApi();
  return useQuery<TransferDetail, ApiError>({
    queryKey: [...transfersKey, "detail", id],
    queryFn: ({ signal }) => api.get<TransferDetail>(`/transfers/${id}`, { signal }),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data && !query.state.data.finished ? 3000 : false),
  });
}

/** GET /transfers/{id}/events from the first one: the whole timeline, when the details' newest 200 are
 * not all of it (pages of 1,000, oldest first, `after` = the last id). */
export function useAllEvents(id: number, enabled: boolean) {
  const api = useApi();
  return useInfiniteQuery<EventsOut, ApiError, { pages: EventsOut[] }, readonly unknown[], number | null>({
    queryKey: [...transfersKey, "events", id],
    queryFn: ({ pageParam, signal }) =>
      api.get<EventsOut>(`/transfers/${id}/events`, { query: { after: pageParam, limit: 1000 }, signal }),
    initialPageParam: null,
    getNextPageParam: (last) => (last.events.length >= 1000 ? last.last_event_id : null),
    enabled,
  });
}

function useTransferAction(action: "retry" | "cancel") {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<TransferDetail, ApiError, number>({
    mutationFn: (id) => api.post<TransferDetail>(`/transfers/${id}/${action}`, {}),
    onSuccess: async (detail) => {
      queries.setQueryData([...transfersKey, "detail", detail.id], detail);
      await queries.invalidateQueries({
        queryKey: transfersKey,
        predicate: (query) => !(query.queryKey[1] === "detail" && query.queryKey[2] === detail.id),
      });
    },
  });
}

/** POST /transfers/{id}/retry: run it again (409 while it waits or runs). */
export function useRetryTransfer() {
  return useTransferAction("retry");
}

/** POST /transfers/{id}/cancel (409 once finished). */
export function useCancelTransfer() {
  return useTransferAction("cancel");
}

/** POST /transfers/retry {batch?, all?}: every failed one again (of one batch). */
export function useRetryAllFailed() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation<RetriedOut, ApiError, { batch?: number; all?: boolean }>({
    mutationFn: (body) => api.post<RetriedOut>("/transfers/retry", body),
    onSuccess: () => queries.invalidateQueries({ queryKey: transfersKey }),
  });
}

/** The CSV download of the filtered history (a plain link: the browser downloads it). */
export function useExportUrl(filters: HistoryFilters): string {
  const api = useApi();
  return api.url("/transfers/export.csv", historyQuery(filters));
}
