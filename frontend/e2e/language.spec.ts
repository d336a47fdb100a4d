/**
 * The interface language: German, Arabic (right to left: <html dir=rtl>, the app bar mirrored) and Hindi,
 * each showing a translated label of the start screen.
 */
import type { Page } from "@playwright/test";
import { expect, languageButton, test } from "./fixtures";
import { t, translate } from "./stack";

async function choose(page: Page, from: string, autonym: string, code: string): Promise<void> {
  await languageButton(page, from).click();
  await page.getByRole("menuitem", { name: autonym, exact: true }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", code);
  // The menu fades out: scanned half-transparent, its items fail axe's contrast check (seen in CI).
  await expect(page.getByRole("menu")).toBeHidden();
}

/** Where the app name and the language button sit in the app bar. */
async function appBarLayout(page: Page) {
  const bar = page.getByRole("banner");
  const name = await bar.getByRole("link").first().boundingBox();
  const language = await bar.locator("button[aria-haspopup=menu]").first().boundingBox();
  expect(name).not.toBeNull();
  expect(language).not.toBeNull();
  return { name: name!, language: language! };
}

/** A translated label of `lang` that is on the start screen (the first of these its file has). */
function translatedLabel(lang: string): string {
  for (const key of ["wft-ui-home-title", "wft-ui-nav-settings", "wft-ui-nav-transfer", "wft-ui-sign-in"]) {
    const text = translate(lang, key);
    if (text && text !== t(key)) return text;
  }
  throw new Error(`i18n/${lang}.json translates none of the start screen's labels`);
}

test("switch to German", async ({ page, capture }) => {
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
  await choose(page, "en", "Deutsch", "de");
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
  const label = translatedLabel("de");
  await expect(page.getByText(label, { exact: true }).first()).toBeVisible();
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await capture("home-de");
});

test("switch to Arabic (right to left), then to Hindi", async ({ page, capture }) => {
  await page.goto("/");
  const ltr = await appBarLayout(page);
  expect(ltr.name.x).toBeLessThan(ltr.language.x);

  await choose(page, "en", "العربية", "ar");
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  const rtl = await appBarLayout(page);
  // mirrored: the app name on the right, the language button left of it
  expect(rtl.name.x).toBeGreaterThan(rtl.language.x);
  const width = page.viewportSize()!.width;
  expect(Math.abs(width - (rtl.name.x + rtl.name.width) - ltr.name.x)).toBeLessThan(24);
  const arabic = translatedLabel("ar");
  await expect(page.getByText(arabic, { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("main")).toBeVisible();
  await capture("home-ar");

  await choose(page, "ar", "हिन्दी", "hi");
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
  const hindi = translatedLabel("hi");
  await expect(page.getByText(hindi, { exact: true }).first()).toBeVisible();
  await capture("home-hi");
});
