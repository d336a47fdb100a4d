"""The web service's settings, from environment variables (12-factor: Toolforge's ``toolforge envvars``,
a systemd unit, a container). Nothing secret has a default: a missing secret is a clear error at start,
never a silently weak fallback.

* ``WFT_SECRET_KEY``: signs the session cookie (Flask ``SECRET_KEY``); 32+ random characters;
* ``WFT_SECRET_KEYS``: Fernet keys for tokens and passwords at rest, newest first (store.crypto);
* ``WFT_PUBLIC_URL``: the service's own address (``https://wikifile-transfer.toolforge.org``); cookies are
  ``Secure`` when it is https;
* ``WFT_OAUTH_CLIENT_ID``, ``WFT_OAUTH_CLIENT_SECRET``: the OAuth 2 consumer registered on Meta (secret
  empty for a public PKCE client);
* ``WFT_OAUTH_BASE``: the OAuth 2 endpoints' base, default ``https://meta.wikimedia.org/w/rest.php/oauth2``;
* ``WFT_BOT_PASSWORD_LOGIN``: ``1`` allows signing in with a bot password (self-hosted, other wikis);
* ``WIKIFILE_TRANSFER_CONFIG``: the TOML file naming custom wikis (the same file the CLI reads);
* ``WFT_RATELIMIT_STORAGE``: ``memory://`` (default) or ``redis://…`` shared by all web processes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wikifile_transfer.errors import ConfigError

DEFAULT_OAUTH_BASE = "https://meta.wikimedia.org/w/rest.php/oauth2"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class WebSettings:
    secret_key: str = field(repr=False)
    public_url: str = "http://127.0.0.1:5000"
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = field(default=None, repr=False)
    oauth_base: str = DEFAULT_OAUTH_BASE
    bot_password_login: bool = False
    ratelimit_storage: str = "memory://"
    testing: bool = False

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.oauth_client_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebSettings:
        env = os.environ if env is None else env
        secret = env.get("WFT_SECRET_KEY", "")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"WFT_SECRET_KEY: set it to {MIN_SECRET_LENGTH} or more random characters", "environment"
            )
        public = env.get("WFT_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        if urlsplit(public).scheme not in ("http", "https"):
            raise ConfigError("WFT_PUBLIC_URL: must be an http(s) URL", "environment")
        return cls(
            secret_key=secret,
            public_url=public,
            oauth_client_id=env.get("WFT_OAUTH_CLIENT_ID") or None,
            oauth_client_secret=env.get("WFT_OAUTH_CLIENT_SECRET") or None,
            oauth_base=(env.get("WFT_OAUTH_BASE") or DEFAULT_OAUTH_BASE).rstrip("/"),
            bot_password_login=env.get("WFT_BOT_PASSWORD_LOGIN", "").strip().lower() in ("1", "true", "yes"),
            ratelimit_storage=env.get("WFT_RATELIMIT_STORAGE") or "memory://",
        )
