import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, useLocation } from "react-router-dom";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AppProviders, AppRoutes } from "../App";
import { makeQueryClient } from "../api/ApiProvider";
import { ApiClient } from "../api/client";
import type { StatsOut, TransferDetail, TransferItem, TransferPage } from "../api/history";
import { fakeFetch, json, meOf, testCatalog, type Handler } from "../test/helpers";

const signedIn = meOf({ user: { id: 1, username: "Alice", domain: "wikimedia", lang: null, kind: "oauth" } });

function item(id: number, overrides: Partial<TransferItem> = {}): TransferItem {
  return {
    id,
    batch_id: null,
    position: 0,
    status: "done",
    state: "done",
    source_input: `src:File:Photo ${id}.jpg`,
    source_wiki: "src",
    source_title: `File:Photo ${id}.jpg`,
    source_url: `https://src.example/wiki/File:Photo_${id}.jpg`,
    target_wiki: "commons",
    target_title: `File:Photo ${id}.jpg`,
    target_url: `https://commons.example/wiki/File:Photo_${id}.jpg`,
    requested_title: null,
    excluded: false,
    error: null,
    checks: [],
    step: null,
    bytes_done: 2048,
    bytes_total: 2048,
    attempts: 1,
    version_count: 2,
    uploaded_count: 2,
    created_at: "2026-11-30T10:00:00Z",
    updated_at: "2026-11-30T10:01:00Z",
    started_at: "2026-11-30T10:00:10Z",
    finished_at: "2026-11-30T10:01:00Z",
    finished: true,
    ...overrides,
  };
}

function detailOf(base: TransferItem, overrides: Partial<TransferDetail> = {}): TransferDetail {
  return {
    ...base,
    checks_all: [],
    follow_ups: [],
    steps_done: [],
    page_text: "== Summary ==\n{{Information}}",
    options: {},
    events: [],
    last_event_id: null,
    ...overrides,
  };
}

const failed = item(5, {
  status: "failed",
  state: "failed",
  error: { key: "wft-error-http-status", params: ["503"], message: "The wiki answered with HTTP 503." },
  finished_at: "2026-11-30T10:02:00Z",
});

const stats: StatsOut = {
  by_state: { done: 7, failed: 3, blocked: 2, queued: 1 },
  by_status: { done: 5, already_done: 2, blocked: 2 },
  total: 13,
  weeks: [
    { week: "2026-W48", start: "2026-11-23", total: 4, by_state: { done: 3, failed: 1 } },
    { week: "2026-W49", start: "2026-11-30", total: 9, by_state: { done: 4, failed: 2, blocked: 2, queued: 1 } },
  ],
};

function page(items: TransferItem[], next: number | null = null, partial = false): TransferPage {
  return { items, next, partial };
}

function Probe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

