import { screen, waitFor } from "@testing-library/react";
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

    expect(await screen.findByRole("heading", { name: "History" })).toBeInTheDocument();
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

  it("sends a signed-out visitor of a protected page to sign in, then signs out", async () => {
    let signedIn = true;
    const fetcher = fakeFetch({
      "GET /me": () =>
        json(meOf({ user: signedIn ? { id: 1, username: "Bob", domain: "wikimedia", lang: null, kind: "oauth" } : null })),
      "POST /auth/logout": () => {
        signedIn = false;
        return json({ forgotten: 0, csrf_token: "t3" });
      },
    });
    renderApp("/history", fetcher);
    await userEvent.click(await screen.findByRole("button", { name: "Account menu of Bob" }));
    await userEvent.click(await screen.findByRole("menuitem", { name: "Sign out" }));
    await waitFor(() => expect(screen.getByRole("heading", { name: "Move files between wikis" })).toBeInTheDocument());
    expect(screen.getByRole("link", { name: "Sign in" })).toBeInTheDocument();
  });

  it("shows a failed OAuth sign-in that came back as ?signin_error", async () => {
    renderApp("/?signin_error=wft-error-oauth-denied", fakeFetch({ "GET /me": () => json(meOf()) }));
    expect(await screen.findByRole("alert")).toBeInTheDocument();
  });
});
