"""Wikimedia OAuth 2, the client side: authorization code with PKCE, refresh, profile; and the token source
that signs Action API calls with ``Authorization: Bearer``.

Why Authlib's *requests* client and not its Flask integration: the web app is not the only place that needs
tokens. Workers refresh them too, outside any Flask request, from the database alone; one small client used
by both keeps one code path. The Flask integration would also keep the PKCE ``code_verifier`` readable in
the (signed, not encrypted) session cookie; the web layer keeps it encrypted instead (web/api/signin.py).

Endpoints (``WFT_OAUTH_BASE``, default ``https://meta.wikimedia.org/w/rest.php/oauth2``): ``/authorize``,
``/access_token`` (``authorization_code`` and ``refresh_token`` grants) and ``/resource/profile``. A
consumer registered for all projects works on every Wikimedia wiki (SUL). The consumer is confidential when
it has a secret (``client_secret_post``, as Meta documents it) and public otherwise; PKCE (S256) is sent in
both cases.

Nothing here logs a token, a code or a verifier; :class:`TokenSet` hides its tokens from ``repr``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError as AuthlibOAuthError
from authlib.integrations.requests_client import OAuth2Session

from wikifile_transfer.errors import (
    HttpStatusError,
    NotJsonError,
    OAuthError,
    SignInExpiredError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki.http import user_agent

DEFAULT_OAUTH_BASE = "https://meta.wikimedia.org/w/rest.php/oauth2"

REFUSED_GRANT = frozenset({"invalid_grant", "invalid_token", "unauthorized_client"})
"""Token-endpoint errors that mean "these tokens are dead": the user must sign in again."""


class TokenSource(Protocol):
    """Where an ApiClient gets the bearer token it sends, and a fresh one when the wiki refused it.

    ``refresh(rejected)`` gets the token the wiki refused, so that of several threads or processes that
    saw the same refusal only the first refreshes and the others pick up its result (a refresh token is
    single-use on Wikimedia). Raises SignInExpiredError when the tokens cannot be renewed."""

    def access_token(self) -> str: ...

    def refresh(self, rejected: str) -> str: ...


@dataclass(frozen=True)
class OAuthConsumer:
    """The OAuth 2 consumer (client) registered on Meta, and where its provider lives."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    base: str = DEFAULT_OAUTH_BASE

    @property
    def authorize_url(self) -> str:
        return f"{self.base}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base}/access_token"

    @property
    def profile_url(self) -> str:
        return f"{self.base}/resource/profile"

    @property
    def confidential(self) -> bool:
        return bool(self.client_secret)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OAuthConsumer | None:
        """``WFT_OAUTH_CLIENT_ID``/``_SECRET``/``_BASE``; None without a client id (OAuth not set up)."""
        env = os.environ if env is None else env
        client_id = env.get("WFT_OAUTH_CLIENT_ID") or None
        if client_id is None:
            return None
        return cls(
            client_id=client_id,
            client_secret=env.get("WFT_OAUTH_CLIENT_SECRET") or None,
            base=(env.get("WFT_OAUTH_BASE") or DEFAULT_OAUTH_BASE).rstrip("/"),
        )


