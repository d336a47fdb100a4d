import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Batch, BatchItem } from "../api/batch";
import { STORAGE_KEY } from "../settings/settings";
import { fakeFetch, json, meOf, renderApp, type Handler } from "../test/helpers";
// The routes load these lazily: imported here, the first test does not wait for their compilation.
import "./BatchDetailPage";
import "./BatchPage";

const signedIn = meOf({ user: { id: 1, username: "Alice", domain: "wikimedia", lang: null, kind: "oauth" } });
const NOW = "2026-12-02T12:00:00Z";

function batchOf(overrides: Partial<Batch> = {}): Batch {
  return {
    id: 7,
    target_wiki: "commons",
    kind: "urls",
    spec: null,
    options: { mark_source: true },
    state: "planned",
    error: null,
    total: 4,
    counts: { ready: 3, blocked: 1 },
    excluded: 0,
    outcomes: {},
    bytes_done: 0,
    bytes_total: 0,
    cancel_requested: false,
    finished: true,
    created_at: NOW,
    started_at: null,
    finished_at: null,
    ...overrides,
  };
}

function itemOf(id: number, status: string, overrides: Partial<BatchItem> = {}): BatchItem {
  return {
    id,
    batch_id: 7,
    position: id - 1,
    status,
    state: status === "warn" ? "ready" : status,
    source_input: `src:File:F${id}.jpg`,
    source_wiki: "src",
    source_title: `File:F${id}.jpg`,
    source_url: `https://src.example/wiki/File:F${id}.jpg`,
    target_wiki: "commons",
    target_title: `File:F${id}.jpg`,
    target_url: null,
    requested_title: null,
    excluded: false,
    error: null,
    checks: [],
    step: null,
    bytes_done: 0,
    bytes_total: 0,
    attempts: 0,
    version_count: 1,
    uploaded_count: 0,
    created_at: NOW,
    updated_at: NOW,
    started_at: null,
    finished_at: null,
    finished: false,
    ...overrides,
  };
}

const TABLE = [
  itemOf(1, "ready"),
  itemOf(2, "ready"),
  itemOf(3, "warn", {
    checks: [{ id: "license", result: "warn", key: "wft-check-x", params: [], message: "The licence is unusual." }],
  }),
  itemOf(4, "blocked", {
    checks: [{ id: "exists", result: "block", key: "wft-check-y", params: [], message: "A file of this name exists." }],
  }),
];

