"""Signing in with Wikimedia OAuth 2 through the web app, against the provider double.

The browser's part (following redirects to the provider and back) is played with ``requests`` against the
double and the Flask test client for the app, so every step crosses real HTTP where the real one does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from testbed.oauthdouble import DoubleUser, OAuthDouble

from wikifile_transfer.store import repo
from wikifile_transfer.store.models import Credential, User
from wikifile_transfer.web.api import signin
from wikifile_transfer.web.api.signin import CALLBACK_PATH, safe_next
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings

PUBLIC = "http://127.0.0.1:5000"
SECRET = "consumer-secret-for-tests"


@pytest.fixture
def provider() -> Iterator[OAuthDouble]:
    with OAuthDouble(redirect_uris=[PUBLIC + CALLBACK_PATH], client_secret=SECRET) as double:
        yield double


@pytest.fixture
def web_settings(provider: OAuthDouble) -> WebSettings:
    return WebSettings(
        secret_key="x" * 40,
        testing=True,
        public_url=PUBLIC,
        oauth_client_id=provider.client_id,
        oauth_client_secret=SECRET,
        oauth_base=provider.oauth_base,
    )


def at_provider(location: str) -> str:
    """What the browser does at the provider: follow the authorize URL; the redirect back."""
    response = requests.get(location, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def back_to_app(client: FlaskClient, location: str) -> Any:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return client.get(parts.path, query_string=parts.query)


def sign_in(client: FlaskClient, next_path: str | None = "/batches") -> Any:
    start = client.get("/api/v1/auth/oauth/start", query_string={"next": next_path} if next_path else {})
    assert start.status_code == 302
    return back_to_app(client, at_provider(start.headers["Location"]))


def error_of(response: Any) -> str | None:
    assert response.status_code == 302
    values = parse_qs(urlsplit(response.headers["Location"]).query).get("signin_error")
    return values[0] if values else None


def test_start_redirects_to_authorize_with_state_and_an_s256_challenge(
    app: Flask, provider: OAuthDouble
) -> None:
    start = app.test_client().get("/api/v1/auth/oauth/start")
    assert start.status_code == 302
    url = urlsplit(start.headers["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == provider.oauth_base + "/authorize"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["response_type"] == "code"
    assert params["client_id"] == provider.client_id
    assert params["redirect_uri"] == PUBLIC + CALLBACK_PATH
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32
    assert start.headers["Cache-Control"] == "no-store"


def test_a_full_sign_in_stores_encrypted_tokens_and_starts_a_session(
    app: Flask, provider: OAuthDouble, web_services: Services
) -> None:
    client = app.test_client()
    before = client.get("/api/v1/me").get_json()
    assert before["user"] is None and before["sign_in"]["oauth"] is True

    done = sign_in(client, "/batches?page=2")
    assert done.status_code == 302
    assert done.headers["Location"] == PUBLIC + "/batches?page=2"

    me = client.get("/api/v1/me").get_json()
    assert me["user"]["username"] == "Alice"
    assert me["user"]["domain"] == "wikimedia" and me["user"]["kind"] == "oauth"
    assert me["accounts"] == [{"kind": "oauth2", "wiki": "*", "account": "Alice"}]
    assert me["csrf_token"] != before["csrf_token"]  # a new session: no fixation across sign-ins

    token = provider.tokens[-1]
    with web_services.db.session() as session:
        row = session.scalars(select(Credential)).one()
        assert (row.kind, row.wiki, row.account) == ("oauth2", "*", "Alice")
        assert token.access_token.encode() not in row.secret
        assert token.refresh_token is not None and token.refresh_token.encode() not in row.secret
        stored = repo.load_credential(session, web_services.box, row.user_id, "oauth2", "*")
    assert stored is not None
    assert stored.secret["access_token"] == token.access_token
    assert stored.secret["refresh_token"] == token.refresh_token
    assert stored.expires_at is not None
    left = stored.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=3, minutes=58) < left <= dt.timedelta(hours=4)


def test_signing_in_again_is_the_same_user_with_new_tokens(
    app: Flask, provider: OAuthDouble, web_services: Services
) -> None:
    sign_in(app.test_client())
    first = provider.tokens[-1].access_token
    sign_in(app.test_client())
    with web_services.db.session() as session:
        assert len(session.scalars(select(User)).all()) == 1
        row = session.scalars(select(Credential)).one()
        stored = repo.load_credential(session, web_services.box, row.user_id, "oauth2", "*")
    assert stored is not None and stored.secret["access_token"] not in (first, "")


def test_a_renamed_account_signs_in_as_the_same_user_and_its_old_name_is_not_its_key(
    app: Flask, provider: OAuthDouble, web_services: Services
) -> None:
    """Users are keyed by the central id (``sub``): after a global rename the account keeps its user
    (history, credentials) under the new name; another account that takes the old name is a new user."""
    provider.user = DoubleUser("Alice", sub="4242")
    sign_in(app.test_client())
    provider.user = DoubleUser("Alice Renamed", sub="4242")
    client = app.test_client()
    sign_in(client)
    me = client.get("/api/v1/me").get_json()
    assert me["user"]["username"] == "Alice Renamed"
    provider.user = DoubleUser("Alice", sub="9999")
    sign_in(app.test_client())
    with web_services.db.session() as session:
        users = {u.central_id: (u.id, u.username) for u in session.scalars(select(User))}
        owners = {c.user_id: c.account for c in session.scalars(select(Credential))}
    assert [name for _id, name in (users["4242"], users["9999"])] == ["Alice Renamed", "Alice"]
    assert users["4242"][0] != users["9999"][0]
    assert owners == {users["4242"][0]: "Alice Renamed", users["9999"][0]: "Alice"}


def test_tokens_and_verifiers_never_reach_the_browser_or_the_logs(
    app: Flask, provider: OAuthDouble, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    seen: list[str] = []

    def keep(response: Any) -> Any:
        seen.append(response.get_data(as_text=True))
        seen.extend(f"{name}: {value}" for name, value in response.headers.items())
        return response

    start = keep(client.get("/api/v1/auth/oauth/start?next=/x"))
    done = keep(back_to_app(client, at_provider(start.headers["Location"])))
    assert error_of(done) is None
    keep(client.get("/api/v1/me"))
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    keep(client.post("/api/v1/auth/logout", json={}, headers={"X-CSRF-Token": token}))
    # The session cookie is signed, not encrypted: look inside it too.
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    for text in list(seen):
        if text.startswith("Set-Cookie: wft_session="):
            value = text.split("=", 1)[1].split(";", 1)[0]
            if value:
                seen.append(repr(serializer.loads(value)))

    secrets_ = [s for s in provider.issued if s]
    assert len(secrets_) >= 4  # code, access token, refresh token, verifier
    ours = [
        r.getMessage() + repr(r.args) for r in caplog.records if not r.threadName.startswith("oauthdouble")
    ]
    assert any("signed in" in line for line in ours)  # the log does say what happened
    for secret in secrets_:
        assert not any(secret in text for text in seen), "a secret reached the browser"
        assert not any(secret in line for line in ours), "a secret reached the log"


def test_a_callback_with_another_state_is_refused(app: Flask, provider: OAuthDouble) -> None:
    client = app.test_client()
    start = client.get("/api/v1/auth/oauth/start")
    back = urlsplit(at_provider(start.headers["Location"]))
    params = {k: v[0] for k, v in parse_qs(back.query).items()}
    forged = client.get(back.path, query_string={"code": params["code"], "state": "not-the-state"})
    assert error_of(forged) == "wft-error-oauth-state"
    assert client.get("/api/v1/me").get_json()["user"] is None
    # The state was spent by the failed attempt: the genuine callback cannot follow it.
    assert error_of(client.get(back.path, query_string=back.query)) == "wft-error-oauth-state"


def test_a_callback_this_browser_did_not_start_is_refused(app: Flask, provider: OAuthDouble) -> None:
    """Login CSRF: an attacker's own code and state, delivered to the victim's browser."""
    attacker = app.test_client()
    start = attacker.get("/api/v1/auth/oauth/start")
    back = urlsplit(at_provider(start.headers["Location"]))
    victim = app.test_client()
    assert error_of(victim.get(back.path, query_string=back.query)) == "wft-error-oauth-state"
    assert victim.get("/api/v1/me").get_json()["user"] is None


def test_a_callback_cannot_be_replayed(app: Flask, provider: OAuthDouble) -> None:
    client = app.test_client()
    start = client.get("/api/v1/auth/oauth/start")
    back = urlsplit(at_provider(start.headers["Location"]))
    assert error_of(client.get(back.path, query_string=back.query)) is None
    assert error_of(client.get(back.path, query_string=back.query)) == "wft-error-oauth-state"


def test_a_slow_sign_in_expires(app: Flask, provider: OAuthDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signin, "PENDING_MAX_AGE", -1)
    assert error_of(sign_in(app.test_client())) == "wft-error-oauth-state"


def test_denied_and_failed_sign_ins_go_back_with_a_message_key(app: Flask, provider: OAuthDouble) -> None:
    provider.auto_approve = False
    client = app.test_client()
    start = client.get("/api/v1/auth/oauth/start?next=/here")
    denied = requests.post(
        start.headers["Location"], data={"decision": "deny"}, allow_redirects=False, timeout=10
    )
    back = back_to_app(client, denied.headers["Location"])
    assert error_of(back) == "wft-error-oauth-denied"
    assert back.headers["Location"].startswith(PUBLIC + "/here?")
    assert client.get("/api/v1/me").get_json()["user"] is None


def test_a_refused_token_exchange_fails_cleanly(
    web_settings: WebSettings, web_services: Services, provider: OAuthDouble
) -> None:
    app = create_app(replace(web_settings, oauth_client_secret="wrong"), web_services)
    client = app.test_client()
    assert error_of(sign_in(client)) == "wft-error-oauth-failed"
    assert client.get("/api/v1/me").get_json()["user"] is None


def test_a_blocked_or_odd_profile_still_signs_in_by_name(
    app: Flask, provider: OAuthDouble, web_services: Services
) -> None:
    provider.user = DoubleUser("Bob Example", blocked=True)
    assert error_of(sign_in(app.test_client())) is None
    with web_services.db.session() as session:
        assert session.scalars(select(User.username)).all() == ["Bob Example"]


@pytest.mark.parametrize(
    "value",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "x", "/a\nb", ""],
)
def test_next_never_leaves_the_service(app: Flask, provider: OAuthDouble, value: str) -> None:
    assert safe_next(value) == "/"
    assert sign_in(app.test_client(), value).headers["Location"] == PUBLIC + "/"


def test_next_keeps_paths_of_the_service() -> None:
    assert safe_next("/batches/3?x=1#top") == "/batches/3?x=1#top"
    assert safe_next(None) == "/"


def test_sign_out_keeps_tokens_unless_asked_to_forget(
    app: Flask, provider: OAuthDouble, web_services: Services
) -> None:
    client = app.test_client()
    sign_in(client)
    user_id = client.get("/api/v1/me").get_json()["user"]["id"]
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    assert client.post("/api/v1/auth/logout", json={}).status_code == 403  # CSRF applies
    out = client.post("/api/v1/auth/logout", json={}, headers={"X-CSRF-Token": token})
    assert out.status_code == 200
    assert out.get_json()["forgotten"] == 0
    me = client.get("/api/v1/me").get_json()
    assert me["user"] is None and me["accounts"] == []
    assert out.get_json()["csrf_token"] == me["csrf_token"] != token
    with web_services.db.session() as session:
        assert [c.kind for c in repo.list_credentials(session, user_id)] == ["oauth2"]  # batches go on

    sign_in(client)
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    out = client.post("/api/v1/auth/logout", json={"forget": True}, headers={"X-CSRF-Token": token})
    assert out.get_json()["forgotten"] == 1
    with web_services.db.session() as session:
        assert repo.list_credentials(session, user_id) == []
