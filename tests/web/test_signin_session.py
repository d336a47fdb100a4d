"""The session side of signing in: /me per kind of user, the ``sign_in_as`` test helper, forged cookies,
and one user's credentials never serving another (no wiki or provider needed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from wikifile_transfer.accounts.tokens import StoredTokens
from wikifile_transfer.errors import SignInExpiredError
from wikifile_transfer.jobs.runner import TEMPORARY_ERRORS
from wikifile_transfer.store import repo
from wikifile_transfer.store.models import User
from wikifile_transfer.web.api.meta import UserOut
from wikifile_transfer.web.services import Services


def test_sign_in_as_gives_a_signed_in_client(api_client: Any, sign_in_as: Callable[..., int]) -> None:
    anonymous_token = api_client.get("/api/v1/me").get_json()["csrf_token"]
    user_id = sign_in_as(api_client, "Alice")
    me = api_client.get("/api/v1/me").get_json()
    assert me["user"] == {
        "id": user_id,
        "username": "Alice",
        "domain": "wikimedia",
        "lang": None,
        "kind": "oauth",
    }
    assert me["accounts"] == []
    assert me["csrf_token"] != anonymous_token
    out = api_client.post("/api/v1/auth/logout", json={})
    assert out.status_code == 200  # the client sent the new session's token
    assert api_client.get("/api/v1/me").get_json()["user"] is None


def test_me_says_how_each_kind_of_user_signed_in(app: Flask, sign_in_as: Callable[..., int]) -> None:
    for domain, kind in (("wikimedia", "oauth"), ("src", "botpassword"), ("local", "local")):
        client = app.test_client()
        sign_in_as(client, "Someone", domain)
        assert client.get("/api/v1/me").get_json()["user"]["kind"] == kind
    assert UserOut(id=1, username="x", domain="tb").kind == "botpassword"


def test_a_forged_or_foreign_session_cookie_signs_nobody_in(
    app: Flask, sign_in_as: Callable[..., int]
) -> None:
    user_id = sign_in_as(app.test_client(), "Alice")
    genuine = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    foreign = URLSafeTimedSerializer(
        "another-secret-key" * 3, salt="cookie-session", signer_kwargs=genuine.signer_kwargs
    )
    for serializer, signed_in in ((genuine, True), (foreign, False)):
        client = app.test_client()
        client.set_cookie("wft_session", serializer.dumps({"user_id": user_id}))
        user = client.get("/api/v1/me").get_json()["user"]
        assert (user is not None) is signed_in


def test_a_deleted_user_is_nobody(app: Flask, web_services: Services, sign_in_as: Callable[..., int]) -> None:
    client = app.test_client()
    user_id = sign_in_as(client, "Gone")
    with web_services.db.session() as session:
        session.delete(session.get(User, user_id))
    assert client.get("/api/v1/me").get_json()["user"] is None


def test_each_user_gets_only_their_own_credentials(
    app: Flask, web_services: Services, sign_in_as: Callable[..., int]
) -> None:
    alice, bob = app.test_client(), app.test_client()
    alice_id, bob_id = sign_in_as(alice, "Alice"), sign_in_as(bob, "Bob")
    with web_services.db.session() as session:
        for user_id, name in ((alice_id, "Alice"), (bob_id, "Bob")):
            repo.save_credential(
                session,
                web_services.box,
                user_id,
                "oauth2",
                "*",
                account=name,
                secret={"access_token": f"token-of-{name}", "refresh_token": f"refresh-of-{name}"},
            )
    assert [a["account"] for a in alice.get("/api/v1/me").get_json()["accounts"]] == ["Alice"]
    assert [a["account"] for a in bob.get("/api/v1/me").get_json()["accounts"]] == ["Bob"]
    body = alice.get("/api/v1/me").get_data(as_text=True)
    assert "token-of" not in body and "refresh-of" not in body

    alice_wikis = web_services.context.registry_for(alice_id)
    bob_wikis = web_services.context.registry_for(bob_id)
    assert alice_wikis is not bob_wikis
    alice_tokens, bob_tokens = alice_wikis.get("commons").api.auth, bob_wikis.get("commons").api.auth
    assert isinstance(alice_tokens, StoredTokens) and isinstance(bob_tokens, StoredTokens)
    assert alice_tokens.access_token() == "token-of-Alice"
    assert bob_tokens.access_token() == "token-of-Bob"


def test_a_dead_sign_in_is_a_401_with_its_own_key_and_final_for_workers(app: Flask) -> None:
    @app.get("/api/v1/probe-expired")
    def probe() -> str:
        raise SignInExpiredError("commons.wikimedia.org", detail="refresh refused: invalid_grant")

    response = app.test_client().get("/api/v1/probe-expired")
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert (error["key"], error["params"]) == ("wft-error-signin-expired", ["commons.wikimedia.org"])
    assert "invalid_grant" not in response.get_data(as_text=True)
    # A worker does not retry it: only signing in again helps.
    assert not issubclass(SignInExpiredError, TEMPORARY_ERRORS)
