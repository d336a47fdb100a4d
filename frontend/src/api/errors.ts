/**
 * ApiError: what every failed call becomes, whether the API answered with its error body, something
 * else answered (a proxy's HTML 502), or nothing did. The UI decides by `key` and shows `message` (the
 * server's, in the user's language, or rendered here for failures the server never saw) and `requestId`.
 */
import type { ErrorResponse, MessageRef } from "./types";

/** Keys of failures that happen before or outside the API (rendered by the front end). */
export const NETWORK_ERROR = "wft-ui-error-network";
export const BAD_ANSWER_ERROR = "wft-ui-error-bad-answer";

export class ApiError extends Error {
  readonly status: number;
  readonly key: string;
  readonly params: Array<string | MessageRef>;
  readonly requestId: string | null;
  /** The server's message, in the language of the request; null when the server said nothing usable. */
  readonly serverMessage: string | null;

  constructor(opts: {
    status: number;
    key: string;
    params?: Array<string | MessageRef>;
    message?: string | null;
    requestId?: string | null;
  }) {
    super(opts.message ?? opts.key);
    this.name = "ApiError";
    this.status = opts.status;
    this.key = opts.key;
    this.params = opts.params ?? [];
    this.serverMessage = opts.message ?? null;
    this.requestId = opts.requestId ?? null;
  }

  /** A 401: nobody is signed in (or the stored sign-in expired). */
  get needsSignIn(): boolean {
    return this.status === 401;
  }
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  if (typeof body !== "object" || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return typeof error === "object" && error !== null && typeof (error as { key?: unknown }).key === "string";
}

/** The ApiError of a non-2xx answer (its body already read as text). */
export function errorFromAnswer(status: number, text: string, headerRequestId: string | null): ApiError {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // an HTML error page of a proxy, or nothing
  }
  if (isErrorResponse(body)) {
    return new ApiError({
      status,
      key: body.error.key,
      params: Array.isArray(body.error.params) ? body.error.params : [],
      message: typeof body.error.message === "string" ? body.error.message : null,
      requestId: body.request_id ?? headerRequestId,
    });
  }
  return new ApiError({ status, key: BAD_ANSWER_ERROR, params: [String(status)], requestId: headerRequestId });
}
