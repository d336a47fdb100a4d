/**
 * Browser end-to-end tests (e2e/*.spec.ts): Debian's Chromium (/usr/bin/chromium, installed by
 * testbed/install.sh; Playwright downloads no browser here) against the real app, the testbed wikis and
 * the OAuth provider double, all started by e2e/global-setup.ts (testbed/e2e_stack.py). `npm run e2e`
 * after `npm run build` (or `make e2e`, which builds first). Screenshots of every screen go to
 * test-results/screens/ (gitignored), traces and failure screenshots next to them.
 */
import { defineConfig, devices } from "@playwright/test";

const chromium = process.env.WFT_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/output",
  globalSetup: "./e2e/global-setup.ts",
  // one app, one set of wikis, two cores: tests run one after another
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { outputFolder: "test-results/report", open: "never" }]],
  use: {
    ...devices["Desktop Chrome"],
    locale: "en-US",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});
