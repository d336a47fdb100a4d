"""HttpClient (guard, redirects, UA, counters) and ApiClient (params, retries, errors, login, queries)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

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
    SsrfError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki.api import (
    ApiClient,
    UserInfo,
    encode_params,
    extract_error,
    parse_retry_after,
    retries_at_most,
)
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient, user_agent
from wikifile_transfer.wiki.upload import assembly_read_timeout

PUBLIC = "208.80.154.224"
API = "https://test.wikipedia.org/w/api.php"


def public_guard() -> HostGuard:
    return HostGuard(resolver=lambda host, port: [PUBLIC])


def make_api(**kwargs: Any) -> tuple[ApiClient, list[float]]:
    sleeps: list[float] = []
    api = ApiClient(API, HttpClient(public_guard()), sleep=sleeps.append, **kwargs)
    return api, sleeps


def query_of(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query, keep_blank_values=True).items()}


def body_of(call: Any) -> dict[str, str]:
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def err_plain(code: str, text: str = "text", **data: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "text": text, "module": "main"}
    if data:
        error["data"] = data
    return {"errors": [error], "docref": "See api.php"}


def err_legacy(code: str, info: str = "info", **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "info": info, **extra}}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def local_guard(httpserver: HTTPServer) -> HostGuard:
    guard = HostGuard(resolver=lambda host, port: [PUBLIC])
    guard.allow_host(httpserver.host, private_ok=True)
    return guard


# --- HttpClient -----------------------------------------------------------------------------------


def test_user_agent_and_headers(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    httpserver.expect_request("/x").respond_with_data("ok")
    http = HttpClient(local_guard, contact="ops@example.org")
    response = http.request("GET", httpserver.url_for("/x"))
    assert response.text == "ok"
    sent = httpserver.log[0][0]
    assert (
        sent.headers["User-Agent"]
        == f"wikifile-transfer/0.1.0 (ops@example.org) requests/{requests.__version__}"
    )
    assert sent.headers["Accept-Encoding"] == "gzip"
    assert http.session.trust_env is False
    assert http.stats.total == 1
    assert http.stats.by_host[f"{httpserver.host}:{httpserver.port}"] == 1
    assert "github.com/wikifile-transfer" in user_agent()


def test_request_to_unallowed_host_is_refused_before_sending() -> None:
    http = HttpClient(HostGuard())
    with pytest.raises(SsrfError):
        http.request("GET", "http://169.254.169.254/latest/meta-data/")
    assert http.stats.total == 0


def test_redirect_is_followed_and_counted(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_data("final")
    http = HttpClient(local_guard)
    response = http.request("GET", httpserver.url_for("/a"), params={"q": "1"})
    assert response.text == "final"
    assert http.stats.total == 2
    assert httpserver.log[1][0].args.get("q") is None  # the Location carries its own query


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:6379/",
        "http://[::1]/",
        "http://10.0.0.1/",
        "gopher://localhost/",
        "https://evil.example.com/",
    ],
)
def test_redirect_to_forbidden_target_is_refused(
    httpserver: HTTPServer, local_guard: HostGuard, target: str
) -> None:
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": target}))
    http = HttpClient(local_guard)
    with pytest.raises(SsrfError):
        http.request("GET", httpserver.url_for("/a"))
    assert http.stats.total == 1


def test_redirect_to_wikimedia_name_resolving_privately_is_refused(
    httpserver: HTTPServer,
) -> None:
    guard = HostGuard(resolver=lambda host, port: ["10.0.0.7"])
    guard.allow_host(httpserver.host, private_ok=True)
    httpserver.expect_request("/a").respond_with_response(
        Response(status=301, headers={"Location": "https://upload.wikimedia.org/x.png"})
    )
    with pytest.raises(SsrfError) as err:
        HttpClient(guard).request("GET", httpserver.url_for("/a"))
    assert "10.0.0.7" in (err.value.detail or "")


def test_too_many_redirects(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    httpserver.expect_request("/loop").respond_with_response(
        Response(status=307, headers={"Location": "/loop"})
    )
    http = HttpClient(local_guard)
    with pytest.raises(HttpStatusError) as err:
        http.request("GET", httpserver.url_for("/loop"))
    assert err.value.params[0] == "307"
    assert http.stats.total == 6


def test_303_after_post_becomes_get_without_body(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    httpserver.expect_request("/post", method="POST").respond_with_response(
        Response(status=303, headers={"Location": "/result"})
    )
    httpserver.expect_request("/result", method="GET").respond_with_data("done")
    response = HttpClient(local_guard).request("POST", httpserver.url_for("/post"), data={"a": "b"})
    assert response.text == "done"
    assert httpserver.log[1][0].method == "GET"


def test_307_keeps_method_and_body(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    httpserver.expect_request("/post", method="POST").respond_with_response(
        Response(status=307, headers={"Location": "/again"})
    )
    httpserver.expect_request("/again", method="POST").respond_with_data("kept")
    response = HttpClient(local_guard).request("POST", httpserver.url_for("/post"), data={"a": "b"})
    assert response.text == "kept"
    assert httpserver.log[1][0].form["a"] == "b"


def test_cross_host_redirect_drops_credentials(httpserver: HTTPServer) -> None:
    guard = HostGuard()
    guard.allow_host("localhost", private_ok=True)
    guard.allow_host("127.0.0.1", private_ok=True)
    other = f"http://127.0.0.1:{httpserver.port}/b"
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": other}))
    httpserver.expect_request("/b").respond_with_data("b")
    http = HttpClient(guard)
    first = f"http://localhost:{httpserver.port}/a"
    http.request("GET", first, headers={"Authorization": "Bearer x", "X-Other": "kept"})
    first_hop, second_hop = httpserver.log[0][0], httpserver.log[1][0]
    assert first_hop.headers["Authorization"] == "Bearer x"
    assert "Authorization" not in second_hop.headers
    assert second_hop.headers["X-Other"] == "kept"


def test_session_auth_not_sent_to_other_host(httpserver: HTTPServer) -> None:
    guard = HostGuard()
    guard.allow_host("localhost", private_ok=True)
    guard.allow_host("127.0.0.1", private_ok=True)
    other = f"http://127.0.0.1:{httpserver.port}/b"
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": other}))
    httpserver.expect_request("/b").respond_with_data("b")
    http = HttpClient(guard)
    http.session.auth = ("user", "secret")
    http.request("GET", f"http://localhost:{httpserver.port}/a")
    assert httpserver.log[0][0].headers["Authorization"].startswith("Basic ")
    assert "Authorization" not in httpserver.log[1][0].headers


def test_socket_peer_is_checked_after_connect(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name passed check_url, but the socket lands on a loopback address."""
    httpserver.expect_request("/x").respond_with_data("secret")
    guard = HostGuard()
    guard.allow_host(httpserver.host)  # allowed, but NOT private_ok
    monkeypatch.setattr(guard, "check_url", lambda url: None)
    http = HttpClient(guard)
    with pytest.raises(SsrfError) as err:
        http.request("GET", httpserver.url_for("/x"))
    assert "connected to non-public address" in (err.value.detail or "")
    assert httpserver.log == []


