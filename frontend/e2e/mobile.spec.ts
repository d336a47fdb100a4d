/** At 375 px (a small phone): the navigation moves into a drawer, and no screen scrolls sideways. */
import type { Page } from "@playwright/test";
import { expect, signInWithBotPassword, test } from "./fixtures";
import { t } from "./stack";

test.use({ viewport: { width: 375, height: 740 }, hasTouch: true });

async function noSidewaysScroll(page: Page): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, "the page is wider than the screen").toBeLessThanOrEqual(375);
}

test("navigation through the drawer at 375 px", async ({ page, state, capture }) => {
  await page.goto("/");
  // the app bar's links are hidden: the menu button opens the drawer
  await expect(page.getByRole("banner").getByRole("link", { name: t("wft-ui-nav-settings") })).toBeHidden();
  await noSidewaysScroll(page);
  await capture("mobile-home");

  await page.getByRole("button", { name: t("wft-ui-nav-open-menu") }).click();
  const drawer = page.getByRole("navigation", { name: t("wft-ui-nav-label") }).filter({ visible: true });
  await expect(drawer.getByRole("link", { name: t("wft-ui-nav-settings") })).toBeVisible();
  await capture("mobile-drawer");
  await drawer.getByRole("link", { name: t("wft-ui-nav-settings") }).click();
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-settings-title") })).toBeVisible();
  await expect(drawer).toHaveCount(0);
  await noSidewaysScroll(page);
  await capture("mobile-settings");

  // a screen for signed-in users sends to the sign-in screen first, which fits too
  await page.getByRole("button", { name: t("wft-ui-nav-open-menu") }).click();
  await page.getByRole("link", { name: t("wft-ui-nav-transfer") }).click();
  await expect(page).toHaveURL(/\/signin\?next=%2Ftransfer/);
  await noSidewaysScroll(page);
  await capture("mobile-signin");

  await signInWithBotPassword(page, { next: "/history" });
  await noSidewaysScroll(page);
  await page.getByRole("button", { name: t("wft-ui-nav-open-menu") }).click();
  await page.getByRole("link", { name: t("wft-ui-nav-batch") }).click();
  await expect(page).toHaveURL(/\/batch$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await noSidewaysScroll(page);
  await capture("mobile-batch");
  expect(state.app).toBeTruthy();
});
