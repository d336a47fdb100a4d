"""An OAuth user's tokens as the wikis need them: from the store, renewed when needed, saved back.

Why the store and not memory: the web processes and every worker process act for the same user, and
Wikimedia's refresh tokens are single-use (each refresh returns a new one and revokes the old). So a
refresh happens under the credential row's lock, and whoever gets the lock second finds the tokens already
renewed (the stored access token is no longer the one the wiki refused) and uses them instead of spending
the old refresh token, which would fail with ``invalid_grant`` and sign the user out.

Tokens are cached in memory for ``recheck`` seconds at most, so that a sign-out with "forget" (credentials
deleted) or a new sign-in reaches every process within that time without a database read per API call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from wikifile_transfer.accounts import ALL_WIKIMEDIA, OAUTH_KIND
from wikifile_transfer.errors import SignInExpiredError
from wikifile_transfer.store import repo
from wikifile_transfer.store.crypto import SecretBox
from wikifile_transfer.store.db import Database
from wikifile_transfer.wiki.oauth2 import TokenSet, WikimediaOAuth

log = logging.getLogger(__name__)

LEEWAY = 60.0
"""Seconds before its expiry at which a token counts as expired (a request takes time to arrive)."""
RECHECK = 30.0
"""Seconds a token read from the store is used without reading the store again."""


class StoredTokens:
    """The :class:`~wikifile_transfer.wiki.oauth2.TokenSource` of one user, shared by the threads of a
    process (every Wikimedia wiki of the user's registry uses the same one)."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        oauth: WikimediaOAuth | None,
        user_id: int,
        *,
        leeway: float = LEEWAY,
        recheck: float = RECHECK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.box = box
        self.oauth = oauth
        self.user_id = user_id
        self.leeway = leeway
        self.recheck = recheck
        self.clock = clock
        self.refreshes = 0
        """How many times this process renewed the tokens (tests and metrics)."""
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None
        self._read_at = 0.0

    def __repr__(self) -> str:
        return f"StoredTokens(user {self.user_id})"

    @property
    def _host(self) -> str:
        return self.oauth.host if self.oauth is not None else "meta.wikimedia.org"

    def access_token(self) -> str:
        """A token that is not about to expire (renewed first when it is)."""
        with self._lock:
            tokens = self._tokens
            fresh = tokens is not None and self.clock() - self._read_at < self.recheck
            if tokens is None or not fresh or tokens.expires_within(self.leeway):
                tokens = self._load()
                if tokens.expires_within(self.leeway):
                    tokens = self._renew(tokens.access_token)
                self._remember(tokens)
            return tokens.access_token

    def refresh(self, rejected: str) -> str:
        """A new token after a wiki refused ``rejected``: the one another thread or process stored
        meanwhile, or a refreshed one. SignInExpiredError when there is none to be had."""
        with self._lock:
            tokens = self._renew(rejected)
            self._remember(tokens)
            return tokens.access_token

    def _remember(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self._read_at = self.clock()

    def _load(self) -> TokenSet:
        with self.db.read_session() as session:
            stored = repo.load_credential(session, self.box, self.user_id, OAUTH_KIND, ALL_WIKIMEDIA)
        if stored is None:
            self._tokens = None
            raise SignInExpiredError(self._host, detail="no OAuth token stored")
        return TokenSet.from_secret(stored.secret, stored.expires_at)

    def _renew(self, rejected: str) -> TokenSet:
        """Under the row lock: the stored tokens if they are newer than ``rejected`` and not expiring,
        else refreshed ones (saved before the lock is released)."""
        with self.db.session() as session:
            stored = repo.load_credential(
                session, self.box, self.user_id, OAUTH_KIND, ALL_WIKIMEDIA, for_update=True
            )
            if stored is None:
                self._tokens = None
                raise SignInExpiredError(self._host, detail="no OAuth token stored")
            current = TokenSet.from_secret(stored.secret, stored.expires_at)
            if current.access_token != rejected and not current.expires_within(self.leeway):
                return current  # renewed by another thread or process meanwhile
            if self.oauth is None or not current.refresh_token:
                raise SignInExpiredError(self._host, detail="the token cannot be refreshed")
            renewed = self.oauth.refresh(current.refresh_token)
            repo.save_credential(
                session,
                self.box,
                self.user_id,
                OAUTH_KIND,
                ALL_WIKIMEDIA,
                account=stored.account,
                secret=renewed.secret(),
                expires_at=renewed.expires_at,
            )
            self.refreshes += 1
            log.info("renewed the OAuth token of user %s", self.user_id)
            return renewed
