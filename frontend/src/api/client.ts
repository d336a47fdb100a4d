/**
 * The typed fetch wrapper every call to the JSON API goes through. It knows the API's conventions
 * (docs/web-api.md) so screens do not: the base path `/api/v1`, `?uselang=` for messages in the
 * interface language, the session's CSRF token in `X-CSRF-Token` on every state-changing request
 * (fetched from GET /me when not yet known, and replaced by the new one that sign-in and sign-out
 * answers carry), and errors turned into `ApiError`.
 */
import { ApiError, NETWORK_ERROR, errorFromAnswer } from "./errors";
import type { Me } from "./types";

export const API_BASE = "/api/v1";
const CSRF_HEADER = "X-CSRF-Token";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A value per name; an array repeats the name (`status=failed&status=blocked`). */
export type Query = Record<string, string | number | boolean | null | undefined | readonly (string | number)[]>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  base?: string;
  fetch?: typeof fetch;
}

export class ApiClient {
  private readonly base: string;
  private readonly fetcher: typeof fetch;
  private csrf: string | null = null;
  private lang: string | null = null;

  constructor(options: ApiClientOptions = {}) {
    this.base = options.base ?? API_BASE;
    this.fetcher = options.fetch ?? ((...args) => fetch(...args));
  }

  /** The interface language: sent as `uselang` so the server's messages match the UI. */
  setLang(lang: string | null): void {
    this.lang = lang;
  }

  setCsrfToken(token: string | null): void {
    this.csrf = token;
  }

  get csrfToken(): string | null {
    return this.csrf;
  }

  /** The absolute path of an API URL with its query and `uselang` (also for EventSource and links). */
  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (Array.isArray(value)) {
        for (const item of value as readonly (string | number)[]) params.append(name, String(item));
      } else if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
    }
    if (this.lang && !params.has("uselang")) params.set("uselang", this.lang);
    const search = params.toString();
    return `${this.base}${path}${search ? `?${search}` : ""}`;
  }

  get<T>(path: string, options: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  post<T>(path: string, body: unknown = {}, options: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("POST", path, { ...options, body });
  }

  patch<T>(path: string, body: unknown, options: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("PATCH", path, { ...options, body });
  }

  delete<T>(path: string, options: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("DELETE", path, options);
  }

  /** GET /me, which also gives (and so refreshes) the CSRF token. */
  me(signal?: AbortSignal): Promise<Me> {
    return this.get<Me>("/me", signal ? { signal } : {});
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const unsafe = UNSAFE.has(method);
    if (unsafe && this.csrf === null) await this.me(options.signal);
    try {
      return await this.send<T>(method, path, options);
    } catch (error) {
      // The session changed under us (signed out in another tab, cookie expired): a fresh token, once.
      if (unsafe && error instanceof ApiError && error.status === 403 && error.key === "wft-http-csrf") {
        await this.me(options.signal);
        return this.send<T>(method, path, options);
      }
      throw error;
    }
  }

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined && method !== "GET") headers["Content-Type"] = "application/json";
    if (UNSAFE.has(method) && this.csrf) headers[CSRF_HEADER] = this.csrf;
    let response: Response;
    try {
      response = await this.fetcher(this.url(path, options.query), {
        method,
        headers,
        body: options.body !== undefined && method !== "GET" ? JSON.stringify(options.body) : undefined,
        credentials: "same-origin",
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError({ status: 0, key: NETWORK_ERROR });
    }
    const text = await response.text();
    const requestId = response.headers.get("X-Request-Id");
    if (!response.ok) throw errorFromAnswer(response.status, text, requestId);
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        throw errorFromAnswer(response.status, text, requestId);
      }
    }
    this.rememberToken(data);
    return data as T;
  }

  private rememberToken(data: unknown): void {
    if (typeof data === "object" && data !== null) {
      const token = (data as { csrf_token?: unknown }).csrf_token;
      if (typeof token === "string" && token) this.csrf = token;
    }
  }
}