def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    guard = HostGuard()
    guard.allow_host("127.0.0.1", private_ok=True)
    with pytest.raises(WikiUnreachableError) as err:
        HttpClient(guard).request("GET", f"http://127.0.0.1:{port}/")
    assert err.value.params == (f"127.0.0.1:{port}",)
    assert "connection" in (err.value.detail or "")


def test_read_timeout_is_unreachable(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(WikiUnreachableError) as err:
        HttpClient(local_guard, timeout=(2, 0.1)).request("GET", httpserver.url_for("/slow"))
    assert "timeout" in (err.value.detail or "")


def test_slow_reads_wait_longer_in_their_thread_only(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("assembled")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    client = HttpClient(local_guard, timeout=(2, 0.1))
    with client.slow_reads(5):
        assert client.request("GET", httpserver.url_for("/slow")).text == "assembled"
        # another thread using the same client keeps the usual read timeout meanwhile
        failures: list[BaseException] = []

        def other() -> None:
            try:
                client.request("GET", httpserver.url_for("/slow"))
            except WikiUnreachableError as error:
                failures.append(error)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert len(failures) == 1
    with pytest.raises(WikiUnreachableError):  # and the window is closed afterwards
        client.request("GET", httpserver.url_for("/slow"))


def test_assembly_read_timeout_grows_with_the_file() -> None:
    assert assembly_read_timeout(0) == 60
    assert assembly_read_timeout(2**30) == 60 + 256  # 1 GiB


def test_non_2xx_is_returned_to_the_caller(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    assert HttpClient(local_guard).request("GET", httpserver.url_for("/gone")).status_code == 404


# --- parameters ------------------------------------------------------------------------------------


def test_encode_params() -> None:
    assert encode_params(
        {"a": ["x", "y"], "b": True, "c": False, "d": None, "e": 3, "f": ("p|q", "r"), "g": "s"}
    ) == {"a": "x|y", "b": "1", "e": "3", "f": "\x1fp|q\x1fr", "g": "s"}


def test_every_get_has_format_and_maxlag(rsps: responses.RequestsMock) -> None:
    rsps.get(API, json={"query": {}})
    api, _ = make_api()
    api.get({"action": "query", "prop": ["info", "imageinfo"], "redirects": True})
    q = query_of(rsps.calls[0])
    assert q == {
        "format": "json",
        "formatversion": "2",
        "errorformat": "plaintext",
        "maxlag": "5",
        "action": "query",
        "prop": "info|imageinfo",
        "redirects": "1",
    }


def test_maxlag_none_is_not_sent(rsps: responses.RequestsMock) -> None:
    rsps.get(API, json={})
    api, _ = make_api(maxlag=None)
    api.get({"action": "query"})
    assert "maxlag" not in query_of(rsps.calls[0])


# --- retries and error mapping -----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [err_plain, err_legacy])
def test_maxlag_retry_honours_retry_after(rsps: responses.RequestsMock, shape: Any) -> None:
    lagged = shape("maxlag", "Waiting for db1: 12 seconds lagged.", lag=12, type="db", host="db1")
    rsps.get(API, json=lagged, headers={"Retry-After": "5", "X-Database-Lag": "12"})
    rsps.get(API, json=lagged, headers={"Retry-After": "7"})
    rsps.get(API, json={"query": {"ok": True}})
    api, sleeps = make_api()
    assert api.get({"action": "query"}) == {"query": {"ok": True}}
    assert sleeps == [5.0, 7.0]
    assert len(rsps.calls) == 3


def test_maxlag_without_retry_after_waits_the_lag(rsps: responses.RequestsMock) -> None:
    rsps.get(API, json=err_plain("maxlag", lag=3))
    rsps.get(API, json=err_plain("maxlag"))
    rsps.get(API, json={})
    api, sleeps = make_api()
    api.get({"action": "query"})
    assert sleeps == [3.0, 5.0]


def test_maxlag_exhausted(rsps: responses.RequestsMock) -> None:
    rsps.get(
        API,
        json=err_legacy("maxlag", "Waiting for db1: 12 seconds lagged.", lag=12),
        headers={"Retry-After": "5"},
    )
    api, sleeps = make_api(max_retries=3)
    with pytest.raises(MaxlagError) as err:
        api.get({"action": "query"})
    assert sleeps == [5.0, 5.0, 5.0]
    assert len(rsps.calls) == 4
    assert err.value.code == "maxlag"
    assert err.value.data["lag"] == 12
    assert err.value.key == "wft-error-maxlag"


def test_ratelimited_backs_off_exponentially_then_succeeds(rsps: responses.RequestsMock) -> None:
    rsps.post(API, json=err_plain("ratelimited", "You've exceeded your rate limit."))
    rsps.post(API, json=err_legacy("ratelimited"))
    rsps.post(API, json={"edit": {"result": "Success"}})
    api, sleeps = make_api(backoff=2.0)
    assert api.post({"action": "edit", "token": "t+\\"})["edit"]["result"] == "Success"
    assert sleeps == [2.0, 4.0]


def test_ratelimited_exhausted(rsps: responses.RequestsMock) -> None:
    rsps.post(API, json=err_plain("ratelimited", "slow down"))
    api, sleeps = make_api(max_retries=4, backoff=1.0)
    with pytest.raises(RateLimitedError) as err:
        api.post({"action": "upload"})
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert err.value.info == "slow down"


def test_backoff_is_capped(rsps: responses.RequestsMock) -> None:
    rsps.post(API, json=err_plain("ratelimited"))
    api, sleeps = make_api(max_retries=9, backoff=1.0)
    with pytest.raises(RateLimitedError):
        api.post({"action": "upload"})
    assert max(sleeps) == 120.0


def test_http_429_backs_off_then_raises(rsps: responses.RequestsMock) -> None:
    rsps.get(API, status=429, body="Too Many Requests")
    api, sleeps = make_api(max_retries=2, backoff=1.5)
    with pytest.raises(RateLimitedError):
        api.get({"action": "query"})
    assert sleeps == [1.5, 3.0]


def test_http_429_retry_after_then_success(rsps: responses.RequestsMock) -> None:
    rsps.get(API, status=429, headers={"Retry-After": "9"})
    rsps.get(API, json={"ok": 1})
    api, sleeps = make_api()
    assert api.get({}) == {"ok": 1}
    assert sleeps == [9.0]


def test_5xx_retried_honouring_retry_after(rsps: responses.RequestsMock) -> None:
    rsps.get(API, status=503, headers={"Retry-After": "3"}, body="<html>busy</html>")
    rsps.get(API, status=502, body="<html>bad gateway</html>")
    rsps.get(API, json={"ok": 1})
    api, sleeps = make_api(backoff=2.0)
    assert api.get({}) == {"ok": 1}
    assert sleeps == [3.0, 4.0]


def test_5xx_exhausted(rsps: responses.RequestsMock) -> None:
    rsps.get(API, status=500)
    api, sleeps = make_api(max_retries=1)
    with pytest.raises(HttpStatusError) as err:
        api.get({})
    assert err.value.params == ("500", API)
    assert len(sleeps) == 1


def test_4xx_is_not_retried(rsps: responses.RequestsMock) -> None:
    rsps.get(API, status=403, body="forbidden")
    api, sleeps = make_api()
    with pytest.raises(HttpStatusError) as err:
        api.get({})
    assert err.value.params[0] == "403"
    assert sleeps == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<!DOCTYPE html><html><head><title>MediaWiki API help</title></head>" + "x" * 500, "text/html"),
        ("[1, 2, 3]", "application/json"),
        ("", "text/plain"),
    ],
)
def test_non_json_answer(rsps: responses.RequestsMock, body: str, content_type: str) -> None:
    rsps.post(API, body=body, content_type=content_type)
    api, _ = make_api()
    with pytest.raises(NotJsonError) as err:
        api.post({"action": "upload"})
    assert err.value.params == ("test.wikipedia.org", content_type)
    assert err.value.detail == body[:200]


def test_html_502_page_with_status_200_after_retries(httpserver: HTTPServer, local_guard: HostGuard) -> None:
    """A real server: a proxy's HTML 502 page, then PHP's HTML help page with status 200."""
    httpserver.expect_ordered_request("/api.php").respond_with_data(
        "<html><body>502 Bad Gateway</body></html>", status=502, content_type="text/html"
    )
    httpserver.expect_ordered_request("/api.php").respond_with_data(
        "<html><title>MediaWiki API help</title></html>", status=200, content_type="text/html; charset=utf-8"
    )
    sleeps: list[float] = []
    api = ApiClient(httpserver.url_for("/api.php"), HttpClient(local_guard), sleep=sleeps.append)
    with pytest.raises(NotJsonError) as err:
        api.post({"action": "upload"}, files={"file": ("a.png", b"x" * 10, "image/png")})
    assert err.value.params[1] == "text/html; charset=utf-8"
    assert "MediaWiki API help" in (err.value.detail or "")
    assert sleeps == [2.0]


@pytest.mark.parametrize("shape", [err_plain, err_legacy])
def test_readonly_is_immediate_with_reason(rsps: responses.RequestsMock, shape: Any) -> None:
    rsps.post(API, json=shape("readonly", "The wiki is currently in read-only mode.", readonlyreason="maint"))
    api, sleeps = make_api()
    with pytest.raises(ReadOnlyError) as err:
        api.post({"action": "upload"})
    assert err.value.info == "maint"
    assert err.value.params == ("readonly", "maint")
    assert "read-only mode" in (err.value.detail or "")
    assert sleeps == []
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "code", ["permissiondenied", "cantupload", "badaccess-groups", "protectedpage", "cantimport", "blocked"]
)
def test_permission_codes(rsps: responses.RequestsMock, code: str) -> None:
    rsps.post(API, json=err_plain(code, "You do not have permission."))
    api, _ = make_api()
    with pytest.raises(PermissionDeniedError) as err:
        api.post({"action": "upload"})
    assert err.value.code == code
    assert err.value.key == "wft-error-permission"


