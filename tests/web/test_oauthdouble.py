"""The OAuth 2 provider double refuses what a real server (RFC 6749 / RFC 7636, Wikimedia) refuses.

Each test drives the double with plain HTTP, as a client that gets things wrong would, so that the sign-in
tests that pass against it mean something.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from testbed.oauthdouble import OAuthDouble

CALLBACK = "http://127.0.0.1:5000/api/v1/auth/oauth/callback"


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def double() -> Iterator[OAuthDouble]:
    with OAuthDouble(redirect_uris=[CALLBACK], client_secret="s3cret") as provider:
        provider.add_client("public-app", None, [CALLBACK])
        yield provider


def authorize(double: OAuthDouble, **overrides: Any) -> requests.Response:
    params = {
        "response_type": "code",
        "client_id": double.client_id,
        "redirect_uri": CALLBACK,
        "state": "xyz",
        "code_challenge": challenge("v" * 50),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    return requests.get(f"{double.oauth_base}/authorize", params=params, allow_redirects=False, timeout=10)


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def code_for(double: OAuthDouble, verifier: str = "v" * 50, **overrides: Any) -> str:
    params = redirect_params(authorize(double, code_challenge=challenge(verifier), **overrides))
    assert params["state"] == overrides.get("state", "xyz")
    return params["code"]


def token(double: OAuthDouble, **data: Any) -> requests.Response:
    body = {"client_id": double.client_id, "client_secret": "s3cret", **data}
    body = {k: v for k, v in body.items() if v is not None}
    return requests.post(f"{double.oauth_base}/access_token", data=body, timeout=10)


def exchange(
    double: OAuthDouble, code: str, verifier: str | None = "v" * 50, **data: Any
) -> requests.Response:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    return token(double, **{**body, **data})


def test_a_well_formed_flow_gives_tokens_and_a_profile(double: OAuthDouble) -> None:
    response = exchange(double, code_for(double))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 14400
    assert body["access_token"] and body["refresh_token"]
    profile = requests.get(
        f"{double.oauth_base}/resource/profile",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=10,
    )
    assert profile.status_code == 200
    data = profile.json()
    assert data["username"] == "Alice"
    assert {
        "sub",
        "editcount",
        "confirmed_email",
        "blocked",
        "registered",
        "groups",
        "rights",
        "grants",
    } <= set(data)
    assert "uploadfile" in data["grants"]


def test_unknown_client_or_redirect_uri_gets_a_page_never_a_redirect(double: OAuthDouble) -> None:
    unknown = authorize(double, client_id="nobody")
    assert unknown.status_code == 400 and "Location" not in unknown.headers
    assert unknown.json()["error"] == "invalid_client"
    elsewhere = authorize(double, redirect_uri="https://evil.example/cb")
    assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers
    assert elsewhere.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
    ],
)
def test_bad_authorization_requests_go_back_with_an_error(
    double: OAuthDouble, overrides: dict[str, Any], error: str
) -> None:
    params = redirect_params(authorize(double, **overrides))
    assert params["error"] == error
    assert params["state"] == "xyz"
    assert "code" not in params


def test_a_wrong_or_missing_verifier_is_invalid_grant(double: OAuthDouble) -> None:
    wrong = exchange(double, code_for(double), verifier="w" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = exchange(double, code_for(double), verifier=None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    public = token(
        double,
        client_id="public-app",
        client_secret=None,
        grant_type="authorization_code",
        code=code_for(double, client_id="public-app"),
        redirect_uri=CALLBACK,
    )
    assert public.status_code == 400 and public.json()["error"] == "invalid_grant"


def test_codes_are_single_use_and_a_reuse_revokes_what_they_gave(double: OAuthDouble) -> None:
    code = code_for(double)
    first = exchange(double, code)
    assert first.status_code == 200
    again = exchange(double, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refused = requests.get(
        f"{double.oauth_base}/resource/profile",
        headers={"Authorization": f"Bearer {first.json()['access_token']}"},
        timeout=10,
    )
    assert refused.status_code == 401
    # A failed attempt spends the code too: no second guess at the verifier.
    code = code_for(double)
    assert exchange(double, code, verifier="w" * 50).status_code == 400
    assert exchange(double, code).json()["error"] == "invalid_grant"


def test_codes_are_short_lived_and_bound_to_client_and_redirect_uri(double: OAuthDouble) -> None:
    double.code_ttl = 0.2
    code = code_for(double)
    time.sleep(0.3)
    assert exchange(double, code).json()["error"] == "invalid_grant"
    double.code_ttl = 60
    other_redirect = exchange(double, code_for(double), redirect_uri="http://127.0.0.1:5000/other")
    assert other_redirect.json()["error"] == "invalid_grant"
    other_client = token(
        double,
        client_id="public-app",
        client_secret=None,
        grant_type="authorization_code",
        code=code_for(double),
        redirect_uri=CALLBACK,
        code_verifier="v" * 50,
    )
    assert other_client.json()["error"] == "invalid_grant"


def test_confidential_clients_must_authenticate(double: OAuthDouble) -> None:
    no_secret = exchange(double, code_for(double), client_secret=None)
    assert no_secret.status_code == 401 and no_secret.json()["error"] == "invalid_client"
    wrong = exchange(double, code_for(double), client_secret="guess")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    basic = requests.post(
        f"{double.oauth_base}/access_token",
        data={
            "grant_type": "authorization_code",
            "code": code_for(double),
            "redirect_uri": CALLBACK,
            "code_verifier": "v" * 50,
        },
        auth=(double.client_id, "s3cret"),
        timeout=10,
    )
    assert basic.status_code == 200


def test_unknown_grant_type_and_get_requests_are_refused(double: OAuthDouble) -> None:
    assert token(double, grant_type="password", username="a", password="b").json()["error"] == (
        "unsupported_grant_type"
    )
    assert requests.get(f"{double.oauth_base}/access_token", timeout=10).status_code == 405


def test_refresh_rotates_the_refresh_token_and_revokes_the_old_pair(double: OAuthDouble) -> None:
    first = exchange(double, code_for(double)).json()
    refreshed = token(double, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    reused = token(double, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert double.access_token_of(first["access_token"]).is_revoked()
    garbage = token(double, grant_type="refresh_token", refresh_token="nope")
    assert garbage.json()["error"] == "invalid_grant"
    unauthenticated = token(
        double, grant_type="refresh_token", refresh_token=second["refresh_token"], client_secret=None
    )
    assert unauthenticated.json()["error"] == "invalid_client"


def test_profile_needs_a_live_bearer_token(double: OAuthDouble) -> None:
    access = exchange(double, code_for(double)).json()["access_token"]
    url = f"{double.oauth_base}/resource/profile"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    assert requests.get(url, params={"access_token": access}, timeout=10).status_code == 401  # header only
    double.expire_access_tokens()
    expired = requests.get(url, headers={"Authorization": f"Bearer {access}"}, timeout=10)
    assert expired.status_code == 401
    assert "invalid_token" in expired.headers.get("WWW-Authenticate", "")


def test_revoking_the_grant_kills_refresh_tokens(double: OAuthDouble) -> None:
    first = exchange(double, code_for(double)).json()
    double.revoke_all()
    assert token(double, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()[
        "error"
    ] == ("invalid_grant")


def test_the_approve_page_can_deny(double: OAuthDouble) -> None:
    double.auto_approve = False
    page = authorize(double)
    assert page.status_code == 200 and "Allow" in page.text
    query = urlencode(
        {
            "response_type": "code",
            "client_id": double.client_id,
            "redirect_uri": CALLBACK,
            "state": "s1",
            "code_challenge": challenge("v" * 50),
            "code_challenge_method": "S256",
        }
    )
    denied = requests.post(
        f"{double.oauth_base}/authorize?{query}", data={"decision": "deny"}, allow_redirects=False, timeout=10
    )
    params = redirect_params(denied)
    assert (params["error"], params["state"]) == ("access_denied", "s1")
    assert "code" not in params
    approved = requests.post(
        f"{double.oauth_base}/authorize?{query}",
        data={"decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    assert "code" in redirect_params(approved)


def test_the_api_sliver_knows_bearer_tokens(double: OAuthDouble) -> None:
    access = exchange(double, code_for(double)).json()["access_token"]
    params = {"action": "query", "meta": "userinfo|tokens", "format": "json"}
    ok = requests.get(
        double.api_url, params=params, headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert ok.json()["query"]["userinfo"]["name"] == "Alice"
    assert ok.json()["query"]["tokens"]["csrftoken"] != "+\\"
    anon = requests.get(double.api_url, params=params, timeout=10).json()["query"]
    assert anon["userinfo"]["anon"] is True and anon["tokens"]["csrftoken"] == "+\\"
    bad = requests.get(double.api_url, params=params, headers={"Authorization": "Bearer x"}, timeout=10)
    assert bad.json()["errors"][0]["code"] == "mwoauth-invalid-authorization"
    double.api_reject = "401"
    assert (
        requests.get(
            double.api_url, params=params, headers={"Authorization": "Bearer x"}, timeout=10
        ).status_code
        == 401
    )


def test_every_issued_secret_is_recorded(double: OAuthDouble) -> None:
    code = code_for(double)
    body = exchange(double, code).json()
    assert {code, body["access_token"], body["refresh_token"]} <= set(double.issued)
