import { describe, expect, it } from "vitest";
import { fakeFetch, json, meOf } from "../test/helpers";
import { ApiClient } from "./client";
import { ApiError, BAD_ANSWER_ERROR, NETWORK_ERROR } from "./errors";

function headersOf(init: RequestInit): Record<string, string> {
  return init.headers as Record<string, string>;
}

describe("ApiClient", () => {
  it("fetches the CSRF token from /me and sends it on POST, with uselang", async () => {
    const fetcher = fakeFetch({
      "GET /me": () => json(meOf({ csrf_token: "abc" })),
      "POST /auth/logout": () => json({ forgotten: 0, csrf_token: "new-token" }),
    });
    const client = new ApiClient({ fetch: fetcher });
    client.setLang("de");
    await client.post("/auth/logout", { forget: false });

    expect(fetcher).toHaveBeenCalledTimes(2);
    const [url, init] = fetcher.mock.calls[1]!;
    expect(String(url)).toBe("/api/v1/auth/logout?uselang=de");
    expect(headersOf(init!)["X-CSRF-Token"]).toBe("abc");
    expect(headersOf(init!)["Content-Type"]).toBe("application/json");
    expect(init!.body).toBe(JSON.stringify({ forget: false }));
    // sign-in and sign-out answers carry the new session's token
    expect(client.csrfToken).toBe("new-token");
  });

  it("sends no CSRF header on GET", async () => {
    const fetcher = fakeFetch({ "GET /wikis": () => json({ items: [], total: 0 }) });
    const client = new ApiClient({ fetch: fetcher });
    client.setCsrfToken("abc");
    await client.get("/wikis", { query: { q: "com", limit: 5, lang: undefined } });
    const [url, init] = fetcher.mock.calls[0]!;
    expect(String(url)).toBe("/api/v1/wikis?q=com&limit=5");
    expect(headersOf(init!)["X-CSRF-Token"]).toBeUndefined();
  });

  it("parses the API's error body into an ApiError", async () => {
    const fetcher = fakeFetch({
      "POST /auth/botpassword": () =>
        json(
          {
            error: { key: "wft-error-login", params: ["commons", "A@b"], message: "Anmeldung fehlgeschlagen" },
            request_id: "req-42",
          },
          400,
        ),
    });
    const client = new ApiClient({ fetch: fetcher });
    client.setCsrfToken("abc");
    const error = await client.post("/auth/botpassword", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      key: "wft-error-login",
      params: ["commons", "A@b"],
      serverMessage: "Anmeldung fehlgeschlagen",
      requestId: "req-42",
    });
  });

  it("turns a proxy's HTML page and a network failure into ApiErrors with keys of their own", async () => {
    const html = new ApiClient({
      fetch: async () => new Response("<html>Bad gateway</html>", { status: 502, headers: { "X-Request-Id": "r1" } }),
    });
    await expect(html.get("/me")).rejects.toMatchObject({ key: BAD_ANSWER_ERROR, params: ["502"], requestId: "r1" });
    const offline = new ApiClient({
      fetch: async () => {
        throw new TypeError("Failed to fetch");
      },
    });
    await expect(offline.get("/me")).rejects.toMatchObject({ key: NETWORK_ERROR, status: 0 });
  });

  it("gets a fresh token once when the session changed (403 wft-http-csrf)", async () => {
    let tokens = 0;
    const fetcher = fakeFetch({
      "GET /me": () => json(meOf({ csrf_token: `t${++tokens}` })),
      "POST /transfers/1/retry": (_url, init) =>
        headersOf(init)["X-CSRF-Token"] === "t2"
          ? json({ ok: true })
          : json({ error: { key: "wft-http-csrf", params: ["token"], message: "refused" }, request_id: "x" }, 403),
    });
    const client = new ApiClient({ fetch: fetcher });
    await expect(client.post("/transfers/1/retry")).resolves.toEqual({ ok: true });
    expect(tokens).toBe(2);
  });
});