@pytest.mark.parametrize("code", ["assertuserfailed", "mustbeloggedin", "notloggedin"])
def test_not_logged_in_codes(rsps: responses.RequestsMock, code: str) -> None:
    rsps.post(API, json=err_legacy(code, "You are no longer logged in"))
    api, _ = make_api()
    with pytest.raises(NotLoggedInError) as err:
        api.post({"action": "edit"})
    assert err.value.params == ("test.wikipedia.org",)
    assert code in (err.value.detail or "")


def test_other_error_keeps_code_and_data(rsps: responses.RequestsMock) -> None:
    rsps.post(
        API,
        json=err_plain("filetype-banned", ".txt is not allowed", filetype="txt", allowed=["png", "jpg"]),
    )
    api, _ = make_api()
    with pytest.raises(ApiError) as err:
        api.post({"action": "upload"})
    assert type(err.value) is ApiError
    assert err.value.code == "filetype-banned"
    assert err.value.info == ".txt is not allowed"
    assert err.value.data["allowed"] == ["png", "jpg"]


def test_extract_error_shapes() -> None:
    assert extract_error({"query": {}}) is None
    assert extract_error({"errors": []}) is None
    assert extract_error({"errors": [{"code": "x", "html": "<b>y</b>"}]}) == {
        "code": "x",
        "html": "<b>y</b>",
        "text": "<b>y</b>",
    }
    assert extract_error({"error": {"code": "x", "info": "y", "extra": 1}}) == {
        "code": "x",
        "info": "y",
        "extra": 1,
        "text": "y",
    }


