import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeFetch, json, meOf, renderApp } from "../test/helpers";

describe("sign-in screen", () => {
  it("offers Wikimedia sign-in only, when bot passwords are off", async () => {
    renderApp("/signin?next=%2Fhistory", fakeFetch({ "GET /me": () => json(meOf()) }));
    const link = await screen.findByRole("link", { name: "Sign in with Wikimedia" });
    expect(link.getAttribute("href")).toBe("/api/v1/auth/oauth/start?next=%2Fhistory&uselang=en");
    expect(screen.queryByLabelText(/Bot password/)).not.toBeInTheDocument();
  });

  it("shows the bot-password form when enabled, posts it and goes to next", async () => {
    let signedIn = false;
    const posted: unknown[] = [];
    const fetcher = fakeFetch({
      "GET /me": () =>
        json(
          meOf({
            sign_in: { oauth: false, bot_password: true },
            user: signedIn ? { id: 1, username: "Alice", domain: "src", lang: null, kind: "botpassword" } : null,
          }),
        ),
      "POST /auth/botpassword": (_url, init) => {
        posted.push(JSON.parse(String(init.body)));
        signedIn = true;
        return json({
          user: { id: 1, username: "Alice", domain: "src", lang: null, kind: "botpassword" },
          wiki: "src",
          linked: false,
          csrf_token: "t2",
        });
      },
    });
    renderApp("/signin?next=%2Fhistory", fetcher);

    expect(await screen.findByRole("heading", { name: "Sign in with a bot password" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Sign in with Wikimedia" })).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/^Wiki/), "src");
    await userEvent.type(screen.getByLabelText(/^Bot user name/), "Alice@tool");
    await userEvent.type(screen.getByLabelText(/^Bot password/), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    // the history screen is a lazy chunk of its own: its first load in jsdom can take a while
    expect(await screen.findByRole("heading", { name: "History" }, { timeout: 15_000 })).toBeInTheDocument();
    expect(posted).toEqual([{ wiki: "src", username: "Alice@tool", password: "secret" }]);
    expect(screen.getByRole("button", { name: "Account menu of Alice" })).toBeInTheDocument();
  });

  it("shows a refused bot password with the server's message and the request id", async () => {
    const fetcher = fakeFetch({
      "GET /me": () => json(meOf({ sign_in: { oauth: false, bot_password: true } })),
      "POST /auth/botpassword": () =>
        json({ error: { key: "wft-error-login", params: ["src", "A"], message: "Login to src as A failed." }, request_id: "rq7" }, 400),
    });
    renderApp("/signin", fetcher);
    await userEvent.type(await screen.findByLabelText(/^Wiki/), "src");
    await userEvent.type(screen.getByLabelText(/^Bot user name/), "A");
    await userEvent.type(screen.getByLabelText(/^Bot password/), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Login to src as A failed.");
    expect(alert).toHaveTextContent("Request ID: rq7");
  });

  it("sends a signed-out visitor of a protected page to sign in, with next", async () => {
    renderApp("/history", fakeFetch({ "GET /me": () => json(meOf()) }));
    const link = await screen.findByRole("link", { name: "Sign in with Wikimedia" });
    expect(link.getAttribute("href")).toContain("next=%2Fhistory");
    expect(screen.queryByRole("heading", { name: "History" })).not.toBeInTheDocument();
  });

  it("signs out from the user menu", async () => {
    let signedIn = true;
    const posted: unknown[] = [];
    const fetcher = fakeFetch({
      "GET /me": () =>
        json(meOf({ user: signedIn ? { id: 1, username: "Bob", domain: "wikimedia", lang: null, kind: "oauth" } : null })),
      "POST /auth/logout": (_url, init) => {
        posted.push(JSON.parse(String(init.body)));
        signedIn = false;
        return json({ forgotten: 0, csrf_token: "t3" });
      },
    });
    renderApp("/history", fetcher);
    await userEvent.click(await screen.findByRole("button", { name: "Account menu of Bob" }));
    await userEvent.click(await screen.findByRole("menuitem", { name: "Sign out" }));
    await waitFor(() => expect(screen.getByRole("heading", { name: "Move files between wikis" })).toBeInTheDocument());
    expect(await screen.findByRole("link", { name: "Sign in" })).toBeInTheDocument();
    expect(posted).toEqual([{ forget: false }]);
  });

  it("asks before signing out and forgetting the stored sign-ins", async () => {
    const posted: unknown[] = [];
    const fetcher = fakeFetch({
      "GET /me": () =>
        json(meOf({ user: posted.length ? null : { id: 1, username: "Bob", domain: "wikimedia", lang: null, kind: "oauth" } })),
      "POST /auth/logout": (_url, init) => {
        posted.push(JSON.parse(String(init.body)));
        return json({ forgotten: 2, csrf_token: "t3" });
      },
    });
    renderApp("/", fetcher);
    await userEvent.click(await screen.findByRole("button", { name: "Account menu of Bob" }));
    await userEvent.click(await screen.findByRole("menuitem", { name: "Sign out and forget my sign-ins" }));
    const dialog = await screen.findByRole("dialog", { name: "Sign out and forget my sign-ins" });
    expect(posted).toEqual([]);
    await userEvent.click(within(dialog).getByRole("button", { name: "Forget and sign out" }));
    await waitFor(() => expect(posted).toEqual([{ forget: true }]));
    expect(await screen.findByRole("link", { name: "Sign in" })).toBeInTheDocument();
  });

  it("shows the signed-out state when the API says 401 (the stored sign-in expired)", async () => {
    let expired = false;
    const fetcher = fakeFetch({
      "GET /me": () =>
        json(meOf({ user: expired ? null : { id: 1, username: "Bob", domain: "wikimedia", lang: null, kind: "oauth" } })),
      "GET /wikis": () => {
        expired = true;
        return json({ error: { key: "wft-http-unauthorized", params: ["401"], message: "Sign in first." }, request_id: "r" }, 401);
      },
    });
    renderApp("/settings", fetcher);
    await userEvent.type(await screen.findByLabelText(/^Default target wiki/), "c");
    expect(await screen.findByRole("link", { name: "Sign in" })).toBeInTheDocument();
  });

  it("shows a failed OAuth sign-in that came back as ?signin_error, and only known keys", async () => {
    renderApp("/?signin_error=wft-error-oauth-denied", fakeFetch({ "GET /me": () => json(meOf()) }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You did not allow the tool to act for your account");
  });

  it("does not render an arbitrary key from the address bar", async () => {
    renderApp("/?signin_error=wft-ui-app-name", fakeFetch({ "GET /me": () => json(meOf()) }));
    const alert = await screen.findByRole("alert");
    expect(alert).not.toHaveTextContent("Wikifile Transfer");
  });
});
