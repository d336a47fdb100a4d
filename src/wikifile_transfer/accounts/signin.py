"""Signing in, without Flask: who the user is, and storing what lets the tool act for them.

The web layer (web/api/signin.py) handles the browser (redirects, state, the session cookie); this module
talks to the OAuth provider or the wiki and to the store, so the same steps can be tested and reused
(``make demo``, a future CLI ``login``) without a request context.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from wikifile_transfer.accounts import (
    ALL_WIKIMEDIA,
    BOTPASSWORD_KIND,
    OAUTH_KIND,
    RESERVED_DOMAINS,
    WIKIMEDIA_DOMAIN,
)
from wikifile_transfer.accounts.registry import without_accounts
from wikifile_transfer.config import Config
from wikifile_transfer.errors import LoginError, UnknownWikiError
from wikifile_transfer.store import repo
from wikifile_transfer.store.crypto import SecretBox
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import utcnow
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.oauth2 import WikimediaOAuth
from wikifile_transfer.wiki.registry import WikiRegistry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedIn:
    """The user a sign-in resolved to (``linked``: a bot password added to an already signed-in user)."""

    user_id: int
    username: str
    domain: str
    wiki: str
    linked: bool = False


def oauth_sign_in(
    db: Database, box: SecretBox, oauth: WikimediaOAuth, *, code: str, redirect_uri: str, verifier: str
) -> SignedIn:
    """Exchange the authorization code (with the PKCE verifier), read the profile, and store the tokens
    encrypted as the user's ``oauth2`` credential for every Wikimedia wiki (``*``)."""
    tokens = oauth.exchange_code(code, redirect_uri, verifier)
    profile = oauth.profile(tokens.access_token)
    with db.session() as session:
        # the central id is who the user is (a renamed account stays the same user); the name is for show
        if profile.sub:
            user = repo.get_or_create_central_user(session, WIKIMEDIA_DOMAIN, profile.sub, profile.username)
        else:  # pragma: no cover - Wikimedia's profile always has ``sub``; a provider without it: by name
            user = repo.get_or_create_user(session, WIKIMEDIA_DOMAIN, profile.username)
        user.last_seen_at = utcnow()
        repo.save_credential(
            session,
            box,
            user.id,
            OAUTH_KIND,
            ALL_WIKIMEDIA,
            account=profile.username,
            secret=tokens.secret(),
            expires_at=tokens.expires_at,
        )
        user_id = user.id
    log.info("user %s signed in with Wikimedia OAuth", user_id)
    return SignedIn(user_id, profile.username, WIKIMEDIA_DOMAIN, ALL_WIKIMEDIA)


def bot_password_sign_in(
    db: Database,
    box: SecretBox,
    config: Config,
    *,
    wiki: str,
    username: str,
    password: str,
    link_to: int | None = None,
) -> SignedIn:
    """Log in to ``wiki`` with a bot password for real, then store it encrypted.

    ``wiki`` is a configured wiki's name, a Wikimedia wiki, or a URL of another wiki (found like any
    source: the SSRF guard applies, private addresses only for configured wikis). Without ``link_to`` the
    user is ``(domain=<wiki name>, username=<the account's name on the wiki>)``; with it, the password is
    added to that (already signed-in) user, who then acts with it on that wiki. LoginError when the wiki
    refuses the password."""
    registry = WikiRegistry(
        without_accounts(config), HttpClient(contact=config.contact, timeout=config.timeouts)
    )
    target = registry.get(wiki)
    if link_to is None and target.name in RESERVED_DOMAINS:
        raise UnknownWikiError(wiki, detail=f"{target.name!r} is reserved and cannot be signed in to")
    # A fresh client with its own cookies and few retries: a person is waiting for the answer.
    api = ApiClient(target.api_url, registry.http, max_retries=1)
    try:
        api.login(username, password)
    except LoginError as err:  # named by the wiki's name here, as the user chose it (not its host)
        raise LoginError(target.name, username, detail=err.detail) from None
    info = api.userinfo()
    if info.anon or not info.name:
        raise LoginError(target.name, username, detail="the wiki still treats the session as anonymous")
    with db.session() as session:
        if link_to is None:
            user = repo.get_or_create_user(session, target.name, info.name)
            user.last_seen_at = utcnow()
            user_id = user.id
        else:
            user_id = link_to
        repo.save_credential(
            session,
            box,
            user_id,
            BOTPASSWORD_KIND,
            target.name,
            account=username,
            secret={"password": password},
        )
    log.info("user %s stored a bot password for %s", user_id, target.name)
    return SignedIn(user_id, info.name, target.name, target.name, linked=link_to is not None)