def test_parse_retry_after() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    future = datetime.now(UTC) + timedelta(seconds=30)
    assert 20 < (parse_retry_after(format_datetime(future, usegmt=True)) or 0) <= 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00") == 0.0  # naive date in the past


def test_unreachable_get_is_retried_post_is_not() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    guard = HostGuard()
    guard.allow_host("127.0.0.1", private_ok=True)
    sleeps: list[float] = []
    api = ApiClient(f"http://127.0.0.1:{port}/api.php", HttpClient(guard), max_retries=2, sleep=sleeps.append)
    with pytest.raises(WikiUnreachableError):
        api.get({"action": "query"})
    assert sleeps == [2.0, 4.0]
    sleeps.clear()
    with pytest.raises(WikiUnreachableError):
        api.post({"action": "edit"})
    assert sleeps == []


# --- tokens, login, userinfo -------------------------------------------------------------------------


def tokens(rsps: responses.RequestsMock, *values: str) -> None:
    for value in values:
        rsps.get(
            API,
            json={"query": {"tokens": {"csrftoken": value}}},
            match=[responses.matchers.query_param_matcher({"type": "csrf"}, strict_match=False)],
        )


def test_csrf_token_is_cached(rsps: responses.RequestsMock) -> None:
    tokens(rsps, "abc+\\")
    api, _ = make_api()
    assert api.csrf_token() == "abc+\\"
    assert api.csrf_token() == "abc+\\"
    assert len(rsps.calls) == 1


