"""The OAuth 2 client's failures become the project's errors (never the request body, which holds the
code or the refresh token); the happy paths are tested against the provider double (tests/web)."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from pytest_httpserver import HTTPServer

from wikifile_transfer.errors import (
    HttpStatusError,
    NotJsonError,
    OAuthError,
    SignInExpiredError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki.oauth2 import OAuthConsumer, TokenSet, WikimediaOAuth, new_verifier

BASE = "/w/rest.php/oauth2"


def client(server: HTTPServer, secret: str | None = "s3cret") -> WikimediaOAuth:
    return WikimediaOAuth(OAuthConsumer("app", secret, server.url_for(BASE)), contact="tests@localhost")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_consumer_and_its_endpoints() -> None:
    consumer = OAuthConsumer("app", None)
    assert consumer.authorize_url.endswith("/oauth2/authorize") and consumer.token_url.endswith(
        "/access_token"
    )
    assert not consumer.confidential and OAuthConsumer("app", "x").confidential
    assert "x" not in repr(OAuthConsumer("app", "x"))
    assert len(new_verifier()) == 86


def test_token_endpoint_failures(httpserver: HTTPServer) -> None:
    oauth = client(httpserver)
    httpserver.expect_oneshot_request(f"{BASE}/access_token").respond_with_data("boom", status=500)
    with pytest.raises(HttpStatusError) as status:
        oauth.exchange_code("the-code", "http://127.0.0.1/cb", new_verifier())
    assert status.value.params[0] == "500" and "the-code" not in str(status.value)

    httpserver.expect_oneshot_request(f"{BASE}/access_token").respond_with_data("<html>hi</html>")
    with pytest.raises(NotJsonError):
        oauth.exchange_code("the-code", "http://127.0.0.1/cb", new_verifier())

    httpserver.expect_oneshot_request(f"{BASE}/access_token").respond_with_json({"token_type": "Bearer"})
    with pytest.raises(OAuthError) as empty:
        oauth.exchange_code("the-code", "http://127.0.0.1/cb", new_verifier())
    assert empty.value.params == ("invalid_response",)

    httpserver.expect_oneshot_request(f"{BASE}/access_token").respond_with_json(
        {"error": "invalid_client", "error_description": "Client authentication failed"}, status=401
    )
    with pytest.raises(OAuthError) as refused:  # the consumer is wrong, not the user's tokens
        oauth.refresh("the-refresh-token")
    assert refused.value.params == ("invalid_client",) and "the-refresh-token" not in str(refused.value)


def test_a_token_without_expiry_never_counts_as_expiring(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"{BASE}/access_token").respond_with_json(
        {"access_token": "a", "token_type": "Bearer"}
    )
    tokens = client(httpserver, None).refresh("r")
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_at) == ("a", "r", None)
    assert not tokens.expires_within(10**9)
    soon = TokenSet("secret-access", "secret-refresh", dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
    assert soon.expires_within(60) and not soon.expires_within(10)
    assert "secret" not in repr(soon)


def test_profile_failures(httpserver: HTTPServer) -> None:
    oauth = client(httpserver)
    httpserver.expect_oneshot_request(f"{BASE}/resource/profile").respond_with_data("x", status=401)
    with pytest.raises(SignInExpiredError):
        oauth.profile("t")
    httpserver.expect_oneshot_request(f"{BASE}/resource/profile").respond_with_data("x", status=503)
    with pytest.raises(HttpStatusError):
        oauth.profile("t")
    httpserver.expect_oneshot_request(f"{BASE}/resource/profile").respond_with_data("<html></html>")
    with pytest.raises(NotJsonError):
        oauth.profile("t")
    httpserver.expect_oneshot_request(f"{BASE}/resource/profile").respond_with_json(
        {"sub": 7, "username": "Zoë", "editcount": True, "groups": None}
    )
    profile = oauth.profile("t")
    assert (profile.sub, profile.username, profile.editcount, profile.groups) == ("7", "Zoë", None, ())
    assert httpserver.log[-1][0].headers["Authorization"] == "Bearer t"
    assert httpserver.log[-1][0].headers["User-Agent"].startswith("wikifile-transfer/")


def test_an_unreachable_provider_is_a_temporary_failure() -> None:
    oauth = WikimediaOAuth(
        OAuthConsumer("app", None, f"http://127.0.0.1:{closed_port()}{BASE}"), timeout=(2, 2)
    )
    with pytest.raises(WikiUnreachableError):
        oauth.refresh("r")
    with pytest.raises(WikiUnreachableError):
        oauth.profile("t")