/** GET …/items answering from `rows`, filtered by the status words asked for. */
function itemsHandler(rows: BatchItem[], seen: URL[] = []): Handler {
  return (url) => {
    seen.push(url);
    const wanted = url.searchParams.getAll("status");
    const chosen = wanted.length ? rows.filter((row) => wanted.includes(row.status)) : rows;
    const statuses: Record<string, number> = {};
    for (const row of rows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
    return json({ items: chosen, total: chosen.length, offset: 0, limit: 50, statuses });
  };
}

function bodyOf(init: RequestInit): unknown {
  return JSON.parse(String(init.body));
}

afterEach(() => {
  vi.unstubAllGlobals();
  window.localStorage.clear();
});

describe("batch screen", () => {
  it("creates a URL batch with the right body and opens it", async () => {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify({ defaultTargetWiki: "commons" }));
    const posted: unknown[] = [];
    const fetcher = fakeFetch({
      "GET /me": () => json(signedIn),
      "GET /batches": () => json({ items: [], next: null }),
      "POST /batches": (_url, init) => {
        posted.push(bodyOf(init));
        return json(batchOf({ state: "expanding", finished: false, total: 2, counts: { planned: 2 } }), 202);
      },
      "GET /batches/7": () => json(batchOf()),
      "GET /batches/7/items": itemsHandler(TABLE),
    });
    renderApp("/batch", fetcher);
    expect(await screen.findByText("You have no batches yet.")).toBeInTheDocument();
    const field = screen.getByLabelText("Files, one per line");
    await userEvent.click(field);
    await userEvent.paste("src:File:A.jpg\n# a comment\n\nhttps://src.example/wiki/File:B.jpg");
    expect(screen.getByText(/2 lines\./)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Target wiki/)).toHaveValue("commons");
    await userEvent.click(screen.getByLabelText(/^Mark each source file/));
    await userEvent.click(screen.getByRole("button", { name: "Check the files" }));

    expect(await screen.findByRole("heading", { name: "Batch 7" })).toBeInTheDocument();
    expect(posted).toEqual([
      {
        target: "commons",
        kind: "urls",
        mark_source: false,
        urls: ["src:File:A.jpg", "https://src.example/wiki/File:B.jpg"],
      },
    ]);
  });

  it("creates a category batch with its depth", async () => {
    const posted: unknown[] = [];
    renderApp(
      "/batch",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches": () => json({ items: [batchOf({ id: 3, kind: "category", spec: "src:Category:Maps" })], next: null }),
        "POST /batches": (_url, init) => {
          posted.push(bodyOf(init));
          return json(batchOf({ id: 3 }), 200);
        },
        "GET /batches/3": () => json(batchOf({ id: 3 })),
        "GET /batches/3/items": itemsHandler([]),
      }),
    );
    expect(await screen.findByRole("link", { name: "Batch 3" })).toHaveAttribute("href", "/batch/3");
    expect(screen.getByText(/Category src:Category:Maps/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("radio", { name: "A category" }));
    await userEvent.click(screen.getByLabelText(/^Category/));
    await userEvent.paste("src:Category:Maps");
    await userEvent.click(screen.getByLabelText("Include its direct subcategories"));
    await userEvent.type(screen.getByLabelText(/^Target wiki/), "commons");
    await userEvent.click(screen.getByRole("button", { name: "Check the files" }));
    expect(await screen.findByRole("heading", { name: "Batch 3" })).toBeInTheDocument();
    expect(posted).toEqual([
      { target: "commons", kind: "category", mark_source: true, spec: "src:Category:Maps", depth: 1 },
    ]);
  });

  it("shows the statuses, filter chips with counts, and filters by status", async () => {
    const seen: URL[] = [];
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () => json(batchOf()),
        "GET /batches/7/items": itemsHandler(TABLE, seen),
      }),
    );
    const chips = await screen.findByRole("group", { name: "Filter by status" });
    expect(await within(chips).findByRole("button", { name: "All (4)" })).toHaveAttribute("aria-pressed", "true");
    expect(within(chips).getByRole("button", { name: "Ready (2)" })).toBeInTheDocument();
    expect(within(chips).getByRole("button", { name: "Ready, with warnings (1)" })).toBeInTheDocument();
    const table = screen.getByRole("table", { name: "Files" });
    expect(within(table).getAllByText("Ready")).toHaveLength(2);
    expect(within(table).getByText("A file of this name exists.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Transfer 3 files" })).toBeEnabled();

    await userEvent.click(within(chips).getByRole("button", { name: "Blocked (1)" }));
    await waitFor(() => expect(within(table).queryByText("File:F1.jpg")).not.toBeInTheDocument());
    expect(seen.some((url) => url.searchParams.getAll("status").join() === "blocked")).toBe(true);
    expect(within(chips).getByRole("button", { name: "Blocked (1)" })).toHaveAttribute("aria-pressed", "true");

    // the blocked item explains why in its details
    await userEvent.click(within(table).getByRole("button", { name: "Details of File:F4.jpg" }));
    expect(await screen.findByText(/a check blocks it/)).toBeInTheDocument();
  });

  it("sorts by a column and filters by text on the server", async () => {
    const seen: URL[] = [];
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () => json(batchOf()),
        "GET /batches/7/items": itemsHandler(TABLE, seen),
      }),
    );
    const table = await screen.findByRole("table", { name: "Files" });
    await userEvent.click(within(table).getByRole("button", { name: "Source file" }));
    await waitFor(() => expect(seen.at(-1)?.searchParams.get("sort")).toBe("source"));
    expect(seen.at(-1)?.searchParams.get("order")).toBe("asc");
    await userEvent.click(within(table).getByRole("button", { name: "Source file" }));
    await waitFor(() => expect(seen.at(-1)?.searchParams.get("order")).toBe("desc"));
    await userEvent.click(screen.getByRole("searchbox", { name: "Find by name" }));
    await userEvent.paste("Sunset");
    await waitFor(() => expect(seen.at(-1)?.searchParams.get("q")).toBe("Sunset"));
    expect(seen.at(-1)?.searchParams.get("offset")).toBe("0");
  });

  it("leaves the selected items out (bulk) and says which were refused", async () => {
    const posted: unknown[] = [];
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () => json(batchOf()),
        "GET /batches/7/items": itemsHandler(TABLE),
        "POST /batches/7/items/exclude": (_url, init) => {
          posted.push(bodyOf(init));
          return json({ changed: [1], refused: [4] });
        },
      }),
    );
    await userEvent.click(await screen.findByRole("checkbox", { name: "Select File:F1.jpg" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Select File:F4.jpg" }));
    expect(screen.getByText("2 files selected")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Leave out of the transfer" }));
    expect(await screen.findByText(/One file was left out\. One file was not changed/)).toBeInTheDocument();
    expect(posted).toEqual([{ ids: [1, 4], excluded: true }]);
  });

  it("renames an item", async () => {
    const patched: Array<[string, unknown]> = [];
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () => json(batchOf()),
        "GET /batches/7/items": itemsHandler(TABLE),
        "PATCH /batches/7/items/2": (url, init) => {
          patched.push([url.pathname, bodyOf(init)]);
          return json(itemOf(2, "planned", { requested_title: "File:New name.jpg" }));
        },
      }),
    );
    await userEvent.click(await screen.findByRole("button", { name: "Rename File:F2.jpg" }));
    const dialog = await screen.findByRole("dialog", { name: "Rename on the target wiki" });
    const field = within(dialog).getByLabelText(/^Name on the target wiki/);
    expect(field).toHaveValue("File:F2.jpg");
    await userEvent.clear(field);
    await userEvent.paste("File:New name.jpg");
    await userEvent.click(within(dialog).getByRole("button", { name: "Rename" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(patched).toEqual([["/api/v1/batches/7/items/2", { title: "File:New name.jpg" }]]);
  });

  it("keeps Run disabled while the batch is being checked, with the reason, and offers to restart", async () => {
    const planning = batchOf({ state: "planning", finished: false, counts: { ready: 2, planned: 2 } });
    let prepared = 0;
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () => json(planning),
        "GET /batches/7/progress": () => json({ batch: planning, running: [], events: [], last_event_id: null }),
        "GET /batches/7/items": itemsHandler([itemOf(1, "ready"), itemOf(2, "ready"), itemOf(3, "planned"), itemOf(4, "planned")]),
        "POST /batches/7/prepare": () => {
          prepared += 1;
          return json(planning, 202);
        },
      }),
    );
    const run = await screen.findByRole("button", { name: "Transfer 2 files" });
    expect(run).toBeDisabled();
    expect(run).toHaveAccessibleDescription(/still being checked/);
    expect(screen.getByText(/The table below fills as it goes/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Restart preparation" }));
    await waitFor(() => expect(prepared).toBe(1));
  });

  it("runs a planned batch", async () => {
    let ran = 0;
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () =>
          json(ran ? batchOf({ state: "running", finished: false, counts: { queued: 3, blocked: 1 } }) : batchOf()),
        "GET /batches/7/items": itemsHandler(TABLE),
        "POST /batches/7/run": () => {
          ran += 1;
          return json(batchOf({ state: "running", finished: false, counts: { queued: 3, blocked: 1 } }));
        },
        "GET /batches/7/progress": () => json({ batch: batchOf({ state: "running", finished: false, counts: { queued: 3, blocked: 1 } }), running: [], events: [], last_event_id: null }),
      }),
    );
    await userEvent.click(await screen.findByRole("button", { name: "Transfer 3 files" }));
    expect(await screen.findByText("0 of 3 files finished")).toBeInTheDocument();
    expect(ran).toBe(1);
  });

  it("updates the counts from the live stream", async () => {
    class FakeEventSource {
      static readonly CLOSED = 2;
      static instances: FakeEventSource[] = [];
      readyState = 0;
      listeners = new Map<string, Array<(event: MessageEvent) => void>>();
      constructor(public url: string) {
        FakeEventSource.instances.push(this);
      }
      addEventListener(type: string, listener: (event: MessageEvent) => void) {
        this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
      }
      close() {
        this.readyState = 2;
      }
      emit(type: string, data: unknown) {
        for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data: JSON.stringify(data) }));
      }
    }
    vi.stubGlobal("EventSource", FakeEventSource);
    const running = batchOf({ state: "running", finished: false, counts: { done: 1, queued: 3 }, outcomes: { done: 1 } });
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () => json(running),
        "GET /batches/7/items": itemsHandler(TABLE),
      }),
    );
    expect(await screen.findByText("1 of 4 files finished")).toBeInTheDocument();
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const stream = FakeEventSource.instances[0] as FakeEventSource;
    expect(stream.url).toMatch(/^\/api\/v1\/batches\/7\/stream/);
    act(() => {
      stream.emit("open", {});
      stream.emit("progress", {
        ...running,
        counts: { done: 3, running: 1 },
        bytes_done: 1024,
        bytes_total: 2048,
      });
      stream.emit("step", { id: 5, time: NOW, kind: "step", transfer_id: 4, batch_id: 7, key: "wft-step-upload", params: [], message: "Uploading version 1 of 2", detail: null });
    });
    expect(await screen.findByText("3 of 4 files finished")).toBeInTheDocument();
    expect(screen.getByText(/of 2 kB moved by the files running now/)).toBeInTheDocument();
    expect(screen.getByText("Uploading version 1 of 2")).toBeInTheDocument();
  });

  it("sums up a finished batch with links and failures, and retries the failed ones", async () => {
    const finished = batchOf({
      state: "partial",
      finished: true,
      counts: { done: 2, failed: 1 },
      outcomes: { done: 1, already_done: 1 },
      total: 3,
    });
    const rows = [
      itemOf(1, "done", { state: "done", target_url: "https://commons.example/wiki/File:F1.jpg", finished: true }),
      itemOf(2, "already_done", { state: "done", target_url: "https://commons.example/wiki/File:F2.jpg", finished: true }),
      itemOf(3, "failed", {
        finished: true,
        error: { key: "wft-error-x", params: [], message: "The target wiki refused the upload: file type not allowed." },
      }),
    ];
    const retried: unknown[] = [];
    renderApp(
      "/batch/7",
      fakeFetch({
        "GET /me": () => json(signedIn),
        "GET /batches/7": () => json(finished),
        "GET /batches/7/items": itemsHandler(rows),
        "POST /batches/7/retry": (_url, init) => {
          retried.push(bodyOf(init));
          return json({ ...finished, retried: [3] });
        },
      }),
    );
    const summary = await screen.findByRole("region", { name: "Summary" });
    expect(await within(summary).findByText("The target wiki refused the upload: file type not allowed.")).toBeInTheDocument();
    expect(within(summary).getByRole("heading", { name: "One file was not transferred" })).toBeInTheDocument();
    expect(await within(summary).findByRole("link", { name: "File:F1.jpg" })).toHaveAttribute(
      "href",
      "https://commons.example/wiki/File:F1.jpg",
    );
    expect(within(summary).getByText("Already done")).toBeInTheDocument();
    await userEvent.click(within(summary).getByRole("button", { name: "Retry the failed file" }));
    expect(await within(summary).findByText("One file was queued again.")).toBeInTheDocument();
    expect(retried).toEqual([{ all: false }]);
  });
});