def test_threads_without_a_token_wait_for_one_fetch(rsps: responses.RequestsMock) -> None:
    """Concurrent fetches right after a login each renew the session's token secrets, and all but the
    last token then fail with badtoken: four transfers starting at once must share one fetch."""
    started = threading.Event()

    def slow_token(request: Any) -> tuple[int, dict[str, str], str]:
        started.set()
        time.sleep(0.2)
        return 200, {}, json.dumps({"query": {"tokens": {"csrftoken": "abc+\\"}}})

    rsps.add_callback(responses.GET, API, callback=slow_token)
    api, _ = make_api()
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(api.csrf_token())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert started.is_set() and got == ["abc+\\"] * 4
    assert len(rsps.calls) == 1


def test_a_refresh_for_a_token_already_replaced_takes_the_new_one(rsps: responses.RequestsMock) -> None:
    tokens(rsps, "old+\\", "new+\\", "newer+\\")
    api, _ = make_api()
    assert api.csrf_token() == "old+\\"
    assert api.csrf_token(refresh=True, stale="old+\\") == "new+\\"  # fetched: the failed one was current
    assert api.csrf_token(refresh=True, stale="old+\\") == "new+\\"  # another thread's refresh: no fetch
    assert len(rsps.calls) == 2
    assert api.csrf_token(refresh=True) == "newer+\\"  # no stale token named: always a fetch


