/**
 * The flows: transfer one file with a preview and an edited description page; a batch of 10 files with one
 * non-free file that is blocked; both in the history; a wiki that breaks (HTML 502 pages from the fault
 * proxy in front of the wiki `flaky`), the failure explained, the wiki healed, the transfer retried.
 *
 * The files are new uploads of this run (testbed/e2e_stack.py POST /files), so a testbed that earlier runs
 * transferred into gives the same results.
 */
import type { Page } from "@playwright/test";
import { addBotPassword, expect, signInWithBotPassword, test } from "./fixtures";
import { fault, newFiles, pageText, pattern, t } from "./stack";

/** Chooses `wiki` in a wiki search field (the configured testbed wiki, shown with its address). */
async function pickWiki(page: Page, label: string, wiki: string, url: string): Promise<void> {
  const field = page.getByRole("combobox", { name: label });
  await field.fill(wiki);
  const option = page.getByRole("option").filter({ hasText: url }).first();
  await option.click({ timeout: 15_000 }).catch(async () => {
    await field.fill(wiki); // no suggestion (yet): the name itself is accepted
  });
  await expect(field).toHaveValue(wiki);
}

test.describe.configure({ timeout: 240_000 });

test("transfer one file with preview and an edit of the description", async ({ page, state, capture }) => {
  const [title] = await newFiles(1);
  await signInWithBotPassword(page);
  await addBotPassword(page, "commons");

  await page.goto("/transfer");
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-transfer-title") })).toBeVisible();
  await capture("transfer-empty");
  await page.getByRole("textbox", { name: t("wft-ui-transfer-source") }).fill(`src:${title}`);
  await pickWiki(page, t("wft-ui-transfer-target"), "commons", state.testbed.wikis.commons!.url);
  await page.getByRole("button", { name: t("wft-ui-transfer-preview"), exact: true }).click();

  // the preview: checks, the description page; every check passes for an own work with a free licence
  await expect(page.getByRole("heading", { name: t("wft-ui-transfer-checks-title"), exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(pattern("wft-ui-transfer-checks-blocked"))).toHaveCount(0);
  await capture("transfer-preview");

  // edit the description page
  const marker = `Edited in the browser test ${Date.now().toString(36)}.`;
  await page.getByRole("tab", { name: t("wft-ui-transfer-tab-edit") }).click();
  const editor = page.getByRole("textbox", { name: pattern("wft-ui-transfer-editor-label") });
  await editor.click();
  await editor.press("ControlOrMeta+End");
  await editor.pressSequentially(`\n${marker}\n`);
  await expect(page.getByText(t("wft-ui-transfer-text-edited"))).toBeVisible();
  await capture("transfer-edited");

  const submit = page.getByRole("button", { name: t("wft-ui-transfer-submit"), exact: true });
  await expect(submit).toBeEnabled({ timeout: 30_000 });
  await submit.click();
  await expect(page.getByRole("link", { name: t("wft-ui-transfer-result-history") })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText(pattern("wft-ui-transfer-result-done"))).toBeVisible();
  await capture("transfer-done");

  // on the target wiki, with the edit
  await expect.poll(async () => (await pageText("commons", title!)) ?? "").toContain(marker);

  await page.getByRole("link", { name: t("wft-ui-transfer-result-history") }).click();
  await expect(page.getByText(title!.replace(/^File:/, "")).first()).toBeVisible({ timeout: 30_000 });
  await capture("history-after-transfer");
});

test("a batch of 10 files with one non-free file: it is blocked, the others transferred", async ({ page, state, capture }) => {
  const free = await newFiles(9);
  const [nonFree] = await newFiles(1, "non_free");
  await signInWithBotPassword(page);
  await addBotPassword(page, "commons");

  await page.goto("/batch");
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-batch-title") })).toBeVisible();
  const urls = [...free.slice(0, 4), nonFree!, ...free.slice(4)].map((title) => `src:${title}`);
  await page.getByRole("textbox", { name: t("wft-ui-batch-urls") }).fill(urls.join("\n"));
  await pickWiki(page, t("wft-ui-batch-target"), "commons", state.testbed.wikis.commons!.url);
  await capture("batch-new");
  await page.getByRole("button", { name: t("wft-ui-batch-create") }).click();

  // the dry run: nine ready, the non-free file blocked, with its reason
  const run = page.getByRole("button", { name: t("wft-ui-batch-run", 9, "9") });
  await expect(run).toBeEnabled({ timeout: 120_000 });
  const blockedRow = page.getByRole("row").filter({ hasText: nonFree!.replace(/^File:/, "") });
  await expect(blockedRow.getByText(t("wft-ui-status-blocked"))).toBeVisible();
  await capture("batch-planned");
  await blockedRow.getByRole("button", { name: pattern("wft-ui-batch-details-item") }).click();
  await expect(page.getByText(t("wft-ui-batch-details-blocked"))).toBeVisible();
  await capture("batch-blocked-details");
  await page.keyboard.press("Escape");

  await run.click();
  await expect(page.getByText(t("wft-ui-batch-summary-done", 9, "9"))).toBeVisible({ timeout: 180_000 });
  await capture("batch-done");
  for (const title of free) expect(await pageText("commons", title), title).not.toBeNull();
  expect(await pageText("commons", nonFree!)).toBeNull();

  await page.goto("/history");
  await expect(page.getByRole("heading", { name: t("wft-ui-history-list-heading") })).toBeVisible();
  await expect(page.getByText(nonFree!.replace(/^File:/, "")).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(free[0]!.replace(/^File:/, "")).first()).toBeVisible();
  await capture("history");
});

test("a wiki that breaks: the failure explained, then fixed and retried", async ({ page, state, capture }) => {
  const [title] = await newFiles(1);
  await fault("pass");
  await signInWithBotPassword(page);
  await addBotPassword(page, state.flaky.name);

  await fault("html", 502);
  try {
    await page.goto("/transfer");
    await page.getByRole("textbox", { name: t("wft-ui-transfer-source") }).fill(`src:${title}`);
    await page.getByRole("combobox", { name: t("wft-ui-transfer-target") }).fill(state.flaky.name);
    const preview = page.getByRole("button", { name: t("wft-ui-transfer-preview"), exact: true });
    await preview.click();
    // explained in words: the wiki sent an error page (HTTP 502), try again later
    const explained = page.getByRole("alert").filter({ hasText: /502|error page/ });
    await expect(explained).toBeVisible({ timeout: 90_000 });
    await capture("transfer-wiki-broken");

    await fault("pass");
    await preview.click();
    await expect(page.getByRole("heading", { name: t("wft-ui-transfer-checks-title"), exact: true })).toBeVisible({ timeout: 60_000 });
    const submit = page.getByRole("button", { name: t("wft-ui-transfer-submit"), exact: true });
    await expect(submit).toBeEnabled({ timeout: 30_000 });
    await submit.click();
    await expect(page.getByRole("link", { name: t("wft-ui-transfer-result-history") })).toBeVisible({ timeout: 120_000 });
    await capture("transfer-wiki-healed");
    expect(await pageText(state.flaky.upstream, title!)).not.toBeNull();
  } finally {
    await fault("pass");
  }
});