function renderHistory(path: string, routes: Record<string, Handler>) {
  const fetcher = fakeFetch({
    "GET /me": () => json(signedIn),
    "GET /transfers/stats": () => json(stats),
    ...routes,
  });
  const queryClient = makeQueryClient();
  queryClient.setDefaultOptions({
    queries: { retry: false, staleTime: 0, refetchOnWindowFocus: false },
    mutations: { retry: false },
  });
  render(
    <AppProviders catalog={testCatalog()} client={new ApiClient({ fetch: fetcher })} queryClient={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
        <Probe />
      </MemoryRouter>
    </AppProviders>,
  );
  return fetcher;
}

/** The query strings of the calls to one endpoint. */
function callsTo(fetcher: ReturnType<typeof fakeFetch>, method: string, path: string): URL[] {
  return fetcher.mock.calls
    .map(([input, init]) => [new URL(String(input), "http://localhost"), (init as RequestInit | undefined)?.method ?? "GET"] as const)
    .filter(([url, m]) => m === method && url.pathname === `/api/v1${path}`)
    .map(([url]) => url);
}

const location = () => new URLSearchParams(screen.getByTestId("location").textContent!.split("?")[1] ?? "");

// The page is a lazy chunk: load it once before the first test, so no test waits for the transform.
beforeAll(async () => {
  await import("./HistoryPage");
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("history", () => {
  it("sends the URL's filters, and writes changed filters back to the URL and the request", async () => {
    const fetcher = renderHistory("/history?state=failed&batch=7", {
      "GET /transfers": () => json(page([failed])),
    });
    expect(await screen.findByRole("button", { name: "File:Photo 5.jpg" }, { timeout: 15000 })).toBeInTheDocument();
    const first = callsTo(fetcher, "GET", "/transfers")[0]!;
    expect(first.searchParams.get("state")).toBe("failed");
    expect(first.searchParams.get("batch")).toBe("7");
    expect(screen.getByLabelText("Status")).toHaveValue("failed");
    expect(screen.getByLabelText("Batch number")).toHaveValue("7");

    await userEvent.type(screen.getByLabelText("File name contains"), "Photo");
    await waitFor(() => expect(location().get("q")).toBe("Photo"));
    await waitFor(() => expect(callsTo(fetcher, "GET", "/transfers").some((url) => url.searchParams.get("q") === "Photo")).toBe(true));
    const withQ = callsTo(fetcher, "GET", "/transfers").find((url) => url.searchParams.get("q") === "Photo")!;
    expect(withQ.searchParams.get("state")).toBe("failed");

    await userEvent.selectOptions(screen.getByLabelText("Status"), "done");
    await waitFor(() => expect(location().get("state")).toBe("done"));
    await waitFor(() => expect(callsTo(fetcher, "GET", "/transfers").at(-1)!.searchParams.get("state")).toBe("done"));

    const since = screen.getByLabelText("Created from");
    await userEvent.type(since, "2026-11-01");
    await waitFor(() => expect(location().get("since")).toBe("2026-11-01"));
    expect(callsTo(fetcher, "GET", "/transfers").at(-1)!.searchParams.get("since")).toBe("2026-11-01");

    await userEvent.click(screen.getAllByRole("button", { name: "Clear filters" })[0]!);
    await waitFor(() => expect(location().toString()).toBe(""));
    expect(screen.getByLabelText("File name contains")).toHaveValue("");
  });

  it("ignores filter values the API would refuse", async () => {
    const fetcher = renderHistory("/history?state=nonsense&batch=abc&since=yesterday", {
      "GET /transfers": () => json(page([failed])),
    });
    await screen.findByRole("button", { name: "File:Photo 5.jpg" });
    const first = callsTo(fetcher, "GET", "/transfers")[0]!;
    expect([...first.searchParams.keys()].sort()).toEqual(["limit", "uselang"]);
  });

  it("loads the next page with the keyset cursor, and says when a title search stopped early", async () => {
    const fetcher = renderHistory("/history?q=Photo", {
      "GET /transfers": (url) =>
        url.searchParams.get("after") === "41" ? json(page([item(40)])) : json(page([item(42), item(41)], 41, true)),
    });
    await screen.findByRole("button", { name: "File:Photo 42.jpg" });
    expect(screen.getByText(/looked through part of your history/)).toBeInTheDocument();
    expect(screen.getByText("2 transfers shown")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("button", { name: "File:Photo 40.jpg" })).toBeInTheDocument();
    const calls = callsTo(fetcher, "GET", "/transfers");
    expect(calls.at(-1)!.searchParams.get("after")).toBe("41");
    expect(calls.at(-1)!.searchParams.get("q")).toBe("Photo");
    expect(screen.getByText("3 transfers shown")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("shows a transfer's events and its API error in words in the drawer", async () => {
    renderHistory("/history", {
      "GET /transfers": () => json(page([failed])),
      "GET /transfers/5": () =>
        json(
          detailOf(failed, {
            checks_all: [
              { id: "licence", result: "pass", key: "wft-check-licence-ok", params: [], message: "The licence is accepted." },
              { id: "duplicates", result: "warn", key: "wft-check-dup", params: [], message: "A similar file exists." },
              { id: "title", result: "block", key: "wft-check-title", params: [], message: "The name is taken." },
            ],
            events: [
              { id: 1, time: "2026-11-30T10:00:00Z", kind: "info", transfer_id: 5, batch_id: null, key: "wft-event-transfer-created", params: [], message: "Transfer created.", detail: null },
              {
                id: 2,
                time: "2026-11-30T10:01:00Z",
                kind: "api_error",
                transfer_id: 5,
                batch_id: null,
                key: "wft-error-http-status",
                params: ["503"],
                message: "The wiki answered with HTTP 503.",
                detail: "Service Unavailable",
              },
            ],
            last_event_id: 2,
          }),
        ),
    });
    await userEvent.click(await screen.findByRole("button", { name: "File:Photo 5.jpg" }));
    const drawer = await screen.findByRole("dialog", { name: "File:Photo 5.jpg" });
    expect(location().get("transfer")).toBe("5");
    expect(await within(drawer).findByText("Transfer created.")).toBeInTheDocument();
    expect(within(drawer).getByText("Wiki error")).toBeInTheDocument();
    expect(within(drawer).getAllByText("The wiki answered with HTTP 503.")).toHaveLength(2);
    expect(within(drawer).getByText("The wiki said: Service Unavailable")).toBeInTheDocument();
    expect(within(drawer).getAllByText("Code: wft-error-http-status").length).toBeGreaterThan(0);
    const checks = within(within(drawer).getByRole("heading", { name: "Checks" }).parentElement!).getAllByRole("listitem");
    expect(checks.map((check) => check.textContent)).toEqual([
      expect.stringContaining("The name is taken."),
      expect.stringContaining("A similar file exists."),
      expect.stringContaining("The licence is accepted."),
    ]);
    expect(within(drawer).getByRole("link", { name: /Source file page/ })).toHaveAttribute("href", failed.source_url);
    expect(within(drawer).getByRole("link", { name: "Transfer again with changes" })).toHaveAttribute(
      "href",
      `/transfer?url=${encodeURIComponent(failed.source_url!)}&to=commons`,
    );

    await userEvent.click(within(drawer).getByRole("button", { name: "Close the details" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(location().get("transfer")).toBeNull();
  });

  it("loads the whole timeline when the details have only the newest 200 events, and shows a running one's progress", async () => {
    const running = item(5, { status: "running", state: "running", finished: false, bytes_done: 512, bytes_total: 2048 });
    const event = (id: number) => ({
      id,
      time: "2026-11-30T10:00:00Z",
      kind: "step",
      transfer_id: 5,
      batch_id: null,
      key: "wft-step-upload-version",
      params: [],
      message: `Step ${id}.`,
      detail: null,
    });
    const newest = Array.from({ length: 200 }, (_, n) => event(n + 101));
    const afters: Array<string | null> = [];
    renderHistory("/history?transfer=5", {
      "GET /transfers": () => json(page([running])),
      "GET /transfers/5": () => json(detailOf(running, { events: newest, last_event_id: 300 })),
      "GET /transfers/5/events": (url) => {
        afters.push(url.searchParams.get("after"));
        return json({ events: [event(1), ...newest], last_event_id: 300 });
      },
    });
    const drawer = await screen.findByRole("dialog", { name: "File:Photo 5.jpg" });
    expect(await within(drawer).findByText("Step 101.")).toBeInTheDocument();
    expect(within(drawer).getByRole("progressbar", { name: "Upload progress" })).toHaveAttribute("aria-valuenow", "25");
    expect(within(drawer).queryByText("Step 1.")).not.toBeInTheDocument();
    await userEvent.click(within(drawer).getByRole("button", { name: "Show the whole timeline" }));
    expect(await within(drawer).findByText("Step 1.")).toBeInTheDocument();
    expect(afters).toEqual([null]);
  });

  it("retries a transfer and refreshes the list", async () => {
    let retried = false;
    const fetcher = renderHistory("/history?transfer=5", {
      "GET /transfers": () => json(page([retried ? { ...failed, status: "queued", state: "queued", finished: false } : failed])),
      "GET /transfers/5": () => json(detailOf(failed)),
      "POST /transfers/5/retry": () => {
        retried = true;
        return json(detailOf({ ...failed, status: "queued", state: "queued", error: null, finished: false }));
      },
    });
    const drawer = await screen.findByRole("dialog", { name: "File:Photo 5.jpg" });
    await userEvent.click(await within(drawer).findByRole("button", { name: "Retry" }));
    expect(await within(drawer).findByText("The transfer is checked again and queued.")).toBeInTheDocument();
    const post = fetcher.mock.calls.find(([input, init]) => String(input).includes("/transfers/5/retry") && init?.method === "POST")!;
    expect((post[1]!.headers as Record<string, string>)["X-CSRF-Token"]).toBe("token-1");
    // now waiting: retry is refused until it finishes, and it can be stopped
    expect(within(drawer).getByRole("button", { name: "Retry" })).toBeDisabled();
    expect(within(drawer).getByText(/waiting or running: retry it once it has finished/)).toBeInTheDocument();
    expect(within(drawer).getByRole("button", { name: "Stop this transfer" })).toBeEnabled();
    await waitFor(() => expect(callsTo(fetcher, "GET", "/transfers").length).toBeGreaterThanOrEqual(2));
    await userEvent.click(within(drawer).getByRole("button", { name: "Close the details" }));
    const list = screen.getByRole("list", { name: "Transfers" });
    expect(await within(list).findByText("Queued")).toBeInTheDocument();
  });

  it("stops a waiting transfer", async () => {
    const queued = item(6, { status: "queued", state: "queued", finished: false, finished_at: null, started_at: null });
    let cancelled = false;
    const fetcher = renderHistory("/history?transfer=6", {
      "GET /transfers": () => json(page([cancelled ? { ...queued, status: "cancelled", state: "cancelled", finished: true } : queued])),
      "GET /transfers/6": () => json(detailOf(queued)),
      "POST /transfers/6/cancel": () => {
        cancelled = true;
        return json(detailOf({ ...queued, status: "cancelled", state: "cancelled", finished: true }));
      },
    });
    const drawer = await screen.findByRole("dialog", { name: "File:Photo 6.jpg" });
    await userEvent.click(await within(drawer).findByRole("button", { name: "Stop this transfer" }));
    expect(await within(drawer).findByText(/^Stopped:/)).toBeInTheDocument();
    expect(callsTo(fetcher, "POST", "/transfers/6/cancel")).toHaveLength(1);
    expect(within(drawer).queryByRole("button", { name: "Stop this transfer" })).not.toBeInTheDocument();
    expect(within(drawer).getByRole("button", { name: "Retry" })).toBeEnabled();
  });

  it("explains a refused retry", async () => {
    renderHistory("/history?transfer=5", {
      "GET /transfers": () => json(page([failed])),
      "GET /transfers/5": () => json(detailOf(failed)),
      "POST /transfers/5/retry": () =>
        json(
          {
            error: { key: "wft-api-not-retryable", params: ["5", "running"], message: "Transfer 5 cannot be retried: it is running." },
            request_id: "r1",
          },
          409,
        ),
    });
    const drawer = await screen.findByRole("dialog", { name: "File:Photo 5.jpg" });
    await userEvent.click(await within(drawer).findByRole("button", { name: "Retry" }));
    await within(drawer).findByText("Transfer 5 cannot be retried: it is running.");
    const alert = within(drawer).getAllByRole("alert").at(-1)!;
    expect(alert).toHaveTextContent("Transfer 5 cannot be retried: it is running.");
    expect(alert).toHaveTextContent(/waiting or running/);
  });

  it("retries all failed ones after a confirmation with their count", async () => {
    let body: unknown = null;
    renderHistory("/history", {
      "GET /transfers": (url) =>
        url.searchParams.get("state") === "failed"
          ? json(page([failed, item(6, { status: "failed", state: "failed" }), item(7, { status: "failed", state: "failed" })]))
          : json(page([failed, item(8)])),
      "POST /transfers/retry": (_url, init) => {
        body = JSON.parse(String(init.body));
        return json({ retried: [5, 6, 7] });
      },
    });
    await userEvent.click(await screen.findByRole("button", { name: "Retry all failed" }));
    const dialog = await screen.findByRole("dialog", { name: "Retry every failed transfer?" });
    expect(await within(dialog).findByText(/3 failed transfers will run again\./)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Retry them" }));
    expect(await screen.findByText("3 transfers are checked again and queued.")).toBeInTheDocument();
    expect(body).toEqual({});
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("retries a batch's failed ones when filtered by the batch", async () => {
    let body: unknown = null;
    renderHistory("/history?batch=9", {
      "GET /transfers": () => json(page([failed])),
      "POST /transfers/retry": (_url, init) => {
        body = JSON.parse(String(init.body));
        return json({ retried: [5] });
      },
    });
    await userEvent.click(await screen.findByRole("button", { name: "Retry failed of this batch" }));
    const dialog = await screen.findByRole("dialog");
    expect(await within(dialog).findByText(/One failed transfer of batch 9 will run again\./)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Retry them" }));
    expect(await screen.findByText("One transfer is checked again and queued.")).toBeInTheDocument();
    expect(body).toEqual({ batch: 9 });
  });

  it("shows the statistics: counts by state and per week", async () => {
    renderHistory("/history", { "GET /transfers": () => json(page([failed])) });
    const overview = await screen.findByRole("region", { name: "Overview" });
    const total = await within(overview).findByRole("link", { name: /All transfers/ });
    expect(total).toHaveTextContent("13");
    expect(within(overview).getByRole("link", { name: /^7\s*Done/ })).toHaveAttribute("href", "/history?state=done");
    expect(within(overview).getByText("2 were already there")).toBeInTheDocument();
    expect(within(overview).getByRole("link", { name: /^3\s*Failed/ })).toHaveAttribute("href", "/history?state=failed");
    expect(within(overview).getByText("Waiting or running").previousSibling).toHaveTextContent("1");
    expect(within(overview).getByText(/: 9 transfers, 4 done, 4 failed or blocked$/)).toBeInTheDocument();
    expect(within(overview).getByText(/: 4 transfers, 3 done, 1 failed or blocked$/)).toBeInTheDocument();
  });

  it("links the CSV export with the filters", async () => {
    renderHistory("/history?state=done&target_wiki=commons&since=2026-11-01&until=2026-11-30&q=Photo", {
      "GET /transfers": () => json(page([item(1)])),
    });
    const link = await screen.findByRole("link", { name: "Download CSV" });
    const url = new URL(link.getAttribute("href")!, "http://localhost");
    expect(url.pathname).toBe("/api/v1/transfers/export.csv");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      state: "done",
      target_wiki: "commons",
      since: "2026-11-01",
      until: "2026-11-30",
      q: "Photo",
      uselang: "en",
    });
  });

  it("welcomes a new user with a link to the transfer screen", async () => {
    renderHistory("/history", {
      "GET /transfers": () => json(page([])),
      "GET /transfers/stats": () => json({ by_state: {}, by_status: {}, total: 0, weeks: [] }),
    });
    expect(await screen.findByText(/You have not transferred any file yet/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Transfer your first file" })).toHaveAttribute("href", "/transfer");
  });

  it("folds the filters away on phones until asked, or while one is set", async () => {
    renderHistory("/history", { "GET /transfers": () => json(page([item(1)])) });
    const toggle = await screen.findByRole("button", { name: "Filters" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByLabelText("Batch number")).toBeVisible();
  });

  it("says when no transfer matches the filters", async () => {
    renderHistory("/history?state=blocked", { "GET /transfers": () => json(page([])) });
    expect(await screen.findByText("No transfer matches these filters.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Filters (one set)" })).toHaveAttribute("aria-expanded", "true");
  });

  it("shows a table on wide screens", async () => {
    vi.stubGlobal(
      "matchMedia",
      (query: string) =>
        ({
          matches: true,
          media: query,
          onchange: null,
          addListener: () => undefined,
          removeListener: () => undefined,
          addEventListener: () => undefined,
          removeEventListener: () => undefined,
          dispatchEvent: () => false,
        }) as MediaQueryList,
    );
    renderHistory("/history", { "GET /transfers": () => json(page([failed, item(8, { target_title: "File:Renamed.jpg" })])) });
    const table = await screen.findByRole("table", { name: "Transfers" });
    expect(within(table).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual([
      "File",
      "Wikis",
      "Status",
      "Created",
      "Size",
    ]);
    expect(within(table).getByRole("button", { name: "File:Photo 8.jpg → File:Renamed.jpg" })).toBeInTheDocument();
    expect(within(table).getAllByText("src → commons")).toHaveLength(2);
    expect(within(table).getByText("Failed")).toBeInTheDocument();
  });
});