def test_anonymous_token_means_not_logged_in(rsps: responses.RequestsMock) -> None:
    tokens(rsps, "+\\")
    api, _ = make_api()
    with pytest.raises(NotLoggedInError) as err:
        api.csrf_token()
    assert err.value.key == "wft-error-not-logged-in"


def test_post_with_token_puts_token_last_and_refreshes_on_badtoken(rsps: responses.RequestsMock) -> None:
    tokens(rsps, "old+\\", "new+\\")
    rsps.post(API, json=err_plain("badtoken", "Invalid CSRF token."))
    rsps.post(API, json={"edit": {"result": "Success"}})
    api, _ = make_api()
    result = api.post_with_token({"action": "edit", "title": "X", "text": "y"})
    assert result == {"edit": {"result": "Success"}}
    posts = [c for c in rsps.calls if c.request.method == "POST"]
    assert [body_of(c)["token"] for c in posts] == ["old+\\", "new+\\"]
    assert list(body_of(posts[1]))[-1] == "token"


def test_badtoken_twice_raises(rsps: responses.RequestsMock) -> None:
    tokens(rsps, "a+\\", "b+\\")
    rsps.post(API, json=err_plain("badtoken"))
    api, _ = make_api()
    with pytest.raises(ApiError) as err:
        api.post_with_token({"action": "edit"})
    assert err.value.code == "badtoken"


def test_post_with_token_other_errors_pass_through(rsps: responses.RequestsMock) -> None:
    tokens(rsps, "a+\\")
    rsps.post(API, json=err_plain("missingtitle"))
    api, _ = make_api()
    with pytest.raises(ApiError) as err:
        api.post_with_token({"action": "edit"})
    assert err.value.code == "missingtitle"
    assert len(rsps.calls) == 2


def login_responses(rsps: responses.RequestsMock, result: dict[str, Any]) -> None:
    rsps.get(API, json={"batchcomplete": True, "query": {"tokens": {"logintoken": "lt+\\"}}})
    rsps.post(API, json={"login": result})


def test_login_success_then_writes_assert_user(rsps: responses.RequestsMock) -> None:
    login_responses(rsps, {"result": "Success", "lguserid": 1, "lgusername": "Admin"})
    rsps.post(API, json={"edit": {"result": "Success"}})
    api, _ = make_api()
    assert not api.logged_in
    api.login("Admin@testbot", "secretbotpassword")
    assert api.logged_in
    login_body = body_of(rsps.calls[1])
    assert login_body["lgname"] == "Admin@testbot"
    assert login_body["lgtoken"] == "lt+\\"
    assert "assert" not in login_body
    api.post({"action": "edit"})
    assert body_of(rsps.calls[2])["assert"] == "user"
    # logging in again (an expired session) must not assert the old session
    login_responses(rsps, {"result": "Success", "lguserid": 1, "lgusername": "Admin"})
    api.login("Admin@testbot", "secretbotpassword")
    assert "assert" not in body_of(rsps.calls[4])
    assert api.logged_in


def test_login_failure(rsps: responses.RequestsMock) -> None:
    login_responses(rsps, {"result": "Failed", "reason": "Incorrect username or password entered."})
    api, _ = make_api()
    with pytest.raises(LoginError) as err:
        api.login("Admin@testbot", "wrong")
    assert err.value.params == ("test.wikipedia.org", "Admin@testbot")
    assert "Incorrect" in (err.value.detail or "")
    assert not api.logged_in


def test_login_failure_with_structured_reason(rsps: responses.RequestsMock) -> None:
    login_responses(rsps, {"result": "Aborted", "reason": {"code": "x", "text": "Use Special:UserLogin"}})
    api, _ = make_api()
    with pytest.raises(LoginError) as err:
        api.login("Admin", "pw")
    assert err.value.detail == "Use Special:UserLogin"


