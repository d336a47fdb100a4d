import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Banana from "banana-i18n";
import { STORAGE_KEY } from "../settings/settings";
import { EN, fakeFetch, json, meOf, renderApp } from "../test/helpers";
import { bundledCatalog } from "./catalog";
import { autonym, directionOf, pickLanguage } from "./languages";

describe("languages", () => {
  it("knows right-to-left languages", () => {
    for (const code of ["ar", "he", "fa", "ur", "ckb", "yi"]) expect(directionOf(code)).toBe("rtl");
    for (const code of ["en", "de", "pt-br", "ku-latn"]) expect(directionOf(code)).toBe("ltr");
  });

  it("names a language in itself", () => {
    expect(autonym("de")).toBe("Deutsch");
    expect(autonym("ar")).toBe("العربية");
  });

  it("picks the browser's language when a file exists for it or its base language", () => {
    expect(pickLanguage(["de", "en"], ["de-CH", "en"])).toBe("de");
    expect(pickLanguage(["de", "en"], ["fr"])).toBe("en");
    expect(pickLanguage(["en", "zh-hans", "zh-hant"], ["zh-TW"])).toBe("zh-hant");
    expect(pickLanguage(["en", "zh-hans", "zh-hant"], ["zh-Hant-HK"])).toBe("zh-hant");
    expect(pickLanguage(["en", "zh-hans", "zh-hant"], ["zh-CN"])).toBe("zh-hans");
    expect(pickLanguage(["en", "zh-hans", "zh-hant"], ["zh"])).toBe("zh-hans");
    expect(pickLanguage(["en", "zh-hans", "zh-hant"], ["zh-yue"])).toBe("en");
  });

  it("finds every message file of the repository except qqq", () => {
    expect(Object.keys(bundledCatalog)).toEqual(expect.arrayContaining(["en", "de"]));
    expect(Object.keys(bundledCatalog)).not.toContain("qqq");
  });

  it("renders PLURAL in the UI's messages", () => {
    const banana = new Banana("en", { messages: EN });
    expect(banana.i18n("wft-ui-signin-accounts", 1)).toBe("Stored sign-in");
    expect(banana.i18n("wft-ui-settings-wiki-count", 3)).toBe("3 wikis match.");
  });
});

describe("language menu", () => {
  it("switches to Arabic: dir=rtl on <html>, translated text, stored, and uselang sent to the API", async () => {
    const fetcher = fakeFetch({ "GET /me": () => json(meOf()) });
    renderApp("/", fetcher);
    expect(await screen.findByRole("heading", { name: "Move files between wikis" })).toBeInTheDocument();
    expect(document.documentElement.dir).toBe("ltr");

    await userEvent.click(screen.getByRole("button", { name: "Interface language: English, en" }));
    const menu = await screen.findByRole("menu");
    await userEvent.click(within(menu).getByRole("menuitem", { name: "العربية" }));

    expect(await screen.findByRole("heading", { name: "نقل الملفات بين الويكيات" })).toBeInTheDocument();
    await waitFor(() => expect(document.documentElement.dir).toBe("rtl"));
    expect(document.documentElement.lang).toBe("ar");
    expect(JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? "{}").lang).toBe("ar");
    // a message missing in Arabic falls back to English
    expect(screen.getByRole("button", { name: "Interface language: العربية, ar" })).toBeInTheDocument();
    await waitFor(() => {
      const urls = fetcher.mock.calls.map(([url]) => String(url));
      expect(urls.some((url) => url.includes("uselang=ar"))).toBe(true);
    });
  });
});
