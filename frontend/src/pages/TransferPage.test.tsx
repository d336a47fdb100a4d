import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CheckOut, PreviewOut, TransferDetail, TransferOut } from "../api/transfer";
import { fakeFetch, json, meOf, renderApp, type Handler } from "../test/helpers";

const signedIn = meOf({ user: { id: 1, username: "Alice", domain: "wikimedia", lang: null, kind: "oauth" } });
/** The screen is a lazy chunk: its first load may be slow on a busy machine. */
const SLOW = { timeout: 8000 };
const URL_IN = "https://en.wikipedia.org/wiki/File:Example.jpg";

function check(id: string, result: CheckOut["result"], message: string): CheckOut {
  return { id, result, key: `wft-check-${id}`, params: [], message };
}

function previewOf(overrides: Partial<PreviewOut> = {}): PreviewOut {
  return {
    status: "warn",
    source: {
      wiki: "en.wikipedia",
      title: "File:Example.jpg",
      url: "https://en.wikipedia.org/wiki/File:Example.jpg",
      repository: "local",
      versions: [
        {
          timestamp: "2024-01-02T03:04:05Z",
          user: "Uploader1",
          comment: "first",
          sha1: "abc",
          size: 2048,
          width: 640,
          height: 480,
          mime: "image/jpeg",
          url: "https://upload.example/a.jpg",
        },
      ],
      size: 2048,
      thumbnail_url: "https://upload.example/thumb.jpg",
      licences: ["cc-by-sa-4.0"],
      templates: [],
      categories: [],
      usage: ["Main Page", "Example"],
      uploaders: ["Uploader1"],
      authors: ["Author1"],
    },
    target: { wiki: "commons", title: "File:Example.jpg", url: "https://commons.wikimedia.org/wiki/File:Example.jpg" },
    checks: [
      check("source-local", "pass", "The file is local to the source wiki."),
      check("duplicates", "warn", "A file with the same content may exist."),
    ],
    source_text: "== Summary ==\nAn example\n[[Category:Examples]]",
    target_text: "== {{int:filedesc}} ==\nAn example\n[[Category:Examples]]",
    diff: "",
    description: { status: "ok", changes: [], warnings: [], blocks: [], removed: [], categories: {} },
    follow_ups: [],
    import_history: false,
    summary: "Transferred",
    ...overrides,
  };
}

function transferOf(overrides: Partial<TransferOut> = {}): TransferOut {
  return {
    id: 41,
    batch_id: null,
    position: 0,
    status: "queued",
    state: "queued",
    source_input: URL_IN,
    source_wiki: "en.wikipedia",
    source_title: "File:Example.jpg",
    source_url: URL_IN,
    target_wiki: "commons",
    target_title: "File:Example.jpg",
    target_url: "https://commons.wikimedia.org/wiki/File:Example.jpg",
    requested_title: null,
    excluded: false,
    error: null,
    checks: [],
    step: null,
    bytes_done: 0,
    bytes_total: 2048,
    attempts: 0,
    version_count: 1,
    uploaded_count: 0,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    finished: false,
    ...overrides,
  };
}

function detailOf(overrides: Partial<TransferDetail> = {}): TransferDetail {
  return {
    ...transferOf(overrides),
    checks_all: [],
    follow_ups: [],
    steps_done: [],
    page_text: null,
    options: {},
    events: [],
    last_event_id: null,
    ...overrides,
  };
}

function routes(extra: Record<string, Handler> = {}, preview: PreviewOut = previewOf()) {
  const posted: Record<string, unknown[]> = {};
  const record = (name: string, init: RequestInit) => {
    (posted[name] ??= []).push(JSON.parse(String(init.body)));
  };
  const fetcher = fakeFetch({
    "GET /me": () => json(signedIn),
    "GET /wikis": () => json({ items: [], total: 0 }),
    "POST /resolve": (_url, init) => {
      record("resolve", init);
      return json({
        wiki: "en.wikipedia",
        api_url: "https://en.wikipedia.org/w/api.php",
        sitename: "Wikipedia",
        lang: "en",
        title: "File:Example.jpg",
        namespace: 6,
        is_file: true,
        page_url: URL_IN,
      });
    },
    "POST /transfers/preview": (_url, init) => {
      record("preview", init);
      return json(preview);
    },
    ...extra,
  });
  return { fetcher, posted };
}

/** Opens the screen by its deep link (source and target filled, preview started). */
async function openPreviewed(fetcher: typeof fetch) {
  renderApp(`/transfer?url=${encodeURIComponent(URL_IN)}&to=commons`, fetcher);
  await screen.findByRole("heading", { name: "Checks" }, SLOW);
}

