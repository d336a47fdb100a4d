import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { STORAGE_KEY, parseSettings } from "../settings/settings";
import { fakeFetch, json, meOf, renderApp } from "../test/helpers";

const signedIn = meOf({ user: { id: 1, username: "Alice", domain: "wikimedia", lang: null, kind: "oauth" } });
const commons = {
  name: "commons",
  dbname: "commonswiki",
  url: "https://commons.wikimedia.org",
  project: "special",
  sitename: "Wikimedia Commons",
  lang: null,
  lang_name: null,
  autonym: null,
  dir: "ltr",
  closed: false,
  configured: false,
};

describe("settings", () => {
  it("keeps the default target wiki and rules page in localStorage", async () => {
    const queries: string[] = [];
    const fetcher = fakeFetch({
      "GET /me": () => json(signedIn),
      "GET /wikis": (url) => {
        queries.push(url.searchParams.get("q") ?? "");
        return json({ items: [commons], total: 1 });
      },
    });
    const first = renderApp("/settings", fetcher);
    await userEvent.type(await screen.findByLabelText(/^Default target wiki/), "comm");
    await userEvent.click(await screen.findByRole("option", { name: /Wikimedia Commons/ }));
    expect(queries).toContain("comm");
    await userEvent.type(screen.getByLabelText(/^Default rules page/), "commons:Extension:FileImporter/Data/en.wikipedia");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Settings saved.")).toBeInTheDocument();

    const stored = parseSettings(window.localStorage.getItem(STORAGE_KEY));
    expect(stored).toEqual({
      lang: null,
      defaultTargetWiki: "commons",
      defaultRulesPage: "commons:Extension:FileImporter/Data/en.wikipedia",
    });

    first.unmount();
    renderApp("/settings", fetcher);
    await waitFor(() => expect(screen.getByLabelText(/^Default target wiki/)).toHaveValue("commons"));
    expect(screen.getByLabelText(/^Default rules page/)).toHaveValue("commons:Extension:FileImporter/Data/en.wikipedia");
  });

  it("refuses a rules page without a wiki", async () => {
    renderApp("/settings", fakeFetch({ "GET /me": () => json(signedIn) }));
    await userEvent.type(await screen.findByLabelText(/^Default rules page/), "NoColonHere");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByText("Write the wiki, a colon and the page: WIKI:Page.")).toBeInTheDocument();
    expect(window.localStorage.getItem(STORAGE_KEY)).toBeNull();
  });

  it("reads damaged storage as the defaults", () => {
    expect(parseSettings("{not json")).toEqual({ lang: null, defaultTargetWiki: null, defaultRulesPage: null });
    expect(parseSettings(JSON.stringify({ lang: 3, defaultTargetWiki: " commons " }))).toMatchObject({
      lang: null,
      defaultTargetWiki: "commons",
    });
  });

  it("sets the interface language, which the whole app follows", async () => {
    renderApp("/settings", fakeFetch({ "GET /me": () => json(signedIn) }));
    await userEvent.click(await screen.findByLabelText(/^Interface language$/));
    await userEvent.click(await screen.findByRole("option", { name: "العربية (ar)" }));
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(document.documentElement.dir).toBe("rtl"));
    expect(parseSettings(window.localStorage.getItem(STORAGE_KEY)).lang).toBe("ar");
  });
});
