"""The configuration file: defaults, the documented format, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikifile_transfer.config import Config, WikiConfig, config_path, load_config
from wikifile_transfer.errors import ConfigError
from wikifile_transfer.wiki.registry import WikiRegistry

EXAMPLE = """
contact = "you@example.org"   # optional
temp_dir = "~/wft-tmp"
max_download_bytes = 1000000
chunk_size = 1048576
lang = "de"

[wikis.commons]
url = "http://127.0.0.1:8083/"     # any page URL of the wiki, or its api.php
username = "Admin@transferbot"     # optional, bot password login
password = "s3cret-bot-password"

[wikis.src]
url = "http://127.0.0.1:8081/api.php"
"""


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


def test_documented_example(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE))
    assert config.contact == "you@example.org"
    assert config.temp_dir == Path("~/wft-tmp").expanduser()
    assert (config.max_download_bytes, config.chunk_size, config.lang) == (1000000, 1048576, "de")
    assert config.wikis["commons"] == WikiConfig(
        "commons", "http://127.0.0.1:8083/", "Admin@transferbot", "s3cret-bot-password"
    )
    assert config.wikis["src"] == WikiConfig("src", "http://127.0.0.1:8081/api.php")


def test_password_never_in_repr(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE))
    assert "s3cret" not in repr(config)
    assert "s3cret" not in repr(config.wikis["commons"])


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.toml")
    assert config == Config()
    assert config.wikis == {}
    assert (config.max_download_bytes, config.chunk_size, config.lang) == (5 * 1024**3, 5 * 1024**2, "en")


def test_empty_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")) == Config()


def test_config_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WIKIFILE_TRANSFER_CONFIG", str(tmp_path / "x.toml"))
    assert config_path() == tmp_path / "x.toml"
    monkeypatch.delenv("WIKIFILE_TRANSFER_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "wikifile-transfer" / "config.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_path() == tmp_path / "home" / ".config" / "wikifile-transfer" / "config.toml"


def test_load_config_uses_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WIKIFILE_TRANSFER_CONFIG", str(write(tmp_path, 'contact = "me"')))
    assert load_config().contact == "me"


@pytest.mark.parametrize(
    ("text", "in_message"),
    [
        ("contact = ", "not valid TOML"),
        ("contact = 3", "contact: must be a non-empty string"),
        ('contact = ""', "contact: must be a non-empty string"),
        ('pasword = "x"', "pasword: unknown key"),
        ("chunk_size = -1", "chunk_size: must be a positive"),
        ("chunk_size = true", "chunk_size: must be a positive"),
        ('max_download_bytes = "5GB"', "max_download_bytes: must be a positive"),
        ('wikis = "commons"', "wikis: must be a table"),
        ('[wikis]\ncommons = "http://x/"', "wikis.commons: must be a table"),
        ("[wikis.commons]\nusername = 'A@b'\npassword = 'p'", "wikis.commons.url: missing"),
        ("[wikis.commons]\nurl = 5", "wikis.commons.url: must be a non-empty string"),
        ("[wikis.commons]\nurl = 'ftp://x/'", "wikis.commons.url: not an http(s) URL"),
        ("[wikis.commons]\nurl = 'not a url'", "wikis.commons.url: not an http(s) URL"),
        (
            "[wikis.commons]\nurl = 'http://x.org/'\nusername = 'A@b'",
            "wikis.commons.password: username and password",
        ),
        (
            "[wikis.commons]\nurl = 'http://x.org/'\npassword = 'p'",
            "wikis.commons.username: username and password",
        ),
        ("[wikis.commons]\nurl = 'http://x.org/'\npasword = 'p'", "wikis.commons.pasword: unknown key"),
        ('[wikis."a:b"]\nurl = "http://x.org/"', "may not be empty or contain"),
        ('[wikis.""]\nurl = "http://x.org/"', "may not be empty or contain"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, in_message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "wft-error-config"
    assert in_message in info.value.params[0]
    assert info.value.params[1] == str(path)


def test_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(write(tmp_path, b'contact = "\xff"'))


def test_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path)  # a directory


def test_the_retry_budget_and_timeout_of_wiki_requests(tmp_path: Path) -> None:
    """``http_timeout``, ``api_retries`` and ``api_backoff`` reach every API client of the registry (the
    fault tests give up on a dead wiki in seconds instead of minutes)."""
    default = Config()
    assert (default.http_timeout, default.api_retries, default.api_backoff) == (60.0, 5, 2.0)
    assert default.timeouts == (10.0, 60.0)
    text = 'http_timeout = 2.5\napi_retries = 0\napi_backoff = 0.25\n[wikis.src]\nurl = "http://127.0.0.1:8081/api.php"\n'
    config = load_config(write(tmp_path, text))
    assert config.timeouts == (2.5, 2.5)
    registry = WikiRegistry(config)
    assert registry.http.timeout == (2.5, 2.5)
    api = registry.get("src").api
    assert (api.max_retries, api.backoff) == (0, 0.25)


@pytest.mark.parametrize(
    ("text", "in_message"),
    [
        ("http_timeout = 0", "http_timeout: must be a positive number"),
        ('http_timeout = "5"', "http_timeout: must be a positive number"),
        ("api_retries = -1", "api_retries: must be a whole number"),
        ("api_retries = 1.5", "api_retries: must be a whole number"),
        ("api_backoff = true", "api_backoff: must be a positive number"),
    ],
)
def test_bad_retry_settings_name_the_key(tmp_path: Path, text: str, in_message: str) -> None:
    with pytest.raises(ConfigError, match=in_message):
        load_config(write(tmp_path, text))
