/**
 * The tests' `test`: baseURL = the stack's app; `capture(name)` runs axe-core on the page (no serious or
 * critical violation of WCAG 2.1 A/AA) and saves a full-page screenshot to test-results/screens/; sign-in
 * helpers that go through the real screens.
 */
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stack, t, translate, type StackState } from "./stack";

export const SCREENS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "test-results", "screens");

interface Fixtures {
  state: StackState;
  /** axe-core + a full-page screenshot of the screen as it is now, saved as `<name>.png`. */
  capture: (name: string) => Promise<void>;
}

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => {
    await use(stack().app);
  },
  state: async ({}, use) => {
    await use(stack());
  },
  capture: async ({ page }, use, testInfo) => {
    await use(async (name: string) => {
      await settle(page);
      const file = path.join(SCREENS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      await testInfo.attach(name, { path: file, contentType: "image/png" });
      const results = await new AxeBuilder({ page })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
        .analyze();
      const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(" ")} ${n.html.slice(0, 300)}`).join("\n  ")}`);
      expect(report, `axe-core on the screen "${name}"`).toEqual([]);
    });
  },
});

export { expect };

/** Waits until no request is in flight, no progress indicator shows, the fonts are in and every finite
 * transition has ended (a menu fading out is half transparent, and axe then reports its contrast). */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
  await expect(page.getByRole("progressbar")).toHaveCount(0);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ).then(() => undefined),
  );
}

/** Signs in through the sign-in screen with a testbed user's bot password (default: alice on src). */
export async function signInWithBotPassword(
  page: Page,
  { wiki = "src", user = "alice", next = "/" }: { wiki?: string; user?: string; next?: string } = {},
): Promise<void> {
  const account = stack().testbed.users[user]!;
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  const form = page.locator("form").filter({ has: page.getByLabel(t("wft-ui-signin-password")) });
  await form.getByRole("textbox", { name: t("wft-ui-signin-wiki") }).fill(wiki);
  await form.getByRole("textbox", { name: t("wft-ui-signin-username") }).fill(account.login);
  await form.getByLabel(t("wft-ui-signin-password")).fill(account.password);
  await form.getByRole("button", { name: t("wft-ui-signin-submit") }).click();
  await expect(userMenu(page, account.name)).toBeVisible();
  await page.waitForURL((url) => url.pathname === next.split("?")[0]);
}

/** Adds a testbed user's bot password for another wiki to the signed-in user (the sign-in screen's form). */
export async function addBotPassword(page: Page, wiki: string, user = "alice"): Promise<void> {
  const account = stack().testbed.users[user]!;
  await page.goto("/signin");
  const form = page.locator("form").filter({ has: page.getByLabel(t("wft-ui-signin-password")) });
  await form.getByRole("textbox", { name: t("wft-ui-signin-wiki") }).fill(wiki);
  await form.getByRole("textbox", { name: t("wft-ui-signin-username") }).fill(account.login);
  await form.getByLabel(t("wft-ui-signin-password")).fill(account.password);
  await form.getByRole("button", { name: t("wft-ui-signin-add-submit") }).click();
  await expect(page.getByText(t("wft-ui-signin-linked", wiki))).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: account.login }).filter({ hasText: wiki })).toBeVisible();
}

/** The app bar's language menu button while `lang` is shown (its name: wft-ui-language-menu of `lang`). */
export function languageButton(page: Page, lang = "en") {
  const prefix = (translate(lang, "wft-ui-language-menu", "\u0000") ?? t("wft-ui-language-menu", "\u0000")).split("\u0000")[0]!;
  return page.getByRole("banner").getByRole("button", { name: new RegExp(`^${escapeRegExp(prefix)}`) });
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The app bar's account menu button of `name`. */
export function userMenu(page: Page, name: string) {
  return page.getByRole("button", { name: t("wft-ui-user-menu", name) });
}

export async function signOut(page: Page, name: string): Promise<void> {
  await userMenu(page, name).click();
  await page.getByRole("menuitem", { name: t("wft-ui-sign-out"), exact: true }).click();
  await expect(page.getByRole("link", { name: t("wft-ui-sign-in") })).toBeVisible();
}
