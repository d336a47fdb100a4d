/** Signing in: the OAuth 2 round trip through the provider double, a bot password, adding a wiki, signing out. */
import { addBotPassword, expect, signInWithBotPassword, signOut, test, userMenu } from "./fixtures";
import { t } from "./stack";

test("the start screen, signed out", async ({ page, capture }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-home-title") })).toBeVisible();
  await expect(page.getByRole("link", { name: t("wft-ui-sign-in") })).toBeVisible();
  await capture("home-signed-out");
});

test("sign in with Wikimedia (OAuth 2 through the provider double), then sign out", async ({ page, state, capture }) => {
  await page.goto("/signin?next=%2Fsettings");
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-signin-title") })).toBeVisible();
  await capture("signin");

  const oauthBase = new URL(state.oauth.base);
  const seen: string[] = [];
  page.on("request", (request) => {
    if (request.isNavigationRequest()) seen.push(request.url());
  });
  await page.getByRole("link", { name: t("wft-ui-signin-wikimedia") }).click();
  await page.waitForURL((url) => url.pathname === "/settings");

  // the full round trip: app → the provider's authorize (PKCE S256) → the app's callback → next
  const authorize = seen.find((url) => url.startsWith(`${oauthBase.origin}${oauthBase.pathname}/authorize`));
  expect(authorize, seen.join("\n")).toBeTruthy();
  const params = new URL(authorize!).searchParams;
  expect(params.get("response_type")).toBe("code");
  expect(params.get("code_challenge_method")).toBe("S256");
  expect(params.get("redirect_uri")).toBe(`${state.app}/api/v1/auth/oauth/callback`);
  expect(seen.some((url) => url.startsWith(`${state.app}/api/v1/auth/oauth/callback?`))).toBe(true);

  await expect(userMenu(page, state.oauth.username)).toBeVisible();
  await expect(page).not.toHaveURL(/signin_error/);
  await page.goto("/signin");
  await expect(page.getByText(t("wft-ui-signin-signed-in", state.oauth.username))).toBeVisible();
  await expect(page.getByText(t("wft-ui-signin-account-all-wikis"))).toBeVisible();
  await capture("signin-signed-in-oauth");

  await signOut(page, state.oauth.username);
  await expect(userMenu(page, state.oauth.username)).toHaveCount(0);
});

test("sign in with a bot password, add a second wiki, sign out", async ({ page, state, capture }) => {
  const alice = state.testbed.users.alice!;
  await signInWithBotPassword(page, { wiki: "src", user: "alice", next: "/" });
  await expect(page.getByRole("heading", { level: 1, name: t("wft-ui-home-title") })).toBeVisible();

  await addBotPassword(page, "commons");
  await expect(page.getByText(t("wft-ui-signin-signed-in", alice.name))).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "commons" })).toBeVisible();
  await capture("signin-signed-in-botpassword");

  await userMenu(page, alice.name).click();
  await expect(page.getByRole("menu")).toBeVisible();
  await capture("user-menu");
  await page.keyboard.press("Escape");
  await signOut(page, alice.name);
});

test("a wrong bot password is explained, and nothing is signed in", async ({ page, state, capture }) => {
  const alice = state.testbed.users.alice!;
  await page.goto("/signin");
  await page.getByRole("textbox", { name: t("wft-ui-signin-wiki") }).fill("src");
  await page.getByRole("textbox", { name: t("wft-ui-signin-username") }).fill(alice.login);
  await page.getByLabel(t("wft-ui-signin-password")).fill("not-the-password-of-alice-000000");
  await page.getByRole("button", { name: t("wft-ui-signin-submit") }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(userMenu(page, alice.name)).toHaveCount(0);
  await capture("signin-error");
});