@dataclass(frozen=True)
class TokenSet:
    """An access token with its refresh token and expiry, as the token endpoint issued them."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: dt.datetime | None = None

    def secret(self) -> dict[str, Any]:
        """What is stored (encrypted) in the credential row."""
        return {"access_token": self.access_token, "refresh_token": self.refresh_token}

    @classmethod
    def from_secret(cls, secret: Mapping[str, Any], expires_at: dt.datetime | None) -> TokenSet:
        refresh = secret.get("refresh_token")
        return cls(
            access_token=str(secret.get("access_token", "")),
            refresh_token=str(refresh) if refresh else None,
            expires_at=expires_at,
        )

    def expires_within(self, seconds: float, now: dt.datetime | None = None) -> bool:
        """True when the token expires in less than ``seconds`` (never for a token without expiry)."""
        if self.expires_at is None:
            return False
        now = now or dt.datetime.now(dt.UTC)
        return self.expires_at - now < dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class Profile:
    """The account behind a token (``/resource/profile``). ``sub`` is the central (SUL) user id."""

    sub: str
    username: str
    editcount: int | None = None
    confirmed_email: bool = False
    blocked: bool = False
    registered: str | None = None
    groups: tuple[str, ...] = ()
    rights: tuple[str, ...] = ()
    grants: tuple[str, ...] = ()


def new_verifier() -> str:
    """A PKCE ``code_verifier``: 86 characters from the unreserved set (RFC 7636 asks for 43–128)."""
    return secrets.token_urlsafe(64)


def _expiry(token: Mapping[str, Any]) -> dt.datetime | None:
    expires_at = token.get("expires_at")
    if isinstance(expires_at, int | float) and not isinstance(expires_at, bool):
        return dt.datetime.fromtimestamp(expires_at, dt.UTC)
    return None


class WikimediaOAuth:
    """Talks to the OAuth 2 provider for one consumer. Thread-safe: every call uses its own session."""

    def __init__(
        self,
        consumer: OAuthConsumer,
        *,
        contact: str | None = None,
        timeout: tuple[float, float] = (5, 20),
    ) -> None:
        # Short: a refresh runs under the credential row's lock (accounts.tokens), which on SQLite is the
        # database's write lock.
        self.consumer = consumer
        self.timeout = timeout
        self.user_agent = user_agent(contact)
        self.host = urlsplit(consumer.base).netloc

    def __repr__(self) -> str:
        return f"WikimediaOAuth({self.consumer.client_id!r}, {self.consumer.base!r})"

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        session = OAuth2Session(
            client_id=self.consumer.client_id,
            client_secret=self.consumer.client_secret,
            token_endpoint_auth_method="client_secret_post" if self.consumer.confidential else "none",
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=self.timeout,
        )
        # The provider is named by the operator; proxies from the environment are not (as for wiki calls).
        session.trust_env = False
        session.headers["User-Agent"] = self.user_agent
        return session

    def authorization_url(self, redirect_uri: str, state: str, verifier: str) -> str:
        """Where to send the browser: ``/authorize`` with client id, state and the S256 code challenge."""
        with self._session(redirect_uri) as session:
            url, _state = session.create_authorization_url(
                self.consumer.authorize_url, state=state, code_verifier=verifier
            )
        return str(url)

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        """The tokens for an authorization code (with the verifier of its challenge)."""
        with self._session(redirect_uri) as session:
            token = self._token_call(
                lambda: session.fetch_token(
                    self.consumer.token_url,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                )
            )
        return self._token_set(token, None)

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens for a refresh token. SignInExpiredError when the provider refuses it (revoked,
        expired, already used): only a new sign-in helps then."""
        with self._session() as session:
            try:
                token = self._token_call(
                    lambda: session.refresh_token(self.consumer.token_url, refresh_token=refresh_token)
                )
            except OAuthError as err:
                if err.params and err.params[0] in REFUSED_GRANT:
                    raise SignInExpiredError(self.host, detail=f"refresh refused: {err.params[0]}") from None
                raise
        return self._token_set(token, refresh_token)

    def profile(self, access_token: str) -> Profile:
        """The account of ``access_token``."""
        session = requests.Session()
        session.trust_env = False
        try:
            response = session.get(
                self.consumer.profile_url,
                headers={"Authorization": f"Bearer {access_token}", "User-Agent": self.user_agent},
                timeout=self.timeout,
            )
        except requests.RequestException as err:
            raise WikiUnreachableError(self.host, detail=type(err).__name__) from None
        finally:
            session.close()
        if response.status_code == 401:
            raise SignInExpiredError(self.host, detail="profile: HTTP 401")
        if response.status_code != 200:
            raise HttpStatusError(response.status_code, self.consumer.profile_url)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data.get("username"):
            raise NotJsonError(self.host, response.headers.get("Content-Type", "?"))
        count = data.get("editcount")
        return Profile(
            sub=str(data.get("sub", "")),
            username=str(data["username"]),
            editcount=count if isinstance(count, int) and not isinstance(count, bool) else None,
            confirmed_email=bool(data.get("confirmed_email", False)),
            blocked=bool(data.get("blocked", False)),
            registered=str(data["registered"]) if data.get("registered") else None,
            groups=tuple(str(g) for g in data.get("groups", []) or []),
            rights=tuple(str(r) for r in data.get("rights", []) or []),
            grants=tuple(str(g) for g in data.get("grants", []) or []),
        )

    def _token_call(self, call: Any) -> dict[str, Any]:
        """Run an Authlib token request, turning its failures into the project's errors (never with the
        request body, which holds the code or the refresh token)."""
        try:
            token = call()
        except AuthlibOAuthError as err:
            raise OAuthError(str(err.error or "oauth_error"), detail=str(err.description or "")) from None
        except requests.HTTPError as err:
            status = err.response.status_code if err.response is not None else 502
            raise HttpStatusError(status, self.consumer.token_url) from None
        except requests.RequestException as err:
            raise WikiUnreachableError(self.host, detail=type(err).__name__) from None
        except ValueError as err:  # a body that is not a JSON object
            raise NotJsonError(self.host, "?", detail=str(err)[:200]) from None
        if not isinstance(token, dict) or not token.get("access_token"):
            raise OAuthError("invalid_response", detail="no access_token in the answer")
        return dict(token)

    @staticmethod
    def _token_set(token: Mapping[str, Any], previous_refresh: str | None) -> TokenSet:
        refresh = token.get("refresh_token") or previous_refresh
        expires = _expiry(token)
        if expires is None and isinstance(token.get("expires_in"), int):
            expires = dt.datetime.fromtimestamp(time.time() + int(token["expires_in"]), dt.UTC)
        return TokenSet(
            access_token=str(token["access_token"]),
            refresh_token=str(refresh) if refresh else None,
            expires_at=expires,
        )