def test_login_without_token(rsps: responses.RequestsMock) -> None:
    rsps.get(API, json={"query": {"tokens": {}}})
    api, _ = make_api()
    with pytest.raises(LoginError):
        api.login("Admin@testbot", "pw")


def test_userinfo(rsps: responses.RequestsMock) -> None:
    rsps.get(
        API,
        json={
            "query": {
                "userinfo": {
                    "id": 3,
                    "name": "Alice",
                    "groups": ["*", "user"],
                    "rights": ["read", "upload", "reupload-own"],
                    "ratelimits": {"upload": {"user": {"hits": 2, "seconds": 60}}},
                }
            }
        },
    )
    api, _ = make_api()
    info = api.userinfo()
    assert info == UserInfo(
        name="Alice",
        anon=False,
        rights=frozenset({"read", "upload", "reupload-own"}),
        groups=frozenset({"*", "user"}),
        ratelimits={"upload": {"user": {"hits": 2, "seconds": 60}}},
    )
    assert api.userinfo() is info
    assert api.logged_in
    assert query_of(rsps.calls[0])["uiprop"] == "rights|groups|ratelimits"


def test_userinfo_anonymous_and_refresh(rsps: responses.RequestsMock) -> None:
    rsps.get(API, json={"query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": True}}})
    api, _ = make_api()
    assert api.userinfo().anon
    assert not api.logged_in
    api.userinfo(refresh=True)
    assert len(rsps.calls) == 2


# --- queries ---------------------------------------------------------------------------------------


def test_query_continue_follows_continue(rsps: responses.RequestsMock) -> None:
    rsps.get(
        API,
        json={"continue": {"aicontinue": "B", "continue": "-||"}, "query": {"allimages": [{"title": "A"}]}},
    )
    rsps.get(API, json={"batchcomplete": True, "query": {"allimages": [{"title": "B"}]}})
    api, _ = make_api()
    got = list(api.query_continue({"list": "allimages"}))
    assert [r["query"]["allimages"][0]["title"] for r in got] == ["A", "B"]
    assert query_of(rsps.calls[0])["action"] == "query"
    assert "aicontinue" not in query_of(rsps.calls[0])
    assert query_of(rsps.calls[1])["aicontinue"] == "B"
    assert query_of(rsps.calls[1])["continue"] == "-||"


def test_query_pages_merges_continuation(rsps: responses.RequestsMock) -> None:
    page = {"pageid": 7, "ns": 6, "title": "File:A.png", "imagerepository": "local"}
    rsps.get(
        API,
        json={
            "continue": {"iistart": "2020", "continue": "||"},
            "query": {
                "normalized": [{"fromencoded": False, "from": "file:a.png", "to": "File:A.png"}],
                "pages": [
                    {**page, "imageinfo": [{"sha1": "3"}, {"sha1": "2"}], "revisions": [{"revid": 5}]},
                    {"ns": 6, "title": "File:Missing.png", "missing": True},
                ],
            },
        },
    )
    rsps.get(
        API,
        json={
            "batchcomplete": True,
            "query": {
                "normalized": [{"fromencoded": False, "from": "file:a.png", "to": "File:A.png"}],
                "pages": [
                    {**page, "imageinfo": [{"sha1": "1"}], "info": {"x": 1}},
                    {"ns": 6, "title": "File:Missing.png", "missing": True},
                ],
            },
        },
    )
    api, _ = make_api()
    pages = list(api.query_pages(["File:Missing.png", "file:a.png"], {"prop": "imageinfo|revisions"}))
    assert [p["title"] for p in pages] == ["File:Missing.png", "File:A.png"]
    merged = pages[1]
    assert [i["sha1"] for i in merged["imageinfo"]] == ["3", "2", "1"]
    assert merged["revisions"] == [{"revid": 5}]
    assert merged["info"] == {"x": 1}
    assert merged["from_title"] == "file:a.png"
    assert "from_title" not in pages[0]
    assert query_of(rsps.calls[0])["titles"] == "File:Missing.png|file:a.png"


