"""Per-user wikis: ``user_id -> WikiRegistry``, from the store alone (database + SecretBox).

:class:`~wikifile_transfer.jobs.context.JobContext` calls the factory once per user and process (web
processes and workers alike), so nothing here needs Flask. What a user's registry does:

* every **Wikimedia** wiki reached over **https** gets the user's OAuth token as ``Authorization: Bearer``
  (one SUL token works on all of them). Only the Action API calls of those wikis carry it: never a
  third-party wiki, never a download (``upload.wikimedia.org`` is fetched without it), never a plain-http
  URL, and the HTTP client drops it on a redirect to another host;
* any other wiki (configured or discovered) uses the bot password the user stored for it, read from the
  store when a login is needed, or is read anonymously (on a Wikimedia wiki the token wins over a stored
  bot password: every request carries it, so there is nothing to log in to);
* the configuration file's bot passwords are **never** used for a web user: they belong to the operator
  (the CLI's ``local`` user, who alone gets the configuration's registry).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from wikifile_transfer.accounts import BOTPASSWORD_KIND, LOCAL_DOMAIN, WIKIMEDIA_DOMAIN
from wikifile_transfer.accounts.tokens import StoredTokens
from wikifile_transfer.config import Config
from wikifile_transfer.store import repo
from wikifile_transfer.store.crypto import SecretBox
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import User
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.oauth2 import OAuthConsumer, TokenSource, WikimediaOAuth
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Credentials, Wiki
from wikifile_transfer.wiki.wikimedia import is_wikimedia_host

log = logging.getLogger(__name__)

RECHECK = 30.0
"""Seconds a bot password read from the store is used before the store is asked again."""


def bearer_allowed(url: str) -> bool:
    """Whether an OAuth token may be sent to ``url``: https, and a Wikimedia host (SUL)."""
    parts = urlsplit(url)
    return parts.scheme == "https" and is_wikimedia_host(parts.hostname or "")


def without_accounts(config: Config) -> Config:
    """The configuration with every wiki's bot password removed (names and URLs stay)."""
    wikis = {
        name: dataclasses.replace(wiki, username=None, password=None) for name, wiki in config.wikis.items()
    }
    return dataclasses.replace(config, wikis=wikis)


class StoredBotPasswords:
    """A user's bot passwords by wiki name, read from the store (cached ``recheck`` seconds)."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        user_id: int,
        *,
        recheck: float = RECHECK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.box = box
        self.user_id = user_id
        self.recheck = recheck
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Credentials | None]] = {}

    def __repr__(self) -> str:
        return f"StoredBotPasswords(user {self.user_id})"

    def get(self, wiki: str) -> Credentials | None:
        """``(Name@appid, password)`` the user stored for ``wiki``, or None."""
        with self._lock:
            cached = self._cache.get(wiki)
            if cached is not None and self.clock() - cached[0] < self.recheck:
                return cached[1]
            with self.db.read_session() as session:
                stored = repo.load_credential(session, self.box, self.user_id, BOTPASSWORD_KIND, wiki)
            password = stored.secret.get("password") if stored is not None else None
            found = (stored.account, str(password)) if stored is not None and password else None
            self._cache[wiki] = (self.clock(), found)
            return found


class UserWikiRegistry(WikiRegistry):
    """The wikis as one web user reaches them (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        http: HttpClient | None = None,
        *,
        tokens: TokenSource | None = None,
        bot_passwords: StoredBotPasswords | None = None,
    ) -> None:
        self.tokens = tokens
        self.bot_passwords = bot_passwords
        super().__init__(without_accounts(config), http)

    def _prepare(self, wiki: Wiki) -> Wiki:
        if self.tokens is not None and bearer_allowed(wiki.api_url):
            wiki.api.auth = self.tokens
        passwords = self.bot_passwords
        if passwords is not None:
            # Looked up by the wiki's name when a login is needed: a wiki renamed by the configuration
            # (reached first by URL) then finds the password stored under its configured name.
            wiki.credential_source = lambda: passwords.get(wiki.name)
        return wiki


RegistryFactory = Callable[[int], WikiRegistry]


def user_registry_factory(
    db: Database,
    config: Config,
    *,
    box: Callable[[], SecretBox],
    oauth: Callable[[], WikimediaOAuth | None],
) -> RegistryFactory:
    """The ``registry_factory`` of a JobContext that serves web users.

    ``box`` and ``oauth`` are called only when a web user's registry is built, so a CLI-only setup (no
    ``WFT_SECRET_KEYS``) runs its local user's items as before, with the configuration's accounts."""

    def factory(user_id: int) -> WikiRegistry:
        with db.read_session() as session:
            user = session.get(User, user_id)
            domain = user.domain if user is not None else None
        if domain == LOCAL_DOMAIN:
            return WikiRegistry(config, HttpClient(contact=config.contact, timeout=config.timeouts))
        if domain is None:  # a deleted user: nothing of theirs may be used
            return UserWikiRegistry(config, HttpClient(contact=config.contact, timeout=config.timeouts))
        secret_box = box()
        tokens = None
        if domain == WIKIMEDIA_DOMAIN:
            tokens = StoredTokens(db, secret_box, oauth(), user_id)
        return UserWikiRegistry(
            config,
            HttpClient(contact=config.contact, timeout=config.timeouts),
            tokens=tokens,
            bot_passwords=StoredBotPasswords(db, secret_box, user_id),
        )

    return factory


def registry_factory_from_env(db: Database, config: Config) -> RegistryFactory:
    """The factory for worker processes: ``WFT_SECRET_KEYS`` and ``WFT_OAUTH_*`` from the environment,
    read on first use (a missing key then fails that web user's item with its message, not the worker)."""

    @functools.cache
    def box() -> SecretBox:
        return SecretBox.from_env()

    @functools.cache
    def oauth() -> WikimediaOAuth | None:
        consumer = OAuthConsumer.from_env()
        return WikimediaOAuth(consumer, contact=config.contact) if consumer is not None else None

    return user_registry_factory(db, config, box=box, oauth=oauth)
