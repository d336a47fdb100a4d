"""The user's configuration file: which wikis have names and accounts, and a few limits.

Why a file and strict checks: bot passwords must not be typed on the command line (shell history,
``ps``), and a typo in a key (``pasword``) must be reported by name instead of silently falling back to
anonymous access, which would only fail later, in the middle of a transfer. A missing file is fine: the
tool then works with Wikimedia names and URLs alone.

```toml
contact = "you@example.org"        # optional, goes into the User-Agent
[wikis.commons]
url = "http://127.0.0.1:8083/"     # any page URL of the wiki, or its api.php
username = "Admin@transferbot"     # optional, bot password login
password = "…"
```
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikifile_transfer.errors import ConfigError, InputError
from wikifile_transfer.wiki.urls import parse_wiki_url

ENV_VAR = "WIKIFILE_TRANSFER_CONFIG"
DEFAULT_MAX_DOWNLOAD = 5 * 1024**3
DEFAULT_CHUNK_SIZE = 5 * 1024**2
DEFAULT_HTTP_TIMEOUT = 60.0
DEFAULT_API_RETRIES = 5
DEFAULT_API_BACKOFF = 2.0
CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class WikiConfig:
    """One named wiki. ``repr`` hides the password so the config can be logged safely."""

    name: str
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Config:
    wikis: Mapping[str, WikiConfig] = field(default_factory=dict)
    contact: str | None = None
    temp_dir: Path | None = None
    max_download_bytes: int = DEFAULT_MAX_DOWNLOAD
    chunk_size: int = DEFAULT_CHUNK_SIZE
    lang: str = "en"
    cache_dir: Path | None = None  # None: default_cache_dir()
    http_timeout: float = DEFAULT_HTTP_TIMEOUT
    """Seconds a wiki may stay silent (per read) before the request counts as unanswered."""
    api_retries: int = DEFAULT_API_RETRIES
    """Times one API request is sent again after maxlag, ratelimited, HTTP 429/5xx, or (reads only) no
    answer, before its error is reported; 0 sends it once."""
    api_backoff: float = DEFAULT_API_BACKOFF
    """Seconds before the first of those retries, doubling each time (a wiki's Retry-After wins)."""

    @property
    def timeouts(self) -> tuple[float, float]:
        """(connect, read) timeouts of every request: a wiki that accepts no connection is given up on
        sooner than one that is working on an answer."""
        return (min(CONNECT_TIMEOUT, self.http_timeout), self.http_timeout)


def config_path() -> Path:
    """``$WIKIFILE_TRANSFER_CONFIG``, else ``$XDG_CONFIG_HOME`` (default ``~/.config``)
    ``/wikifile-transfer/config.toml``."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "wikifile-transfer" / "config.toml"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME`` (default ``~/.cache``) ``/wikifile-transfer``: rule pages parsed before."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "wikifile-transfer"


class _Reader:
    """Typed access to one TOML table; every problem becomes a ConfigError naming the dotted key."""

    def __init__(self, path: Path, table: Mapping[str, Any], where: str = "") -> None:
        self.path = path
        self.table = table
        self.where = where

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.key(name)}: {problem}", str(self.path))

    def only(self, allowed: set[str]) -> None:
        for name in self.table:
            if name not in allowed:
                raise self.error(name, f"unknown key (known: {', '.join(sorted(allowed))})")

    def string(self, name: str) -> str | None:
        value = self.table.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, "must be a non-empty string")
        return value.strip()

    def positive_int(self, name: str, default: int) -> int:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.error(name, "must be a positive whole number")
        return value

    def whole_number(self, name: str, default: int) -> int:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(name, "must be a whole number, 0 or more")
        return value

    def positive_number(self, name: str, default: float) -> float:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(name, "must be a positive number")
        return float(value)


def _wiki(path: Path, name: str, table: object) -> WikiConfig:
    if not isinstance(table, Mapping):
        raise ConfigError(f"wikis.{name}: must be a table ([wikis.{name}])", str(path))
    if not name.strip() or ":" in name or "/" in name or name != name.strip():
        # The name is used in WIKI:File:Name, so a colon or slash would make that form ambiguous.
        raise ConfigError(f"wikis.{name}: a wiki name may not be empty or contain ':' or '/'", str(path))
    reader = _Reader(path, table, f"wikis.{name}")
    reader.only({"url", "username", "password"})
    url = reader.string("url")
    if url is None:
        raise reader.error("url", "missing (any page URL of the wiki, or its api.php)")
    try:
        parse_wiki_url(url)
    except InputError as err:
        raise reader.error("url", f"not an http(s) URL ({err.detail})") from err
    username, password = reader.string("username"), reader.string("password")
    if (username is None) != (password is None):
        raise reader.error(
            "password" if password is None else "username", "username and password go together"
        )
    return WikiConfig(name=name, url=url, username=username, password=password)


def parse_config(data: Mapping[str, Any], path: Path) -> Config:
    """A Config from already-decoded TOML (``path`` only names the file in errors)."""
    reader = _Reader(path, data)
    reader.only(
        {
            "contact",
            "temp_dir",
            "cache_dir",
            "max_download_bytes",
            "chunk_size",
            "lang",
            "wikis",
            "http_timeout",
            "api_retries",
            "api_backoff",
        }
    )
    wikis_table = data.get("wikis", {})
    if not isinstance(wikis_table, Mapping):
        raise reader.error("wikis", "must be a table of wikis ([wikis.NAME])")
    wikis = {name: _wiki(path, name, table) for name, table in wikis_table.items()}
    temp_dir = reader.string("temp_dir")
    cache_dir = reader.string("cache_dir")
    return Config(
        wikis=wikis,
        contact=reader.string("contact"),
        temp_dir=Path(temp_dir).expanduser() if temp_dir else None,
        max_download_bytes=reader.positive_int("max_download_bytes", DEFAULT_MAX_DOWNLOAD),
        chunk_size=reader.positive_int("chunk_size", DEFAULT_CHUNK_SIZE),
        lang=reader.string("lang") or "en",
        cache_dir=Path(cache_dir).expanduser() if cache_dir else None,
        http_timeout=reader.positive_number("http_timeout", DEFAULT_HTTP_TIMEOUT),
        api_retries=reader.whole_number("api_retries", DEFAULT_API_RETRIES),
        api_backoff=reader.positive_number("api_backoff", DEFAULT_API_BACKOFF),
    )


def load_config(path: Path | None = None) -> Config:
    """Read the configuration; a missing file gives an empty Config (Wikimedia names and URLs still work).

    Unreadable files, bad TOML and wrong types raise ConfigError with the key (or line) at fault.
    """
    path = path if path is not None else config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as err:
        raise ConfigError(f"cannot read the file: {err.strerror or err}", str(path)) from err
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"not UTF-8 text (byte {err.start})", str(path)) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}", str(path)) from err
    return parse_config(data, path)
