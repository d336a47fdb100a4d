"""Bot-password sign-in against the real testbed wikis, and what the signed-in user's wikis then do.

The app knows the testbed wikis the way a self-hosted deployment knows its wikis: from the configuration
file (names and URLs; no accounts, which the web app would ignore anyway).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from wikifile_transfer.accounts.signin import bot_password_sign_in
from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import LoginError, NotLoggedInError
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.store import repo
from wikifile_transfer.store.models import Credential, User
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings

pytestmark = pytest.mark.testbed

ENDPOINT = "/api/v1/auth/botpassword"


@pytest.fixture
def tb_config(testbed: Any) -> Config:
    wikis = {name: WikiConfig(name, wiki["url"]) for name, wiki in testbed.wikis.items()}
    # The operator's own account in the file must never serve a web user.
    wikis["src"] = WikiConfig(
        "src", testbed.wikis["src"]["url"], "Bob@testbot", testbed.users["bob"]["password"]
    )
    return Config(wikis=wikis, contact="tests@localhost")


@pytest.fixture
def web_services(web_services: Services, tb_config: Config) -> Services:
    web_services.config = web_services.context.config = tb_config
    return web_services


@pytest.fixture
def client_for(api_client: Any) -> Any:
    """``client_for(app)``: an Any (CSRF-sending test client) of another app."""
    return lambda app: type(api_client)(app.test_client())


def account(testbed: Any, user: str = "admin") -> tuple[str, str]:
    return testbed.users[user]["login"], testbed.users[user]["password"]


def sign_in(
    client: Any, testbed: Any, wiki: str = "src", user: str = "admin", password: str | None = None
) -> Any:
    login, real = account(testbed, user)
    return client.post(ENDPOINT, json={"wiki": wiki, "username": login, "password": password or real})


def test_a_bot_password_signs_in_and_is_stored_encrypted(
    api_client: Any, testbed: Any, web_services: Services
) -> None:
    before = api_client.token
    response = sign_in(api_client, testbed)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["user"]["username"] == "Admin"  # the account's name on the wiki, without @testbot
    assert (body["user"]["domain"], body["user"]["kind"], body["wiki"], body["linked"]) == (
        "src",
        "botpassword",
        "src",
        False,
    )
    assert body["csrf_token"] != before
    me = api_client.get("/api/v1/me").get_json()
    assert me["user"]["id"] == body["user"]["id"]
    assert me["accounts"] == [{"kind": "botpassword", "wiki": "src", "account": "Admin@testbot"}]
    password = testbed.users["admin"]["password"]
    assert password not in response.get_data(as_text=True)
    with web_services.db.session() as session:
        row = session.scalars(select(Credential)).one()
        assert password.encode() not in row.secret
        stored = repo.load_credential(session, web_services.box, row.user_id, "botpassword", "src")
    assert stored is not None and stored.secret["password"] == password and stored.account == "Admin@testbot"


def test_a_wrong_password_is_refused_and_nothing_is_kept(
    api_client: Any, testbed: Any, web_services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = sign_in(api_client, testbed, password="not-the-password-123")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["key"] == "wft-error-login"
    assert error["params"] == ["src", "Admin@testbot"]
    assert api_client.get("/api/v1/me").get_json()["user"] is None
    with web_services.db.session() as session:
        assert session.scalars(select(User)).all() == []
        assert session.scalars(select(Credential)).all() == []
    assert not any("not-the-password-123" in r.getMessage() + repr(r.args) for r in caplog.records)


def test_the_password_never_reaches_the_logs(
    api_client: Any, testbed: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert sign_in(api_client, testbed).status_code == 200
    api_client.get("/api/v1/me")
    password = testbed.users["admin"]["password"]
    assert any("stored a bot password" in r.getMessage() for r in caplog.records)
    assert not any(password in r.getMessage() + repr(r.args) for r in caplog.records)


def test_the_signed_in_user_acts_with_their_own_password(
    api_client: Any, testbed: Any, web_services: Services
) -> None:
    user_id = sign_in(api_client, testbed, user="alice").get_json()["user"]["id"]
    registry = web_services.context.registry_for(user_id)
    src = registry.get("src")
    assert src.credentials == account(testbed, "alice")  # not the file's Bob@testbot
    src.ensure_login()
    assert src.api.userinfo(refresh=True).name == "Alice"
    commons = registry.get("commons")
    assert not commons.has_account  # nothing stored for commons: read anonymously
    with pytest.raises(NotLoggedInError):
        commons.ensure_login()


def test_a_signed_in_user_can_add_a_second_wiki(
    api_client: Any, testbed: Any, web_services: Services
) -> None:
    user_id = sign_in(api_client, testbed).get_json()["user"]["id"]
    linked = sign_in(api_client, testbed, wiki="commons")
    assert linked.status_code == 200
    body = linked.get_json()
    assert (body["linked"], body["wiki"], body["user"]["id"], body["user"]["domain"]) == (
        True,
        "commons",
        user_id,
        "src",
    )
    me = api_client.get("/api/v1/me").get_json()
    assert me["user"]["id"] == user_id
    assert [(a["kind"], a["wiki"]) for a in me["accounts"]] == [
        ("botpassword", "commons"),
        ("botpassword", "src"),
    ]
    commons = web_services.context.registry_for(user_id).get("commons")
    commons.ensure_login()
    assert commons.api.userinfo(refresh=True).name == "Admin"


def test_wikis_by_url_and_their_guard(api_client: Any, testbed: Any) -> None:
    login, password = account(testbed)
    by_url = api_client.post(
        ENDPOINT, json={"wiki": testbed.wikis["other"]["url"], "username": login, "password": password}
    )
    assert by_url.status_code == 200
    assert by_url.get_json()["wiki"] == "other"  # a configured wiki's URL is that wiki

    for wiki, key in (
        ("no-such-wiki", "wft-error-unknown-wiki"),
        ("http://169.254.169.254/latest/meta-data/", "wft-error-ssrf"),
        ("http://10.0.0.5/wiki/Main_Page", "wft-error-ssrf"),
    ):
        refused = type(api_client)(api_client.raw.application.test_client()).post(
            ENDPOINT, json={"wiki": wiki, "username": login, "password": password}
        )
        assert refused.status_code == 400, wiki
        assert refused.get_json()["error"]["key"] == key, wiki


def test_reserved_names_cannot_be_signed_in_to(
    web_settings: WebSettings, web_services: Services, testbed: Any, client_for: Any
) -> None:
    """A wiki configured as ``local`` would otherwise make its users the CLI's user (who has the
    configuration file's accounts)."""
    config = Config(wikis={"local": WikiConfig("local", testbed.wikis["src"]["url"])})
    web_services.config = web_services.context.config = config
    client = client_for(create_app(web_settings, web_services))
    login, password = account(testbed)
    refused = client.post(ENDPOINT, json={"wiki": "local", "username": login, "password": password})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["key"] == "wft-error-unknown-wiki"


