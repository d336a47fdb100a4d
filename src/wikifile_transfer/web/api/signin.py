"""Signing in and out: Wikimedia OAuth 2 (authorization code + PKCE) and bot passwords.

OAuth, as the browser sees it: ``GET /api/v1/auth/oauth/start?next=/batches`` redirects to Meta's
``/authorize`` with a ``state`` and an S256 ``code_challenge``; Meta sends the browser back to
``GET /api/v1/auth/oauth/callback?code=…&state=…``, which checks the state, exchanges the code with the
verifier, reads the profile, stores the tokens (encrypted, see accounts/signin.py), starts the session and
redirects to ``next``. A failure redirects to ``next`` too, with ``?signin_error=<message key>`` (a key
without parameters: ``wft-error-oauth-state``, ``-denied`` or ``-failed``) for the front end to show;
there is no page here to show it on.

The pending state and verifier live in the session cookie for up to 10 minutes. The cookie is signed, not
encrypted, so the verifier is kept there encrypted with the SecretBox: only this service can read it, so a
leaked authorization code alone is useless (PKCE), even to someone who can read the browser's cookies.

Sign-out ends the browser session and keeps the stored tokens, so the user's queued batches go on
running; ``{"forget": true}`` deletes every stored credential of the user as well (their running items then
stop with ``wft-error-signin-expired``; access granted on Meta is withdrawn at Special:OAuthManageMyGrants).
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Flask, current_app, redirect, session
from pydantic import BaseModel, Field, SecretStr
from spectree import Response
from werkzeug.wrappers import Response as WerkzeugResponse

from wikifile_transfer.accounts.registry import user_registry_factory
from wikifile_transfer.accounts.signin import bot_password_sign_in, oauth_sign_in
from wikifile_transfer.errors import WftError
from wikifile_transfer.store import repo
from wikifile_transfer.store.crypto import SecretUndecryptableError
from wikifile_transfer.web.api.meta import UserOut, user_out
from wikifile_transfer.web.auth import csrf_token, current_user_id, sign_in, sign_out
from wikifile_transfer.web.errors import ApiProblem, ErrorResponse
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.ratelimit import rate_limited
from wikifile_transfer.web.services import Services, services
from wikifile_transfer.web.settings import WebSettings
from wikifile_transfer.wiki.oauth2 import OAuthConsumer, WikimediaOAuth, new_verifier

log = logging.getLogger(__name__)

blueprint = Blueprint("signin", __name__, url_prefix="/api/v1/auth")

CALLBACK_PATH = "/api/v1/auth/oauth/callback"
PENDING = "oauth_pending"
PENDING_MAX_AGE = 600
"""Seconds a started OAuth sign-in may take (Meta's login page, a 2FA code) before its state expires."""
ERROR_PARAM = "signin_error"


def _settings() -> WebSettings:
    found = current_app.extensions["wft_settings"]
    assert isinstance(found, WebSettings)
    return found


def oauth_client(settings: WebSettings, contact: str | None = None) -> WikimediaOAuth | None:
    """The OAuth client of these settings (None when no consumer is configured)."""
    if not settings.oauth_client_id:
        return None
    consumer = OAuthConsumer(settings.oauth_client_id, settings.oauth_client_secret, settings.oauth_base)
    return WikimediaOAuth(consumer, contact=contact)


def _oauth() -> WikimediaOAuth:
    client = current_app.extensions.get("wft_oauth")
    if not isinstance(client, WikimediaOAuth):
        raise ApiProblem(404, "wft-error-signin-unavailable", "oauth")
    return client


def install(app: Flask, settings: WebSettings, found: Services) -> None:
    """Keep the app's OAuth client (one per app: it holds no per-user state), and make the job context
    give every user their own wikis (accounts.registry), unless the caller chose a factory already.

    Why here and not left to whoever builds the Services: without a factory the JobContext hands
    everyone the configuration file's wikis, bot passwords included; a web app must never do that."""
    client = oauth_client(settings, found.config.contact)
    if client is not None:
        app.extensions["wft_oauth"] = client
    if found.context.registry_factory is None:
        found.context.registry_factory = user_registry_factory(
            found.db, found.config, box=lambda: found.box, oauth=lambda: client
        )


def safe_next(value: str | None) -> str:
    """``value`` when it is a path of this service, else ``/``: never an open redirect (no scheme, no
    host, no ``//host`` or ``/\\host`` that browsers read as another site, no control characters)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _back_to(path: str, error: str | None = None) -> WerkzeugResponse:
    """A redirect to ``path`` on this service (with ``signin_error`` when the sign-in failed)."""
    parts = urlsplit(_settings().public_url + path)
    query = parts.query
    if error is not None:
        query = f"{query}&" if query else ""
        query += urlencode({ERROR_PARAM: error})
    return redirect(urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment)), 302)


# --- OAuth ------------------------------------------------------------------------------------------


class StartQuery(BaseModel):
    next: str | None = Field(
        default=None, max_length=2000, description="a path of this app to return to (default /)"
    )


class CallbackQuery(BaseModel):
    code: str | None = Field(default=None, max_length=4096)
    state: str | None = Field(default=None, max_length=512)
    error: str | None = Field(default=None, max_length=200)
    error_description: str | None = Field(default=None, max_length=2000)


@blueprint.get("/oauth/start")
@rate_limited("sign-in")
@api.validate(query=StartQuery, resp=Response("HTTP_302", HTTP_404=ErrorResponse), tags=["session"])
def oauth_start(query: StartQuery) -> WerkzeugResponse:
    """Start signing in with a Wikimedia account: redirects to Meta's OAuth 2 authorization page."""
    client = _oauth()
    state = secrets.token_urlsafe(32)
    verifier = new_verifier()
    session[PENDING] = {
        "state": state,
        "verifier": services().box.encrypt({"v": verifier}).decode("ascii"),
        "next": safe_next(query.next),
        "at": int(time.time()),
    }
    redirect_uri = _settings().public_url + CALLBACK_PATH
    return redirect(client.authorization_url(redirect_uri, state, verifier), 302)


def _pending() -> dict[str, Any] | None:
    pending = session.pop(PENDING, None)
    return pending if isinstance(pending, dict) else None


@blueprint.get("/oauth/callback")
@rate_limited("sign-in")
@api.validate(query=CallbackQuery, resp=Response("HTTP_302", HTTP_404=ErrorResponse), tags=["session"])
def oauth_callback(query: CallbackQuery) -> WerkzeugResponse:
    """Where Meta sends the browser back: finishes the sign-in and redirects into the app (with
    ``?signin_error=<key>`` when it failed)."""
    client = _oauth()
    pending = _pending()
    next_path = safe_next(pending.get("next") if pending else None)
    state = pending.get("state") if pending else None
    if (
        pending is None
        or not isinstance(state, str)
        or not query.state
        or not hmac.compare_digest(state.encode(), query.state.encode())
        or time.time() - float(pending.get("at", 0)) > PENDING_MAX_AGE
    ):
        # A callback this browser did not start (login CSRF), a replay, or one that took too long.
        return _back_to(next_path, "wft-error-oauth-state")
    if query.error or not query.code:
        log.info("OAuth sign-in not granted: %s", query.error or "no code")
        key = "wft-error-oauth-denied" if query.error == "access_denied" else "wft-error-oauth-failed"
        return _back_to(next_path, key)
    box = services().box
    try:
        verifier = str(box.decrypt(str(pending.get("verifier", "")).encode("ascii"))["v"])
    except (SecretUndecryptableError, KeyError, UnicodeEncodeError):
        return _back_to(next_path, "wft-error-oauth-state")
    try:
        signed = oauth_sign_in(
            services().db,
            box,
            client,
            code=query.code,
            redirect_uri=_settings().public_url + CALLBACK_PATH,
            verifier=verifier,
        )
    except WftError as err:
        # The key alone goes to the browser (no parameters to fill in there); the reason to the log.
        log.warning("OAuth sign-in failed: %s %s (%s)", err.key, list(err.params), err.detail or "")
        return _back_to(next_path, "wft-error-oauth-failed")
    sign_in(signed.user_id)
    return _back_to(next_path)


# --- bot passwords ----------------------------------------------------------------------------------


class BotPasswordIn(BaseModel):
    wiki: str = Field(
        min_length=1,
        max_length=1000,
        description="a configured wiki's name, a Wikimedia wiki (commons, en.wikipedia) or a URL of the wiki",
    )
    username: str = Field(min_length=1, max_length=255, description="Name@appid from Special:BotPasswords")
    password: SecretStr = Field(min_length=1, max_length=500)


class SignedInOut(BaseModel):
    user: UserOut
    wiki: str = Field(description="the wiki the bot password is stored for, by the name the tool uses")
    linked: bool = Field(description="true: added to the user already signed in, who stays signed in")
    csrf_token: str = Field(description="the session's new CSRF token (a sign-in starts a new session)")


@blueprint.post("/botpassword")
@rate_limited("sign-in")
@api.validate(
    json=BotPasswordIn,
    resp=Response(
        HTTP_200=SignedInOut,
        HTTP_400=ErrorResponse,
        HTTP_403=ErrorResponse,
        HTTP_404=ErrorResponse,
        HTTP_502=ErrorResponse,
    ),
    tags=["session"],
)
def botpassword(json: BotPasswordIn) -> SignedInOut:
    """Sign in with a bot password of a wiki (self-hosted wikis; allowed when ``WFT_BOT_PASSWORD_LOGIN``
    is on). The tool logs in to the wiki to check it, then stores it encrypted. When someone is signed in
    already, the password is added to their account for that wiki instead (a second wiki to upload to)."""
    if not _settings().bot_password_login:
        raise ApiProblem(404, "wft-error-signin-unavailable", "botpassword")
    found = services()
    current = current_user_id()
    signed = bot_password_sign_in(
        found.db,
        found.box,
        found.config,
        wiki=json.wiki,
        username=json.username,
        password=json.password.get_secret_value(),
        link_to=current,
    )
    if not signed.linked:
        sign_in(signed.user_id)
    user = user_out(signed.user_id)
    if user is None:  # pragma: no cover - the user was just created or is signed in
        raise ApiProblem(401, "wft-http-unauthorized", "401")
    return SignedInOut(user=user, wiki=signed.wiki, linked=signed.linked, csrf_token=csrf_token())


# --- sign-out ---------------------------------------------------------------------------------------


class LogoutIn(BaseModel):
    forget: bool = Field(
        default=False,
        description="also delete every stored token and bot password (running items then stop)",
    )


class LogoutOut(BaseModel):
    forgotten: int = Field(description="stored credentials deleted")
    csrf_token: str = Field(description="the CSRF token of the new, signed-out session")


@blueprint.post("/logout")
@api.validate(json=LogoutIn, resp=Response(HTTP_200=LogoutOut, HTTP_403=ErrorResponse), tags=["session"])
def logout(json: LogoutIn) -> LogoutOut:
    """Sign out of this browser; with ``forget``, delete the stored credentials too."""
    user_id = current_user_id()
    forgotten = 0
    if user_id is not None and json.forget:
        with services().db.session() as db_session:
            forgotten = repo.delete_credentials(db_session, user_id)
    sign_out()
    return LogoutOut(forgotten=forgotten, csrf_token=csrf_token())
