/**
 * The API client and TanStack Query for the tree below. Tests pass a client with a fake `fetch`; the app
 * uses one client for the page's life (it holds the session's CSRF token).
 */
import { MutationCache, QueryCache, QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiClient } from "./client";
import { ApiError } from "./errors";

const ApiContext = createContext<ApiClient | null>(null);

/** Failures worth one more try: the network, a wiki behind a 502, a 5xx; never a 4xx (it would fail again). */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}

/** A 401 anywhere means the session (or the stored sign-in) is gone: ask /me again, so RequireSignIn
 * and the user menu show the signed-out state instead of every screen showing its own error. */
function onUnauthorized(queries: () => QueryClient) {
  return (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) {
      void queries().invalidateQueries({ queryKey: ["me"] });
    }
  };
}

export function makeQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (query.queryKey[0] !== "me") onUnauthorized(() => client)(error);
      },
    }),
    mutationCache: new MutationCache({ onError: onUnauthorized(() => client) }),
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 30_000 },
      mutations: { retry: false },
    },
  });
  return client;
}

interface Props {
  children: ReactNode;
  client?: ApiClient;
  queryClient?: QueryClient;
}

export function ApiProvider({ children, client, queryClient }: Props) {
  const [api] = useState(() => client ?? new ApiClient());
  const [queries] = useState(() => queryClient ?? makeQueryClient());
  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={queries}>{children}</QueryClientProvider>
    </ApiContext.Provider>
  );
}

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi() outside <ApiProvider>");
  return api;
}

/** Keeps the client's `uselang` on the interface language; a change refetches what is cached, so texts
 * the server rendered (errors, check results) come again in the new language. */
export function ApiLanguage({ lang }: { lang: string }) {
  const api = useApi();
  const queries = useQueryClient();
  api.setLang(lang); // before any child's first request: children render after this line
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    void queries.invalidateQueries();
  }, [lang, queries]);
  return null;
}
