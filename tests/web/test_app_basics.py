"""The app's common behaviour: session info, CSRF, error shape, headers, the OpenAPI document."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from wikifile_transfer.web.app import create_app
from wikifile_transfer.wiki.api import RETRY_CAP


def test_me_without_a_session_gives_a_csrf_token_and_the_sign_in_options(app: Flask) -> None:
    response = app.test_client().get("/api/v1/me")
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] is None
    assert len(body["csrf_token"]) > 20
    assert body["sign_in"] == {"oauth": False, "bot_password": True}
    assert body["lang"] == "en"


def test_language_follows_uselang_then_accept_language(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/api/v1/me?uselang=de").get_json()["lang"] == "de"
    assert (
        client.get("/api/v1/me", headers={"Accept-Language": "de-CH, en;q=0.5"}).get_json()["lang"] == "de-ch"
    )
    assert client.get("/api/v1/me?uselang=<script>").get_json()["lang"] == "en"


def test_browser_chinese_tags_read_the_script_variant_files(app: Flask) -> None:
    client = app.test_client()

    def lang(header: str) -> str:
        return str(client.get("/api/v1/me", headers={"Accept-Language": header}).get_json()["lang"])

    assert lang("zh-TW") == lang("zh-Hant-HK") == lang("zh-hk") == "zh-hant"
    assert lang("zh-CN") == lang("zh") == lang("zh-Hans-SG") == "zh-hans"
    assert client.get("/api/v1/me?uselang=zh-tw").get_json()["lang"] == "zh-hant"
    # another Chinese language is not a script variant of Mandarin: no file, so English
    assert lang("zh-yue") == "en"


def test_state_changing_requests_need_the_csrf_token(app: Flask) -> None:
    client = app.test_client()
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    refused = client.post("/api/v1/me")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["key"] == "wft-http-csrf"
    wrong = client.post("/api/v1/me", headers={"X-CSRF-Token": token + "x"})
    assert wrong.status_code == 403
    foreign = client.post("/api/v1/me", headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert foreign.status_code == 403
    allowed = client.post("/api/v1/me", headers={"X-CSRF-Token": token})
    assert allowed.status_code == 405  # past the CSRF check: /me only answers GET
    assert allowed.get_json()["error"]["key"] == "wft-http-method-not-allowed"


def test_errors_are_json_with_a_key_and_a_translated_message(app: Flask) -> None:
    response = app.test_client().get("/api/v1/no-such-thing?uselang=de")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["key"] == "wft-http-not-found"
    assert body["error"]["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_an_unexpected_error_leaks_no_stack_trace(app: Flask) -> None:
    @app.get("/api/v1/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text
    assert response.get_json()["error"]["key"] == "wft-http-internal-error"
    assert response.get_json()["error"]["params"] == ["req-42"]


def test_security_headers(app: Flask) -> None:
    response = app.test_client().get("/api/v1/me")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http://127.0.0.1 in tests


def test_cookies_are_secure_behind_https(web_settings, web_services) -> None:
    app = create_app(replace(web_settings, public_url="https://wft.toolforge.org"), web_services)
    response = app.test_client().get("/api/v1/me")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_openapi_document_describes_the_api(app: Flask) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/me" in spec["paths"]
    assert app.test_client().get("/api/v1/docs/swagger/").status_code == 200


def test_wiki_calls_made_while_someone_waits_retry_once(app: Flask) -> None:
    """The API answers a person: a broken wiki is explained after one retry (wiki.api.RETRY_CAP), and the
    cap is lifted afterwards so background work in the same thread keeps its budget."""
    app.add_url_rule("/api/v1/_cap", "cap", lambda: {"cap": RETRY_CAP.get()})
    assert app.test_client().get("/api/v1/_cap").get_json() == {"cap": 1}
    assert RETRY_CAP.get() is None
