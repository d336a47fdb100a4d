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
* ``WFT_RATELIMIT_STORAGE``: ``memory://`` (default) or ``redis://…`` shared by all web processes;
  ``WFT_RATELIMIT_API``, ``WFT_RATELIMIT_EXPENSIVE``, ``WFT_RATELIMIT_SIGN_IN``: the budgets (web.ratelimit);
* ``WFT_PROXY_COUNT``: how many reverse proxies in front of the app set ``X-Forwarded-For``/``-Proto``
  (0: trust none, the default; a wrong number lets clients pick their own address);
* ``WFT_METRICS_TOKEN``: when set, ``/metrics`` needs ``Authorization: Bearer <token>``;
* ``WFT_FRONTEND_DIR``: the built web app (``index.html`` + ``assets/``), default ``frontend/dist`` of the
  source checkout (web.frontend).
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
    ratelimit_api: str = "600/minute"
    ratelimit_expensive: str = "30/minute;600/hour"
    ratelimit_sign_in: str = "10/minute;100/hour"
    proxy_count: int = 0
    metrics_token: str | None = field(default=None, repr=False)
    frontend_dir: str | None = None
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
            ratelimit_api=_limit(env, "WFT_RATELIMIT_API", cls.ratelimit_api),
            ratelimit_expensive=_limit(env, "WFT_RATELIMIT_EXPENSIVE", cls.ratelimit_expensive),
            ratelimit_sign_in=_limit(env, "WFT_RATELIMIT_SIGN_IN", cls.ratelimit_sign_in),
            proxy_count=_count(env, "WFT_PROXY_COUNT"),
            metrics_token=env.get("WFT_METRICS_TOKEN") or None,
            frontend_dir=env.get("WFT_FRONTEND_DIR") or None,
        )


def _limit(env: Mapping[str, str], name: str, default: str) -> str:
    from wikifile_transfer.web.ratelimit import check_limit  # noqa: PLC0415 - keeps settings import-light

    return check_limit(env.get(name) or default, name)


def _count(env: Mapping[str, str], name: str) -> int:
    text = (env.get(name) or "0").strip()
    if not text.isdigit():
        raise ConfigError(f"{name}: must be a whole number ({text!r})", "environment")
    return int(text)
