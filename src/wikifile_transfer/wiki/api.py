"""A small, polite client for the MediaWiki Action API (one per wiki and account).

Why not mwclient or pywikibot: see STACK.md §1. This client does what the etiquette asks for
(formatversion=2, maxlag on every request, backing off on ``ratelimited``/429/5xx, ``assert=user`` on
writes) and turns every failure into a typed error with a message key, so a transfer never dies with a
stack trace and never hammers a wiki.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from wikifile_transfer.errors import (
    ApiError,
    HttpStatusError,
    LoginError,
    MaxlagError,
    NotJsonError,
    NotLoggedInError,
    PermissionDeniedError,
    RateLimitedError,
    ReadOnlyError,
    SignInExpiredError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.oauth2 import TokenSource

log = logging.getLogger(__name__)

ANON_TOKEN = "+\\"  # noqa: S105 - the well-known anonymous token, not a secret
MAX_WAIT = 120.0
"""Longest single wait in seconds; a server asking for more gets retried after this anyway."""

NOT_LOGGED_IN_CODES = frozenset(
    {"mustbeloggedin", "notloggedin", "assertuserfailed", "assertnameduserfailed", "stashnotloggedin"}
)
OAUTH_REJECTED_PREFIX = "mwoauth-invalid-authorization"
"""Extension:OAuth's codes for a bearer token it does not accept (``mwoauth-invalid-authorization``, and
``…-invalid-user``, ``…-not-approved``, ``…-blocked-user``…): refresh once, then sign-in is needed."""

PERMISSION_CODES = frozenset(
    {
        "permissiondenied",
        "cantupload",
        "cantimport",
        "cantimport-upload",
        "badaccess-groups",
        "writeapidenied",
        "readapidenied",
        "assertbotfailed",
        "protectedpage",
        "protectedtitle",
        "protectednamespace",
        "cascadeprotected",
        "cantcreate",
        "noedit",
        "blocked",
        "autoblocked",
        "globalblocking-blockedtext",
    }
)


@dataclass(frozen=True)
class UserInfo:
    """Who the wiki thinks we are (``meta=userinfo``): drives the pre-flight permission checks."""

    name: str
    anon: bool
    rights: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    ratelimits: dict[str, Any] = field(default_factory=dict)


def encode_params(params: Mapping[str, object]) -> dict[str, str]:
    """Turn Python values into what api.php expects.

    Booleans are flags in MediaWiki: the mere presence of ``key=`` (even ``0``) means true, so False and
    None are left out. Lists are joined with ``|``, or with U+001F when an item contains a ``|``.
    """
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value is False:
            continue
        if value is True:
            out[key] = "1"
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = [str(v) for v in value]
            out[key] = "\x1f" + "\x1f".join(items) if any("|" in i for i in items) else "|".join(items)
        else:
            out[key] = str(value)
    return out


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), None when absent/garbage."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def extract_error(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first API error in either shape, flattened to ``{"code", "text", ...data}``.

    errorformat=plaintext gives ``{"errors": [{"code", "text", "data": {...}}]}``; the legacy (bc)
    format, which some wikis or proxies still send, gives ``{"error": {"code", "info", ...extra}}``.
    """
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = dict(errors[0])
        data = first.pop("data", None)
        flat = dict(data) if isinstance(data, Mapping) else {}
        flat.update(first)
        flat.setdefault("text", str(first.get("html", "")))
        return flat
    error = body.get("error")
    if isinstance(error, Mapping):
        flat = dict(error)
        flat.setdefault("text", str(error.get("info", "")))
        return flat
    return None


RETRY_CAP: ContextVar[int | None] = ContextVar("wft_retry_cap", default=None)
"""At most this many retries for calls made in this context, whatever the client's own budget: the web
app sets it while it answers a request, so a person waiting for a preview of a broken wiki gets the
explanation after one retry instead of a minute of back-off (background work keeps its full budget)."""


@contextmanager
def retries_at_most(count: int) -> Iterator[None]:
    token = RETRY_CAP.set(count)
    try:
        yield
    finally:
        RETRY_CAP.reset(token)


