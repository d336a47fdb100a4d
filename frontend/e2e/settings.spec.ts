/** Settings: the default target wiki is chosen through the wiki search and kept across a reload. */
import { expect, signInWithBotPassword, test } from "./fixtures";
import { t } from "./stack";

test("the default target wiki, chosen through the wiki search, is kept", async ({ page, state, capture }) => {
  await signInWithBotPassword(page, { next: "/settings" });
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-settings-title") })).toBeVisible();
  await capture("settings");

  const target = page.getByRole("combobox", { name: t("wft-ui-settings-target") });
  await target.fill("comm");
  // the configured testbed wiki (shown with its address), not Wikimedia Commons
  const option = page.getByRole("option").filter({ hasText: state.testbed.wikis.commons!.url });
  await expect(option).toBeVisible();
  await capture("settings-wiki-search");
  await option.click();
  await expect(target).toHaveValue("commons");
  await page.getByRole("button", { name: t("wft-ui-settings-save") }).click();
  await expect(page.getByText(t("wft-ui-settings-saved"))).toBeVisible();

  await page.reload();
  await expect(page.getByRole("combobox", { name: t("wft-ui-settings-target") })).toHaveValue("commons");
});
