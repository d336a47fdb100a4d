"""One wiki as the tool talks to it: its API client, its account and its (cached) siteinfo.

Why a class around ApiClient: the rest of the tool asks questions about a wiki ("what is this file's
title here?", "what is the URL of that page?", "log in if you must") without caring whether the wiki
was named in the configuration, found by its Wikimedia name or discovered from a URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from wikifile_transfer.errors import NotLoggedInError
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.siteinfo import SiteInfo, fetch_siteinfo

Credentials = tuple[str, str]
"""A bot password: ``(Name@appid, password)``."""


class Wiki:
    """A wiki: ``name`` (configured name, Wikimedia name or host), ``api`` and optional bot-password
    ``credentials`` (``(username, password)``). ``repr`` never shows the credentials.

    The account is either a bot password (``credentials``, fixed, or read when needed from
    ``credential_source``: the web app's per-user store, so that a user who signs in again with a new
    password is not logged in with the old one) or the OAuth token of ``api.auth``."""

    def __init__(
        self,
        name: str,
        api: ApiClient,
        credentials: Credentials | None = None,
        *,
        siteinfo: SiteInfo | None = None,
        credential_source: Callable[[], Credentials | None] | None = None,
    ) -> None:
        self.name = name
        self.api = api
        self._credentials = credentials
        self.credential_source = credential_source
        self._siteinfo = siteinfo
        self._login_lock = threading.Lock()
        # API URLs of the wikis whose files this wiki shows as its own (planner.shared_repository_wikis)
        self.shared_repository_apis: list[str] | None = None
        # called once with the fetched siteinfo (the registry lets a private configured wiki's own
        # server through the SSRF guard)
        self.on_siteinfo: Callable[[SiteInfo], None] | None = None

    def __repr__(self) -> str:
        # Never reads credential_source: a repr in a log line must not query the database.
        if self.api.auth is not None:
            login = "with OAuth token"
        elif self._credentials or self.credential_source is not None:
            login = "with account"
        else:
            login = "anonymous"
        return f"Wiki({self.name!r}, {self.api.api_url!r}, {login})"

    @property
    def credentials(self) -> Credentials | None:
        """The bot password to log in with (None: none known)."""
        if self.credential_source is not None:
            return self.credential_source()
        return self._credentials

    @credentials.setter
    def credentials(self, value: Credentials | None) -> None:
        self._credentials = value
        self.credential_source = None

    @property
    def has_account(self) -> bool:
        """Whether the tool acts with an account here (OAuth token or bot password), not anonymously."""
        return self.api.auth is not None or self.credentials is not None

    @property
    def api_url(self) -> str:
        return self.api.api_url

    @property
    def cached_siteinfo(self) -> SiteInfo | None:
        """The siteinfo if it was fetched already; None otherwise (never sends a request)."""
        return self._siteinfo

    def siteinfo(self) -> SiteInfo:
        """The wiki's siteinfo, fetched on first use and then kept (it changes with deployments only)."""
        if self._siteinfo is None:
            site = fetch_siteinfo(self.api)
            if self.on_siteinfo is not None:
                self.on_siteinfo(site)
            self._siteinfo = site
        return self._siteinfo

    def ensure_login(self) -> None:
        """Log in with the configured bot password unless the session already is logged in.

        Without credentials this raises NotLoggedInError at once: an upload would otherwise be refused
        only after the download, or worse, be attempted anonymously.
        """
        if self.api.logged_in:
            return
        if self.api.auth is not None:
            # OAuth: every request carries the token, nothing to log in to; userinfo says whether the wiki
            # accepts it as a named account (and renews an expired token on the way).
            if self.api.userinfo(refresh=True).anon:
                raise NotLoggedInError(self.name, detail="the wiki ignored the OAuth token")
            return
        credentials = self.credentials
        if credentials is None:
            raise NotLoggedInError(self.name, detail="no username/password configured for this wiki")
        # Threads of one worker share this Wiki: two concurrent logins would each invalidate the other's
        # login token ("Failed"), so one logs in and the others find the session logged in.
        with self._login_lock:
            if self.api.logged_in:
                return
            username, password = credentials
            self.api.login(username, password)

    def page_url(self, title: str) -> str:
        return self.siteinfo().page_url(title)

    def file_title(self, name_or_title: str) -> str:
        """The normalised File: title on this wiki (``Bild:x.png`` → ``Datei:X.png``); NotAFileError for
        another namespace."""
        return self.siteinfo().file_title(name_or_title)