class ApiClient:
    """Action API of one wiki for one account; every method returns decoded JSON or raises a WftError."""

    def __init__(
        self,
        api_url: str,
        http: HttpClient,
        *,
        maxlag: int | None = 5,
        max_retries: int = 5,
        backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        auth: TokenSource | None = None,
    ) -> None:
        self.api_url = api_url
        self.auth = auth
        """OAuth 2 bearer tokens for every request of this client (a Wikimedia wiki reached with the
        user's SUL token); None: anonymous or a bot-password session cookie."""
        self.http = http
        self.maxlag = maxlag
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.host = urlsplit(api_url).netloc
        self._logged_in = False
        self._csrf: str | None = None
        # One token fetch at a time: threads that find no token wait for the first one's. Concurrent
        # fetches right after a login each write new token secrets into the session, and all but the
        # last token then meet "badtoken" (seen on the testbed with four transfers at once).
        self._csrf_lock = threading.Lock()
        self._userinfo: UserInfo | None = None

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        """True after a successful login, or when userinfo showed a named account (OAuth, cookies)."""
        return self._logged_in

    def _auth_headers(self) -> tuple[dict[str, str] | None, str | None]:
        if self.auth is None:
            return None, None
        token = self.auth.access_token()
        return {"Authorization": f"Bearer {token}"}, token

    def _full_params(self, params: Mapping[str, object]) -> dict[str, str]:
        merged: dict[str, object] = {"format": "json", "formatversion": 2, "errorformat": "plaintext"}
        if self.maxlag is not None:
            merged["maxlag"] = self.maxlag
        merged.update(params)
        encoded = encode_params(merged)
        # The token goes last: a body truncated in transit then fails the token check instead of
        # being acted upon with missing parameters.
        if "token" in encoded:
            encoded["token"] = encoded.pop("token")
        return encoded

    def _wait(self, attempt: int, budget: int, hint: float | None, reason: str) -> None:
        seconds = hint if hint is not None else self.backoff * (2**attempt)
        seconds = min(max(seconds, 0.0), MAX_WAIT)
        log.info(
            "%s: %s, waiting %.1f s (retry %d of %d)",
            self.host,
            reason,
            seconds,
            attempt + 1,
            budget,
        )
        self.sleep(seconds)

    def _call(
        self, method: str, params: Mapping[str, object], files: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """Send, retry what is worth retrying, and map everything else to a typed error.

        One retry budget (``max_retries``) covers maxlag, ratelimited/429, 5xx and, for GET only,
        unreachable hosts: a POST that timed out may have been executed, so it is not sent again.
        With a bearer token (``auth``), HTTP 401 or ``mwoauth-invalid-authorization…`` renews the token
        once and sends again (the wiki did nothing with a refused token); a second refusal is
        SignInExpiredError, which no retry can fix.
        """
        encoded = self._full_params(params)
        cap = RETRY_CAP.get()
        budget = self.max_retries if cap is None else min(cap, self.max_retries)
        attempt = 0
        refreshed = False
        headers, token = self._auth_headers()
        while True:
            try:
                if method == "GET":
                    response = self.http.request("GET", self.api_url, params=encoded, headers=headers)
                else:
                    response = self.http.request(
                        "POST", self.api_url, data=encoded, files=files, headers=headers
                    )
            except WikiUnreachableError:
                if method != "GET" or attempt >= budget:
                    raise
                self._wait(attempt, budget, None, "unreachable")
                attempt += 1
                continue
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            status = response.status_code
            if status == 429 or status >= 500:
                if attempt >= budget:
                    if status == 429:
                        raise RateLimitedError("ratelimited", f"HTTP 429 from {self.host}")
                    raise HttpStatusError(status, self.api_url)
                self._wait(attempt, budget, retry_after, f"HTTP {status}")
                attempt += 1
                continue
            if status == 401 and token is not None:
                # The token was not accepted, so nothing was done: renew it once and send again.
                headers, token = self._renewed(token, refreshed, f"HTTP {status}")
                refreshed = True
                continue
            if not 200 <= status < 300:
                raise HttpStatusError(status, self.api_url)
            body = self._decode(response)
            error = extract_error(body)
            if error is None:
                return body
            code = str(error.get("code", ""))
            if token is not None and code.startswith(OAUTH_REJECTED_PREFIX):
                headers, token = self._renewed(token, refreshed, code)
                refreshed = True
                continue
            if code == "maxlag":
                if attempt >= budget:
                    raise MaxlagError(code, str(error.get("text", "")), data=error)
                self._wait(attempt, budget, _maxlag_wait(retry_after, error.get("lag")), "maxlag")
                attempt += 1
                continue
            if code == "ratelimited":
                if attempt >= budget:
                    raise RateLimitedError(code, str(error.get("text", "")), data=error)
                backoff = self.backoff * (2**attempt)
                self._wait(attempt, budget, max(backoff, retry_after or 0.0), "ratelimited")
                attempt += 1
                continue
            raise self._map_error(code, error)

    def _renewed(self, rejected: str, refreshed: bool, why: str) -> tuple[dict[str, str], str]:
        """Headers with a renewed token after the wiki refused ``rejected``; SignInExpiredError when it
        was refused right after a renewal (the account's grant is gone, not just the token's time)."""
        assert self.auth is not None
        if refreshed:
            self._logged_in = False
            raise SignInExpiredError(self.host, detail=f"{why} after a token refresh")
        log.info("%s: the OAuth token was refused (%s), renewing it", self.host, why)
        token = self.auth.refresh(rejected)
        return {"Authorization": f"Bearer {token}"}, token

    def _decode(self, response: requests.Response) -> dict[str, Any]:
        """JSON body as a dict; anything else (PHP's HTML help page after an oversize POST, a proxy's
        HTML error page) becomes NotJsonError."""
        content_type = response.headers.get("Content-Type", "")
        try:
            body = response.json()
        except ValueError as err:
            raise NotJsonError(self.host, content_type or "?", detail=response.text[:200]) from err
        if not isinstance(body, dict):
            raise NotJsonError(self.host, content_type or "?", detail=response.text[:200])
        for warning in body.get("warnings", []) if isinstance(body.get("warnings"), list) else []:
            log.debug("%s API warning: %s", self.host, warning)
        return body

    def _map_error(self, code: str, error: dict[str, Any]) -> Exception:
        text = str(error.get("text", ""))
        if code == "readonly":
            reason = str(error.get("readonlyreason") or text)
            err: ApiError = ReadOnlyError(code, reason, data=error)
            err.detail = text
            return err
        if code in NOT_LOGGED_IN_CODES:
            self._logged_in = False
            return NotLoggedInError(self.host, detail=f"{code}: {text}")
        if code in PERMISSION_CODES:
            return PermissionDeniedError(code, text, data=error)
        return ApiError(code, text, data=error)

    # --- public API ---------------------------------------------------------------------------

    def get(self, params: Mapping[str, object]) -> dict[str, Any]:
        """A read (GET). Safe to retry, so unreachable hosts are retried too."""
        return self._call("GET", params, None)

    def post(self, params: Mapping[str, object], files: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A write (POST, multipart when ``files``). Adds ``assert=user`` when logged in so an expired
        session cannot turn into an anonymous edit. The caller adds the token (or uses post_with_token).

        File values in ``files`` should be bytes (not open files): a retried request sends them again.
        """
        full = dict(params)
        if self._logged_in and "assert" not in full:
            full["assert"] = "user"
        return self._call("POST", full, files)

    def post_with_token(
        self, params: Mapping[str, object], files: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """POST with the CSRF token; on ``badtoken`` (session renewed server-side) fetch a new one once."""
        token = self.csrf_token()
        try:
            return self.post({**params, "token": token}, files)
        except ApiError as err:
            if err.code != "badtoken":
                raise
        log.info("%s: badtoken, fetching a new CSRF token", self.host)
        return self.post({**params, "token": self.csrf_token(refresh=True, stale=token)}, files)

    def query_continue(self, params: Mapping[str, object]) -> Iterator[dict[str, Any]]:
        """Yield each full response of a query, following ``continue`` until the wiki has no more."""
        base = {"action": "query", **params}
        cont: dict[str, Any] = {}
        while True:
            body = self.get({**base, **cont})
            yield body
            nxt = body.get("continue")
            if not isinstance(nxt, Mapping) or not nxt:
                return
            cont = dict(nxt)

    def query_pages(
        self, titles: Sequence[str], params: Mapping[str, object], batch_size: int = 50
    ) -> Iterator[dict[str, Any]]:
        """Yield each page (formatversion=2 dict) once, with its prop data merged across continuations.

        Titles go 50 to a request (the API's limit without apihighlimits). A page whose title differs
        from the one asked for (normalisation, redirect, variant conversion) gets ``from_title``.
        Pages come in the order of the titles asked for.
        """
        for start in range(0, len(titles), batch_size):
            batch = list(titles[start : start + batch_size])
            pages: dict[str, dict[str, Any]] = {}
            renames: dict[str, str] = {}
            for body in self.query_continue({**params, "action": "query", "titles": batch}):
                query = body.get("query", {})
                for key in ("normalized", "converted", "redirects"):
                    for item in query.get(key, []):
                        renames[str(item.get("from", ""))] = str(item.get("to", ""))
                for page in query.get("pages", []):
                    page_key = str(page.get("title", page.get("pageid", "")))
                    if page_key in pages:
                        _merge(pages[page_key], page)
                    else:
                        pages[page_key] = dict(page)
            yield from _in_input_order(batch, pages, renames)

    # --- account ------------------------------------------------------------------------------

    def login(self, username: str, password: str) -> None:
        """Log in with a bot password (``Name@appid``); the session cookie stays in the HttpClient."""
        # A new login replaces the old session: no assert=user on it (the old session may be gone).
        self._logged_in = False
        self._csrf = None
        self._userinfo = None
        token_body = self.get({"action": "query", "meta": "tokens", "type": "login"})
        token = str(token_body.get("query", {}).get("tokens", {}).get("logintoken", ""))
        if not token:
            raise LoginError(self.host, username, detail="no login token")
        body = self.post({"action": "login", "lgname": username, "lgpassword": password, "lgtoken": token})
        result = body.get("login", {})
        if result.get("result") != "Success":
            reason = result.get("reason", result.get("result", "?"))
            if isinstance(reason, Mapping):
                reason = reason.get("text", reason)
            raise LoginError(self.host, username, detail=str(reason))
        self._logged_in = True

    def csrf_token(self, *, refresh: bool = False, stale: str | None = None) -> str:
        """The CSRF token, cached and fetched by one thread at a time. ``refresh`` fetches a new one,
        unless ``stale`` (the token that failed) was already replaced by another thread meanwhile.
        ``+\\`` is the anonymous token: writing with it would be anonymous."""
        cached = self._csrf
        if cached is not None and not refresh:
            return cached
        with self._csrf_lock:
            cached = self._csrf
            if cached is not None and (not refresh or (stale is not None and cached != stale)):
                return cached
            body = self.get({"action": "query", "meta": "tokens", "type": "csrf"})
            token = str(body.get("query", {}).get("tokens", {}).get("csrftoken", ""))
            if not token or token == ANON_TOKEN:
                self._csrf = None
                raise NotLoggedInError(self.host, detail="anonymous CSRF token")
            self._csrf = token
            return token

    def userinfo(self, *, refresh: bool = False) -> UserInfo:
        """Name, rights, groups and rate limits of the current account (cached)."""
        if self._userinfo is None or refresh:
            body = self.get({"action": "query", "meta": "userinfo", "uiprop": "rights|groups|ratelimits"})
            raw = body.get("query", {}).get("userinfo", {})
            info = UserInfo(
                name=str(raw.get("name", "")),
                anon=bool(raw.get("anon", False)),
                rights=frozenset(str(r) for r in raw.get("rights", [])),
                groups=frozenset(str(g) for g in raw.get("groups", [])),
                ratelimits=dict(raw.get("ratelimits", {})),
            )
            if not info.anon:
                self._logged_in = True
            self._userinfo = info
        return self._userinfo


def _maxlag_wait(retry_after: float | None, lag: object) -> float:
    """Retry-After when the wiki sent one, else the reported lag, else 5 s (the usual Retry-After)."""
    if retry_after is not None:
        return retry_after
    if isinstance(lag, int | float) and not isinstance(lag, bool):
        return float(lag)
    return 5.0


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    """Merge one continuation's copy of a page into the copy collected so far (lists extend)."""
    for key, value in new.items():
        old = into.get(key)
        if isinstance(old, list) and isinstance(value, list):
            into[key] = old + value
        elif isinstance(old, dict) and isinstance(value, Mapping):
            merged = dict(old)
            _merge(merged, value)
            into[key] = merged
        else:
            into[key] = value


def _in_input_order(
    batch: Sequence[str], pages: dict[str, dict[str, Any]], renames: Mapping[str, str]
) -> Iterator[dict[str, Any]]:
    """Pages in the order of the titles asked for, each once, with ``from_title`` when renamed."""
    seen: set[str] = set()
    for asked in batch:
        final = asked
        for _ in range(5):  # normalised -> redirect -> converted, never a loop
            if final not in renames or renames[final] == final:
                break
            final = renames[final]
        page = pages.get(final)
        if page is None or final in seen:
            continue
        seen.add(final)
        if asked != final:
            page["from_title"] = asked
        yield page
    for key, page in pages.items():
        if key not in seen:
            yield page
