/**
 * Every screen a signed-in user reaches, in English and (when its messages are there) in Arabic, right to
 * left: axe-core finds no serious or critical violation, and a full-page screenshot of each is kept.
 * The Transfer, Batch and History screens are checked here as they are on this branch (placeholders until
 * branches fe-transfer, fe-batch, fe-history are merged); their flows have tests of their own.
 */
import { expect, signInWithBotPassword, test } from "./fixtures";
import { t } from "./stack";

const SCREENS = [
  { path: "/", name: "home" },
  { path: "/transfer", name: "transfer" },
  { path: "/batch", name: "batch" },
  { path: "/history", name: "history" },
  { path: "/settings", name: "settings-signed-in" },
  { path: "/signin", name: "signin-accounts" },
  { path: "/no-such-screen", name: "not-found" },
];

for (const lang of ["en", "ar"]) {
  test(`every screen, signed in (${lang})`, async ({ page, capture }) => {
    await signInWithBotPassword(page);
    if (lang !== "en") {
      // the setting the language menu writes (src/settings/settings.ts STORAGE_KEY)
      await page.evaluate((code) => {
        const settings = JSON.parse(localStorage.getItem("wft-settings") ?? "{}");
        localStorage.setItem("wft-settings", JSON.stringify({ ...settings, lang: code }));
      }, lang);
    }
    for (const { path, name } of SCREENS) {
      await page.goto(path);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      if (path === "/no-such-screen" && lang === "en") {
        await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-notfound-title") })).toBeVisible();
      }
      await capture(lang === "en" ? name : `${name}-${lang}`);
    }
  });
}
