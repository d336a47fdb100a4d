"""The web service's protections, each tested so that removing it fails a test.

CSRF, cookies and headers, rate limits per user, input validation at the edge. (SSRF: test_ssrf.py.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace

import pytest
from flask import Flask
from tests.web.support import SignedIn, make_user, with_probe

from wikifile_transfer.web.app import CSP, MAX_BODY, create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings


@pytest.fixture
def probe_app(web_settings: WebSettings, web_services: Services) -> Flask:
    return with_probe(create_app(web_settings, web_services))


def limited_app(settings: WebSettings, services: Services, **limits: str) -> Flask:
    return with_probe(create_app(replace(settings, **limits), services))


def error_key(response) -> str:
    return str(response.get_json()["error"]["key"])


# --- CSRF --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_state_changing_method_needs_the_token(probe_app: Flask, web_db, method: str) -> None:
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    call = getattr(client.raw, method)
    refused = call("/api/v1/probe/expensive", json={"title": "X"})
    assert refused.status_code == 403 and error_key(refused) == "wft-http-csrf"
    passed = call("/api/v1/probe/expensive", json={"title": "X"}, headers={"X-CSRF-Token": client.token})
    assert passed.status_code != 403


def test_csrf_is_checked_before_the_body_is_validated_or_the_view_runs(probe_app: Flask, web_db) -> None:
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    response = client.raw.post("/api/v1/probe/expensive", data="{not json", content_type="application/json")
    assert response.status_code == 403 and error_key(response) == "wft-http-csrf"


def test_a_token_of_another_session_is_refused(probe_app: Flask, web_db) -> None:
    alice = SignedIn(probe_app, make_user(web_db, "Alice"))
    bob = SignedIn(probe_app, make_user(web_db, "Bob"))
    response = alice.raw.post(
        "/api/v1/probe/expensive", json={"title": "X"}, headers={"X-CSRF-Token": bob.token}
    )
    assert response.status_code == 403


def test_no_session_means_no_valid_token(probe_app: Flask) -> None:
    client = probe_app.test_client()
    for token in ("", "anything", "null"):
        response = client.post("/api/v1/probe/sign-in", headers={"X-CSRF-Token": token})
        assert response.status_code == 403 and error_key(response) == "wft-http-csrf"


def test_a_token_in_the_body_or_query_is_not_enough(probe_app: Flask, web_db) -> None:
    """A cross-site form can put anything into its body or URL, never into a header."""
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    form = client.raw.post(
        "/api/v1/probe/sign-in", data={"csrf_token": client.token, "X-CSRF-Token": client.token}
    )
    assert form.status_code == 403
    query = client.raw.post(f"/api/v1/probe/sign-in?csrf_token={client.token}")
    assert query.status_code == 403


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:5000.evil.example"])
def test_a_foreign_origin_is_refused_even_with_the_token(probe_app: Flask, web_db, origin: str) -> None:
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    response = client.post("/api/v1/probe/sign-in", headers={"Origin": origin})
    assert response.status_code == 403 and error_key(response) == "wft-http-csrf"
    assert (
        client.post("/api/v1/probe/sign-in", headers={"Origin": "http://127.0.0.1:5000"}).status_code == 200
    )


# --- cookies and headers -------------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_samesite_and_holds_no_secret(app: Flask) -> None:
    response = app.test_client().get("/api/v1/me")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("wft_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    # signed, not encrypted: it must carry nothing but the CSRF token (and, signed in, the user id)
    payload = cookie.split("=", 1)[1].split(";", 1)[0].split(".")[0]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) <= {"csrf", "user_id", "_permanent"}


def test_a_tampered_session_cookie_is_ignored(app: Flask, web_db) -> None:
    client = SignedIn(app, make_user(web_db, "Alice"))
    assert client.get("/api/v1/me").get_json()["user"]["username"] == "Alice"
    cookie = client.raw.get_cookie("wft_session")
    assert cookie is not None
    client.raw.set_cookie(
        "wft_session", cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB")
    )
    assert client.get("/api/v1/me").get_json()["user"] is None


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/nowhere", "/healthz", "/api/v1/openapi.json"])
def test_security_headers_on_every_kind_of_answer(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])


def test_the_csp_allows_no_inline_or_foreign_script() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in CSP


@pytest.mark.parametrize("page", ["swagger", "redoc", "scalar"])
def test_the_docs_pages_scripts_are_allowed_by_hash_and_nothing_else(app: Flask, page: str) -> None:
    response = app.test_client().get(f"/api/v1/docs/{page}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src")).split()[1:]
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.DOTALL)
    assert inline, "the docs page has inline scripts"
    wanted = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline
    }
    assert set(script_src) == {"'self'", *wanted}
    assert "'unsafe-inline'" not in " ".join(script_src)


def test_hsts_only_behind_https(app: Flask, web_settings: WebSettings, web_services: Services) -> None:
    assert "Strict-Transport-Security" not in app.test_client().get("/api/v1/me").headers
    secure = create_app(replace(web_settings, public_url="https://wft.toolforge.org"), web_services)
    response = secure.test_client().get("/api/v1/me", base_url="https://wft.toolforge.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in response.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(
    web_settings: WebSettings, web_services: Services
) -> None:
    app = limited_app(web_settings, web_services, ratelimit_sign_in="1/minute", proxy_count=1)
    client = app.test_client()
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    assert (
        client.post(
            "/api/v1/probe/sign-in", headers={**headers, "X-Forwarded-For": "203.0.113.1"}
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/v1/probe/sign-in", headers={**headers, "X-Forwarded-For": "203.0.113.2"}
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/v1/probe/sign-in", headers={**headers, "X-Forwarded-For": "203.0.113.1"}
        ).status_code
        == 429
    )


# --- rate limits ---------------------------------------------------------------------------------------


def test_expensive_endpoints_are_limited_per_user_with_a_429_in_the_error_shape(
    web_settings: WebSettings, web_services: Services, web_db
) -> None:
    app = limited_app(web_settings, web_services, ratelimit_expensive="2/minute")
    alice = SignedIn(app, make_user(web_db, "Alice"))
    bob = SignedIn(app, make_user(web_db, "Bob"))  # same address as Alice: counted apart all the same
    assert alice.post("/api/v1/probe/expensive", json={"title": "A"}).status_code == 200
    assert alice.post("/api/v1/probe/expensive-too").status_code == 200  # one budget for all expensive ones
    refused = alice.post("/api/v1/probe/expensive", json={"title": "A"})
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"]["key"] == "wft-http-too-many-requests"
    assert body["error"]["message"] and body["request_id"] == refused.headers["X-Request-Id"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # rounded up: never too early
    assert alice.post("/api/v1/probe/expensive-too").status_code == 429
    assert bob.post("/api/v1/probe/expensive", json={"title": "B"}).status_code == 200
    # cheap endpoints are not part of that budget
    assert alice.get("/api/v1/me").status_code == 200


def test_the_limit_is_checked_before_validation_so_bad_requests_count_too(
    web_settings: WebSettings, web_services: Services, web_db
) -> None:
    app = limited_app(web_settings, web_services, ratelimit_expensive="1/minute")
    alice = SignedIn(app, make_user(web_db, "Alice"))
    assert alice.post("/api/v1/probe/expensive", json={"nonsense": 1}).status_code == 400
    assert alice.post("/api/v1/probe/expensive", json={"title": "ok"}).status_code == 429


def test_without_a_user_the_address_is_counted(web_settings: WebSettings, web_services: Services) -> None:
    app = limited_app(web_settings, web_services, ratelimit_sign_in="2/minute")

    def attempt(address: str) -> int:
        client = app.test_client()
        token = client.get("/api/v1/me").get_json()["csrf_token"]
        return int(
            client.post(
                "/api/v1/probe/sign-in",
                headers={"X-CSRF-Token": token},
                environ_base={"REMOTE_ADDR": address},
            ).status_code
        )

    assert [attempt("198.51.100.7") for _ in range(3)] == [200, 200, 429]  # new sessions do not help
    assert attempt("198.51.100.8") == 200


def test_every_api_request_of_a_user_has_an_overall_budget(
    web_settings: WebSettings, web_services: Services, web_db
) -> None:
    app = limited_app(web_settings, web_services, ratelimit_api="3/minute")
    alice = SignedIn(app, make_user(web_db, "Alice"))
    assert [alice.get("/api/v1/me").status_code for _ in range(4)] == [200, 200, 200, 429]
    # not the health check, and not someone else
    assert alice.get("/healthz").status_code == 200
    assert SignedIn(app, make_user(web_db, "Bob")).get("/api/v1/me").status_code == 200


def test_a_dead_limiter_storage_does_not_take_the_api_down(
    web_settings: WebSettings, web_services: Services, web_db
) -> None:
    app = limited_app(
        web_settings, web_services, ratelimit_storage="redis://127.0.0.1:1/0", ratelimit_expensive="1/minute"
    )
    alice = SignedIn(app, make_user(web_db, "Alice"))
    assert alice.post("/api/v1/probe/expensive", json={"title": "A"}).status_code == 200
    # counting goes on in memory meanwhile
    assert alice.post("/api/v1/probe/expensive", json={"title": "A"}).status_code == 429


def test_limits_from_the_environment_are_checked() -> None:
    env = {"WFT_SECRET_KEY": "k" * 40, "WFT_RATELIMIT_EXPENSIVE": "5 per minute;50/hour"}
    assert WebSettings.from_env(env).ratelimit_expensive == "5 per minute;50/hour"
    with pytest.raises(Exception, match="WFT_RATELIMIT_EXPENSIVE"):
        WebSettings.from_env({**env, "WFT_RATELIMIT_EXPENSIVE": "lots"})
    with pytest.raises(Exception, match="WFT_PROXY_COUNT"):
        WebSettings.from_env({**env, "WFT_PROXY_COUNT": "-1"})


# --- input validation at the edge ----------------------------------------------------------------------


def test_an_oversize_body_is_refused(probe_app: Flask, web_db) -> None:
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    big = b'{"title": "' + b"x" * (MAX_BODY + 10) + b'"}'
    response = client.post("/api/v1/probe/expensive", data=big, content_type="application/json")
    assert response.status_code == 413 and error_key(response) == "wft-http-too-large"
    # a sign-in endpoint (no JSON model) as well: the limit is the app's, not the view's
    response = client.post("/api/v1/probe/sign-in", data=big, content_type="application/json")
    assert response.status_code == 413


@pytest.mark.parametrize("body", ["{not json", '{"title": "x"', "\xff\xfe", "[1, 2"])
def test_invalid_json_is_a_400_with_its_own_key(probe_app: Flask, web_db, body: str) -> None:
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    response = client.post(
        "/api/v1/probe/expensive", data=body.encode("latin-1"), content_type="application/json"
    )
    assert response.status_code == 400 and error_key(response) == "wft-http-invalid-json"


def test_a_body_that_is_not_json_is_a_415(probe_app: Flask, web_db) -> None:
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    for content_type, data in (
        ("text/plain", '{"title": "x"}'),
        ("application/x-www-form-urlencoded", "title=x"),
    ):
        response = client.post("/api/v1/probe/expensive", data=data, content_type=content_type)
        assert response.status_code == 415 and error_key(response) == "wft-http-unsupported-media-type"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"title": "é" * 128}, "title"),  # 256 bytes of UTF-8: one more than MediaWiki allows
        ({"title": "x" * 100_000}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "X", "lang": "<script>"}, "lang"),
        ({"title": "X", "lang": "EN"}, "lang"),
        ({"title": "X", "lang": "a" * 40}, "lang"),
        ({"title": "X", "urls": ["https://x.example/"] * 5001}, "urls"),
        ({"title": "X", "urls": []}, "urls"),
        ({"title": "X", "urls": ["u" * 3000]}, "urls"),
        ({"title": ["X"]}, "title"),
    ],
)
def test_absurd_input_is_a_400_with_a_key_naming_the_field(
    probe_app: Flask, web_db, body, where: str
) -> None:
    client = SignedIn(probe_app, make_user(web_db, "Alice"))
    response = client.post("/api/v1/probe/expensive", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["key"] == "wft-http-invalid-input"
    assert error["params"][0].startswith(where)


def test_valid_input_passes(probe_app: Flask, web_db) -> None:
    user = make_user(web_db, "Alice")
    client = SignedIn(probe_app, user)
    body = {"title": "é" * 127, "lang": "zh-min-nan", "urls": ["https://x.example/"] * 5000}
    response = client.post("/api/v1/probe/expensive", json=body)
    assert response.status_code == 200 and response.get_json() == {"ok": True, "user": user}


def test_a_bad_uselang_falls_back_instead_of_being_echoed(app: Flask) -> None:
    for code in ("<script>alert(1)</script>", "x" * 500, "../../etc/passwd", "EN_us"):
        body = app.test_client().get("/api/v1/me", query_string={"uselang": code}).get_json()
        assert body["lang"] in ("en", "en-us")