def test_query_pages_follows_normalisation_then_redirect(rsps: responses.RequestsMock) -> None:
    rsps.get(
        API,
        json={
            "query": {
                "normalized": [{"from": "file:old.png", "to": "File:Old.png"}],
                "redirects": [{"from": "File:Old.png", "to": "File:New.png"}],
                "pages": [
                    {"pageid": 2, "title": "File:New.png", "categories": [{"title": "C1"}]},
                    {"pageid": 3, "title": "File:Unasked.png"},
                ],
            }
        },
    )
    rsps.get(
        API,
        json={"query": {"pages": [{"pageid": 2, "title": "File:New.png", "categories": [{"title": "C2"}]}]}},
    )
    api, _ = make_api()
    pages = list(api.query_pages(["file:old.png", "File:New.png"], {"redirects": True, "prop": "categories"}))
    assert [p["title"] for p in pages] == ["File:New.png", "File:Unasked.png"]
    assert pages[0]["from_title"] == "file:old.png"
    assert pages[0]["categories"] == [{"title": "C1"}]
    # second batch is a separate request with separate merging
    assert len(rsps.calls) == 1
    assert list(api.query_pages(["File:New.png"], {})) == [
        {"pageid": 2, "title": "File:New.png", "categories": [{"title": "C2"}]}
    ]


def test_query_pages_batches_by_50(rsps: responses.RequestsMock) -> None:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        titles = parse_qs(urlsplit(request.url or "").query)["titles"][0].split("|")
        pages = [{"pageid": int(t.split()[-1]), "title": t} for t in titles]
        return 200, {}, json.dumps({"batchcomplete": True, "query": {"pages": list(reversed(pages))}})

    rsps.add_callback(responses.GET, API, callback=answer)
    titles = [f"File:T {i}" for i in range(120)]
    api, _ = make_api()
    pages = list(api.query_pages(titles, {"prop": "info"}))
    assert len(rsps.calls) == 3
    assert [len(query_of(c)["titles"].split("|")) for c in rsps.calls] == [50, 50, 20]
    assert [p["title"] for p in pages] == titles


def test_https_socket_peer_is_checked_before_tls(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = HostGuard()
    guard.allow_host(httpserver.host)  # not private_ok
    monkeypatch.setattr(guard, "check_url", lambda url: None)
    url = f"https://{httpserver.host}:{httpserver.port}/x"
    with pytest.raises(SsrfError):
        HttpClient(guard).request("GET", url)
    # the same socket to a private_ok host passes the guard and then fails TLS (plain HTTP server)
    guard.allow_host(httpserver.host, private_ok=True)
    with pytest.raises(WikiUnreachableError):
        HttpClient(guard).request("GET", url)


def test_api_warnings_are_not_errors(rsps: responses.RequestsMock) -> None:
    rsps.get(API, json={"warnings": [{"code": "deprecation", "text": "old", "module": "query"}], "query": {}})
    api, _ = make_api()
    assert api.get({"action": "query"})["query"] == {}


def test_query_pages_merges_nested_dicts_and_survives_rename_cycles(rsps: responses.RequestsMock) -> None:
    page = {"pageid": 1, "title": "A"}
    rsps.get(
        API,
        json={
            "continue": {"c": "1"},
            "query": {
                "redirects": [{"from": "B", "to": "C"}, {"from": "C", "to": "B"}],
                "pages": [{**page, "stats": {"a": 1, "deep": {"x": [1]}}}],
            },
        },
    )
    rsps.get(API, json={"query": {"pages": [{**page, "stats": {"b": 2, "deep": {"x": [2]}}}]}})
    api, _ = make_api()
    pages = list(api.query_pages(["B", "A"], {}))
    assert pages == [{"pageid": 1, "title": "A", "stats": {"a": 1, "b": 2, "deep": {"x": [1, 2]}}}]


def test_a_retry_cap_shortens_the_budget_where_someone_waits(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, API, status=502, body="<html>Bad gateway</html>")
    api, waits = make_api(max_retries=5)
    with retries_at_most(1), pytest.raises(HttpStatusError):
        api.get({"action": "query", "meta": "siteinfo"})
    assert len(waits) == 1 and len(rsps.calls) == 2
    rsps.calls.reset()
    waits.clear()
    with pytest.raises(HttpStatusError):  # outside the cap: the client's own budget
        api.get({"action": "query", "meta": "siteinfo"})
    assert len(waits) == 5 and len(rsps.calls) == 6