def test_bad_input_is_refused_without_echoing_the_password(api_client: Any) -> None:
    missing = api_client.post(ENDPOINT, json={"wiki": "src", "username": "A@b"})
    assert missing.status_code == 400
    assert missing.get_json()["error"]["key"] == "wft-http-invalid-input"
    long = api_client.post(ENDPOINT, json={"wiki": "src", "username": "A@b", "password": "p" * 501})
    assert long.status_code == 400
    assert "p" * 50 not in long.get_data(as_text=True)
    assert (
        api_client.raw.post(ENDPOINT, json={"wiki": "src", "username": "A", "password": "x"}).status_code
        == 403
    )


def test_bot_password_sign_in_can_be_off(
    web_settings: WebSettings, web_services: Services, client_for: Any
) -> None:
    client = client_for(create_app(replace(web_settings, bot_password_login=False), web_services))
    assert client.get("/api/v1/me").get_json()["sign_in"] == {"oauth": False, "bot_password": False}
    off = client.post(ENDPOINT, json={"wiki": "src", "username": "A@b", "password": "x"})
    assert off.status_code == 404
    assert off.get_json()["error"]["key"] == "wft-error-signin-unavailable"
    start = client.get("/api/v1/auth/oauth/start")
    assert start.status_code == 404 and start.get_json()["error"]["key"] == "wft-error-signin-unavailable"


def test_sessions_and_credentials_stay_apart(
    app: Flask, testbed: Any, web_services: Services, client_for: Any
) -> None:
    admin, alice = client_for(app), client_for(app)
    admin_id = sign_in(admin, testbed).get_json()["user"]["id"]
    alice_id = sign_in(alice, testbed, user="alice").get_json()["user"]["id"]
    assert admin_id != alice_id
    assert [a["account"] for a in alice.get("/api/v1/me").get_json()["accounts"]] == ["Alice@testbot"]
    assert web_services.context.registry_for(alice_id).get("src").credentials == account(testbed, "alice")
    assert web_services.context.registry_for(admin_id).get("src").credentials == account(testbed, "admin")

    out = admin.post("/api/v1/auth/logout", json={"forget": True})
    assert out.get_json()["forgotten"] == 1
    assert admin.get("/api/v1/me").get_json()["user"] is None
    assert alice.get("/api/v1/me").get_json()["user"]["id"] == alice_id  # the other session is untouched
    fresh = JobContext(
        web_services.db, web_services.config, registry_factory=web_services.context.registry_factory
    )
    assert fresh.registry_for(admin_id).get("src").credentials is None  # forgotten: nothing to log in with
    assert fresh.registry_for(alice_id).get("src").credentials == account(testbed, "alice")


def test_sign_in_with_a_cli_style_function(web_services: Services, testbed: Any) -> None:
    """accounts.signin works without Flask (``make demo`` and scripts use it)."""
    login, password = account(testbed, "bob")
    signed = bot_password_sign_in(
        web_services.db,
        web_services.box,
        web_services.config,
        wiki="other",
        username=login,
        password=password,
    )
    assert (signed.username, signed.domain, signed.linked) == ("Bob", "other", False)
    with pytest.raises(LoginError):
        bot_password_sign_in(
            web_services.db,
            web_services.box,
            web_services.config,
            wiki="other",
            username=login,
            password="wrong-password-0",
        )