afterEach(() => {
  vi.unstubAllGlobals();
  window.localStorage.clear();
});

describe("transfer screen", () => {
  it("previews a pasted URL: the file card and the check report", async () => {
    const { fetcher, posted } = routes();
    renderApp("/transfer", fetcher);
    await userEvent.click(await screen.findByLabelText(/^File on the source wiki/, {}, SLOW));
    await userEvent.paste(URL_IN);
    await userEvent.type(screen.getByLabelText(/^Target wiki/), "commons");
    await userEvent.click(screen.getByRole("button", { name: "Preview" }));

    const card = await screen.findByRole("region", { name: "File:Example.jpg" });
    expect(within(card).getByRole("img", { name: "Thumbnail of File:Example.jpg" })).toBeInTheDocument();
    expect(within(card).getByText("Uploader1", { selector: "dd" })).toBeInTheDocument();
    expect(within(card).getByText("cc-by-sa-4.0")).toBeInTheDocument();
    expect(within(card).getByText("2 pages")).toBeInTheDocument();

    const checks = screen.getByRole("region", { name: "Checks" });
    expect(within(checks).getByText("Read this warning before you transfer")).toBeInTheDocument();
    expect(within(checks).getByText("A file with the same content may exist.")).toBeInTheDocument();
    expect(within(checks).getByText("1 check passed")).toBeInTheDocument();
    expect(posted.resolve).toEqual([{ url: URL_IN }]);
    expect(posted.preview?.[0]).toMatchObject({ source: URL_IN, target: "commons", mark_source: true });
    expect(screen.getByRole("button", { name: "Transfer" })).toBeEnabled();
  });

  it("names the file by wiki and file name too", async () => {
    const { fetcher, posted } = routes();
    renderApp("/transfer?to=commons", fetcher);
    await userEvent.click(await screen.findByRole("radio", { name: "Choose wiki and file" }, SLOW));
    await userEvent.type(screen.getByLabelText(/^Source wiki/), "src");
    await userEvent.type(screen.getByLabelText(/^File name/), "File:Example.jpg");
    await userEvent.click(screen.getByRole("button", { name: "Preview" }));
    await screen.findByRole("heading", { name: "Checks" }, SLOW);
    expect(posted.resolve).toEqual([{ url: "src:File:Example.jpg" }]);
    expect(posted.preview?.[0]).toMatchObject({ source: "src:File:Example.jpg", target: "commons" });
  });

  it("suggests file names of the chosen wiki as you type", async () => {
    const searched: string[] = [];
    const { fetcher, posted } = routes({
      "GET /files/search": (url) => {
        searched.push(`${url.searchParams.get("wiki")}|${url.searchParams.get("q")}`);
        return json({ files: [{ title: "File:Example sunset.jpg", url: "http://src.test/wiki/File:Example_sunset.jpg" }] });
      },
    });
    renderApp("/transfer?to=commons", fetcher);
    await userEvent.click(await screen.findByRole("radio", { name: "Choose wiki and file" }, SLOW));
    await userEvent.type(screen.getByLabelText(/^Source wiki/), "src");
    await userEvent.type(screen.getByLabelText(/^File name/), "Exa");
    await userEvent.click(await screen.findByRole("option", { name: "Example sunset.jpg" }, SLOW));
    expect(searched).toContain("src|Exa");
    expect(screen.getByLabelText(/^File name/)).toHaveValue("Example sunset.jpg");
    await userEvent.click(screen.getByRole("button", { name: "Preview" }));
    await screen.findByRole("heading", { name: "Checks" }, SLOW);
    expect(posted.resolve).toEqual([{ url: "src:File:Example sunset.jpg" }]);
  });

  it("says so when the address is not a file page", async () => {
    const { fetcher, posted } = routes({
      "POST /resolve": () =>
        json({ wiki: "src", api_url: "", sitename: "", lang: "en", title: "Main Page", namespace: 0, is_file: false, page_url: "" }),
    });
    renderApp(`/transfer?url=${encodeURIComponent("src:Main Page")}&to=commons`, fetcher);
    expect(await screen.findByText(/Main Page is not a file page/, {}, SLOW)).toBeInTheDocument();
    expect(posted.preview).toBeUndefined();
  });

  it("shows the target's rendering in a sandboxed frame without scripts", async () => {
    const rendered: unknown[] = [];
    const { fetcher } = routes({
      "POST /transfers/preview/render": (_url, init) => {
        rendered.push(JSON.parse(String(init.body)));
        return json({ html: "<p>x</p>", document: "<!doctype html><p>Rendered text</p>", base_url: "https://commons.wikimedia.org/", title: "File:Example.jpg", lang: "en", dir: "ltr", categories: ["Examples"] });
      },
    });
    await openPreviewed(fetcher);
    await userEvent.click(screen.getByRole("tab", { name: "Rendered" }));
    const frame = await screen.findByTitle("The description page as commons renders it");
    expect(frame.getAttribute("sandbox")).toBe("allow-popups allow-popups-to-escape-sandbox");
    expect(frame.getAttribute("srcdoc")).toContain("Rendered text");
    expect(rendered).toEqual([{ target: "commons", title: "File:Example.jpg", text: previewOf().target_text }]);
    expect(screen.getByText("Category: Examples")).toBeInTheDocument();
  });

  it("checks again with the edited text and keeps the generated one for the reset", async () => {
    const { fetcher, posted } = routes();
    await openPreviewed(fetcher);
    await userEvent.click(screen.getByRole("tab", { name: "Edit" }));
    await userEvent.click(screen.getByLabelText(/^Description page for commons/));
    await userEvent.keyboard("{Control>}{End}{/Control}");
    await userEvent.paste("\nMine");
    await userEvent.click(screen.getByRole("button", { name: "Check again" }));
    await waitFor(() => expect(posted.preview).toHaveLength(2));
    expect(posted.preview?.[1]).toMatchObject({ page_text: `${previewOf().target_text}\nMine`, title: null });
  });

  it("sends the default rules page and uses the default target wiki", async () => {
    window.localStorage.setItem(
      "wft-settings",
      JSON.stringify({ defaultTargetWiki: "commons", defaultRulesPage: "commons:Rules/en" }),
    );
    const { fetcher, posted } = routes();
    renderApp(`/transfer?url=${encodeURIComponent(URL_IN)}`, fetcher);
    await screen.findByRole("heading", { name: "Checks" }, SLOW);
    expect(posted.preview?.[0]).toMatchObject({ target: "commons", rules_page: "commons:Rules/en" });
  });

  it("disables Transfer while a check blocks, with the reason next to it", async () => {
    const blocked = previewOf({
      status: "blocked",
      checks: [check("title-free", "block", "A different file already has this name on commons.")],
    });
    const { fetcher } = routes({}, blocked);
    await openPreviewed(fetcher);
    const button = screen.getByRole("button", { name: "Transfer" });
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription(
      "The transfer is not possible: A different file already has this name on commons.",
    );
    expect(screen.getByText("This problem stops the transfer")).toBeInTheDocument();
  });

  it("checks an edited title and shows when it is invalid or taken", async () => {
    const asked: string[] = [];
    const { fetcher } = routes({
      "GET /titles/check": (url) => {
        const title = url.searchParams.get("title") ?? "";
        asked.push(title);
        expect(url.searchParams.get("wiki")).toBe("commons");
        expect(url.searchParams.get("extension")).toBe("jpg");
        if (title.endsWith(".png")) {
          return json({
            valid: false,
            title: null,
            problem: { key: "wft-api-title-extension", params: [], message: "The name must end in .jpg." },
          });
        }
        return json({ valid: true, title: `File:${title}`, problem: null, exists: true, url: "https://commons.wikimedia.org/wiki/File:Taken.jpg" });
      },
    });
    await openPreviewed(fetcher);
    const field = screen.getByLabelText(/^File name on the target wiki/);
    await userEvent.clear(field);
    await userEvent.type(field, "Other.png");
    expect(await screen.findByText("This name cannot be used: The name must end in .jpg.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: "Transfer" })).toBeDisabled());
    expect(screen.getByText("The file name cannot be used.")).toBeInTheDocument();
    // debounced: not one request per key (a slow machine may let one early prefix through)
    expect(asked.at(-1)).toBe("Other.png");
    expect(asked.length).toBeLessThan(4);

    await userEvent.clear(field);
    await userEvent.type(field, "Taken.jpg");
    expect(await screen.findByText("File:Taken.jpg already exists on the target wiki.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "See it" })).toHaveAttribute("href", "https://commons.wikimedia.org/wiki/File:Taken.jpg");
    await waitFor(() => expect(screen.getByRole("button", { name: "Transfer" })).toBeEnabled());
    expect(screen.getByText(/The checks above are for the name and options of the last preview/)).toBeInTheDocument();
  });

  it("uses the file in an article: shows the article diff and sends its base revision", async () => {
    const created: Array<Record<string, unknown>> = [];
    const withArticle = previewOf({
      follow_ups: [
        {
          id: "use-in-article",
          status: "planned",
          key: "wft-followup-article-planned",
          params: ["Sunset", "99"],
          message: "After the upload, the file will be added to the article Sunset (based on revision 99).",
          diff: "--- Sunset\n+++ Sunset\n@@ -1 +1,2 @@\n+[[File:Example.jpg|thumb|A view]]\n Text",
          base_revid: 99,
        },
      ],
    });
    let previews = 0;
    const { fetcher, posted } = routes({
      "POST /transfers/preview": (_url, init) => {
        (posted.preview ??= []).push(JSON.parse(String(init.body)));
        previews += 1;
        return json(previews === 1 ? previewOf() : withArticle);
      },
      "POST /transfers": (_url, init) => {
        created.push(JSON.parse(String(init.body)) as Record<string, unknown>);
        return json(detailOf({ status: "cancelled", state: "cancelled", finished: true }), 201);
      },
    });
    await openPreviewed(fetcher);
    await userEvent.click(screen.getByRole("checkbox", { name: "Use the file in an article on the target wiki" }));
    expect(screen.getByRole("button", { name: "Transfer" })).toBeDisabled();
    expect(screen.getByText("Write the article to use the file in, or untick that option.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/^Article/), "Sunset");
    await userEvent.type(screen.getByLabelText(/^Caption/), "A view");
    await userEvent.click(screen.getByRole("button", { name: "Check again" }));
    expect(await screen.findByText(/will be added to the article Sunset/)).toBeInTheDocument();
    expect(posted.preview?.[1]).toMatchObject({ use_in: { title: "Sunset", caption: "A view" } });
    const diff = screen.getByRole("list", { name: "Change to the article" });
    expect(within(diff).getByText("[[File:Example.jpg|thumb|A view]]")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Transfer" }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]?.use_in).toEqual({ title: "Sunset", caption: "A view", base_revid: 99 });
  });

  it("sends the edited description page as page_text, and the new title", async () => {
    const created: unknown[] = [];
    const { fetcher } = routes({
      "POST /transfers": (_url, init) => {
        created.push(JSON.parse(String(init.body)));
        return json(detailOf({ status: "blocked", state: "blocked", finished: true, checks_all: [] }), 201);
      },
      "GET /titles/check": () => json({ valid: true, title: "File:Mine.jpg", problem: null, exists: false }),
    });
    await openPreviewed(fetcher);
    await userEvent.click(screen.getByRole("tab", { name: /^Changes/ }));
    expect(screen.getByRole("list", { name: "Changes from the source page to the target page" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("tab", { name: "Edit" }));
    const editor = screen.getByLabelText(/^Description page for commons/);
    await userEvent.click(editor);
    await userEvent.keyboard("{Control>}{End}{/Control}");
    await userEvent.paste("\nMore text");
    expect(screen.getByText(/You changed the description page/)).toBeInTheDocument();
    const title = screen.getByLabelText(/^File name on the target wiki/);
    await userEvent.clear(title);
    await userEvent.type(title, "Mine.jpg");
    await screen.findByText("File:Mine.jpg is free.");
    await userEvent.click(screen.getByRole("button", { name: "Transfer" }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({
      source: URL_IN,
      target: "commons",
      title: "Mine.jpg",
      page_text: "== {{int:filedesc}} ==\nAn example\n[[Category:Examples]]\nMore text",
    });
    expect(await screen.findByText(/A check blocked the transfer when it was started/)).toBeInTheDocument();
  });

  it("sends no page_text after a reset to the generated text", async () => {
    const created: Array<Record<string, unknown>> = [];
    const { fetcher } = routes({
      "POST /transfers": (_url, init) => {
        created.push(JSON.parse(String(init.body)) as Record<string, unknown>);
        return json(detailOf({ status: "cancelled", state: "cancelled", finished: true }), 201);
      },
    });
    await openPreviewed(fetcher);
    await userEvent.click(screen.getByRole("tab", { name: "Edit" }));
    await userEvent.type(screen.getByLabelText(/^Description page for commons/), "x");
    await userEvent.click(screen.getByRole("button", { name: "Reset to the generated text" }));
    await userEvent.click(screen.getByRole("button", { name: "Transfer" }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]?.page_text ?? null).toBeNull();
    expect(created[0]?.title ?? null).toBeNull();
  });

  it("follows a transfer's stream: steps, bytes, the done state and its link", async () => {
    const sources: FakeEventSource[] = [];
    class FakeEventSource {
      static readonly CLOSED = 2;
      readyState = 1;
      onerror: (() => void) | null = null;
      listeners: Record<string, Array<(event: MessageEvent) => void>> = {};
      constructor(public url: string) {
        sources.push(this);
      }
      addEventListener(name: string, listener: (event: MessageEvent) => void) {
        (this.listeners[name] ??= []).push(listener);
      }
      emit(name: string, data: unknown) {
        for (const listener of this.listeners[name] ?? []) listener(new MessageEvent(name, { data: JSON.stringify(data) }));
      }
      close() {
        this.readyState = 2;
      }
    }
    vi.stubGlobal("EventSource", FakeEventSource);
    const done = transferOf({ status: "done", state: "done", finished: true, bytes_done: 2048, uploaded_count: 1 });
    const { fetcher } = routes({
      "POST /transfers": () => json(detailOf(), 201),
      "GET /transfers/41/progress": () => json({ transfer: done, events: [], last_event_id: 3 }),
    });
    await openPreviewed(fetcher);
    await userEvent.click(screen.getByRole("button", { name: "Transfer" }));
    await waitFor(() => expect(sources).toHaveLength(1));
    expect(sources[0]?.url).toBe("/api/v1/transfers/41/stream?uselang=en");
    expect(screen.getByRole("button", { name: "Cancel the transfer" })).toBeInTheDocument();

    const event = (id: number, message: string) => ({
      id,
      time: "2026-01-01T00:00:01Z",
      kind: "step",
      key: "wft-step-upload",
      params: ["1", "1"],
      message,
      transfer_id: 41,
      batch_id: null,
      detail: null,
    });
    act(() => {
      sources[0]?.emit("step", event(1, "Download 1/1"));
      sources[0]?.emit("progress", transferOf({ status: "running", state: "running", bytes_done: 1024, step: { key: "wft-step-upload", params: ["1", "1"], message: "Upload 1/1" } }));
      sources[0]?.emit("step", event(2, "Upload 1/1"));
    });
    const steps = screen.getByRole("list", { name: "Steps" });
    expect(within(steps).getByText("Download 1/1")).toBeInTheDocument();
    expect(within(steps).getByText("Upload 1/1")).toBeInTheDocument();
    expect(screen.getByText("1 kB of 2 kB")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Bytes transferred" })).toHaveAttribute("aria-valuenow", "50");

    act(() => {
      sources[0]?.emit("progress", done);
      sources[0]?.emit("end", { finished: true });
    });
    expect(await screen.findByText("The file is on commons (1 version uploaded).")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open File:Example.jpg on the target wiki" })).toHaveAttribute(
      "href",
      "https://commons.wikimedia.org/wiki/File:Example.jpg",
    );
    expect(within(screen.getByTestId("wft-transfer-status")).getByText("Done")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel the transfer" })).not.toBeInTheDocument();
    expect(sources[0]?.readyState).toBe(2);
  });

  it("polls the progress where there is no EventSource, and cancels", async () => {
    vi.stubGlobal("EventSource", undefined);
    let polls = 0;
    const cancelled: number[] = [];
    const { fetcher } = routes({
      "POST /transfers": () => json(detailOf(), 201),
      "GET /transfers/41/progress": (url) => {
        polls += 1;
        expect(url.searchParams.get("after_event_id")).toBe(polls === 1 ? null : "7");
        return json({
          transfer: transferOf({ status: "running", state: "running", step: { key: "wft-step-download", params: ["1", "1"], message: "Download 1/1" } }),
          events: polls === 1 ? [{ id: 7, time: "2026-01-01T00:00:01Z", kind: "warning", key: "wft-x", params: [], message: "Slow wiki", transfer_id: 41, batch_id: null, detail: null }] : [],
          last_event_id: 7,
        });
      },
      "POST /transfers/41/cancel": () => {
        cancelled.push(41);
        return json(detailOf({ status: "running", state: "running" }));
      },
    });
    await openPreviewed(fetcher);
    await userEvent.click(screen.getByRole("button", { name: "Transfer" }));
    expect(await screen.findByText("Slow wiki")).toBeInTheDocument();
    await screen.findAllByText("Download 1/1");
    await userEvent.click(screen.getByRole("button", { name: "Cancel the transfer" }));
    await waitFor(() => expect(cancelled).toEqual([41]));
    await waitFor(() => expect(polls).toBeGreaterThan(1), { timeout: 3000 });
  });
});
