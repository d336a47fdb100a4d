/** Keyboard only: the skip link, the navigation, the language menu, signing in. No mouse in these tests. */
import type { Locator, Page } from "@playwright/test";
import { expect, languageButton, test, userMenu } from "./fixtures";
import { t } from "./stack";

/** Presses Tab until `target` has the focus (at most `max` times). */
async function tabTo(page: Page, target: Locator, max = 25): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
}

test("skip link, navigation and language menu by keyboard", async ({ page, capture }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();

  // the first Tab reaches the skip link, which shows itself and jumps to the content
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: t("wft-ui-skip-to-content") });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await capture("keyboard-skip-link");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();

  // the navigation, in order, and Enter follows a link
  const nav = page.getByRole("banner").getByRole("navigation", { name: t("wft-ui-nav-label") });
  await page.goto("/");
  // wait for the app to render before typing: a Tab sent earlier lands on the empty page
  await expect(nav.getByRole("link", { name: t("wft-ui-nav-transfer") })).toBeVisible();
  // skip link, the app name (start page), then the first nav link
  await tabTo(page, nav.getByRole("link", { name: t("wft-ui-nav-transfer") }), 3);
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: t("wft-ui-nav-batch") })).toBeFocused();
  await tabTo(page, nav.getByRole("link", { name: t("wft-ui-nav-settings") }), 3);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-settings-title") })).toBeVisible();

  // the language menu: Enter opens it, arrows move, Escape closes it, Enter chooses
  const language = languageButton(page);
  await tabTo(page, language);
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  await expect(menu.getByRole("menuitem").and(page.locator(":focus"))).toHaveCount(1);
  await capture("keyboard-language-menu");
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(language).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(menu).toBeVisible();
  const german = menu.getByRole("menuitem", { name: "Deutsch", exact: true });
  for (let i = 0; i < 60 && !(await german.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("ArrowDown");
  }
  await expect(german).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(menu).toBeHidden();
});

test("sign in with a bot password by keyboard", async ({ page, state }) => {
  const alice = state.testbed.users.alice!;
  await page.goto("/signin");
  await tabTo(page, page.getByRole("textbox", { name: t("wft-ui-signin-wiki") }));
  await page.keyboard.type("src");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("textbox", { name: t("wft-ui-signin-username") })).toBeFocused();
  await page.keyboard.type(alice.login);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel(t("wft-ui-signin-password"))).toBeFocused();
  await page.keyboard.type(alice.password);
  await page.keyboard.press("Enter");
  await expect(userMenu(page, alice.name)).toBeVisible();

  // the account menu opens with Enter too, and sign-out is reachable with the arrows
  await tabTo(page, userMenu(page, alice.name), 40);
  await page.keyboard.press("Enter");
  const signOut = page.getByRole("menuitem", { name: t("wft-ui-sign-out"), exact: true });
  for (let i = 0; i < 6 && !(await signOut.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("ArrowDown");
  }
  await expect(signOut).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("link", { name: t("wft-ui-sign-in") })).toBeVisible();
});
