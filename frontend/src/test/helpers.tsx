/** Test helpers: the app with fake message files and a fake `fetch` for the API. */
import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { vi } from "vitest";
import en from "../../../i18n/en.json";
import { AppProviders, AppRoutes } from "../App";
import { makeQueryClient } from "../api/ApiProvider";
import { ApiClient } from "../api/client";
import type { Me } from "../api/types";
import { messagesOf, type Catalog, type Messages } from "../i18n/catalog";

export const EN: Messages = messagesOf(en as Record<string, unknown>);

/** English from the real file, and a sliver of Arabic (the repository may not have ar.json yet). */
export function testCatalog(extra: Record<string, Messages> = {}): Catalog {
  const all: Record<string, Messages> = {
    en: EN,
    ar: { "wft-ui-app-name": "نقل ملفات الويكي", "wft-ui-home-title": "نقل الملفات بين الويكيات" },
    ...extra,
  };
  return Object.fromEntries(Object.entries(all).map(([code, messages]) => [code, async () => messages]));
}

export function meOf(overrides: Partial<Me> = {}): Me {
  return {
    user: null,
    csrf_token: "token-1",
    lang: "en",
    sign_in: { oauth: true, bot_password: false },
    accounts: [],
    ...overrides,
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

/** A fetch that answers by "METHOD /path" (path without /api/v1 and query); unknown calls are 404s. */
export function fakeFetch(routes: Record<string, Handler>) {
  return vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://localhost");
    const route = `${init.method ?? "GET"} ${url.pathname.replace(/^\/api\/v1/, "")}`;
    const handler = routes[route];
    if (!handler) {
      return json({ error: { key: "wft-http-not-found", params: ["404"], message: "Not found" }, request_id: "r404" }, 404);
    }
    return handler(url, init);
  });
}

export function renderApp(path: string, fetcher: typeof fetch, catalog: Catalog = testCatalog()) {
  const client = new ApiClient({ fetch: fetcher });
  const queryClient = makeQueryClient();
  queryClient.setDefaultOptions({
    queries: { retry: false, staleTime: 0, refetchOnWindowFocus: false },
    mutations: { retry: false },
  });
  return {
    client,
    ...render(
      <AppProviders catalog={catalog} client={client} queryClient={queryClient}>
        <MemoryRouter initialEntries={[path]}>
          <AppRoutes />
        </MemoryRouter>
      </AppProviders>,
    ),
  };
}
