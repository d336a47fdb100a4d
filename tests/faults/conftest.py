"""Fixtures of the fault tests: batches against the real testbed while something breaks on purpose.

Every test here runs a real batch (the CLI in this process, or real ``wikifile-transfer`` processes),
breaks something real (``kill -9`` of a process, a read-only or rate-limited or lagged wiki, a proxy
answering with HTML 502 pages or never answering, a Redis server restarted), and then checks the wikis
themselves: the sha1 of every version on the target, no file under a second name, revision counts.

* ``fault_env`` (function): a data folder of the test's own and short timings in ``WFT_*`` variables
  (set in ``os.environ`` for the CLI run in-process, and inherited by the subprocesses).
* ``write_config``: a configuration file for the testbed wikis; ``urls={"commons": proxy.api_url}``
  puts a wiki behind a fault proxy, extra keys (``api_retries=1``) go to the top level.
* ``sources``: ``sources(20, versions=lambda n: 1 + n % 3)`` uploads new files (unique bytes) to ``src``.
* ``redis_server``: a Redis server of the test's own on a free port (never the machine's shared one),
  which ``restart()`` stops and starts empty again.
* ``database_url``: ``database_url("mariadb"|"postgresql")`` creates a database for the test (dropped
  afterwards) on the machine's MariaDB or PostgreSQL.
Helpers (polling, processes, checks on the wikis) are in faultkit.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    DB_PREFIX,
    FAST_ENV,
    MARIADB_URL,
    POSTGRESQL_URL,
    FaultEnv,
    RedisServer,
    SourceFile,
    free_port,
    fresh_seed,
    unique,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from testbed.tbclient import png_bytes, sha1_hex, wait_next_second


@pytest.fixture
def sources(testbed: Any) -> Callable[..., list[SourceFile]]:
    """``sources(count, versions=…)``: new files on ``src`` with unique bytes (Alice uploads the first
    version, Bob the later ones, each round in a later second: MediaWiki archives by the second)."""

    def make(
        count: int, *, versions: Callable[[int], int] = lambda _n: 1, stem: str = "Fault"
    ) -> list[SourceFile]:
        alice, bob = testbed.client("src", "alice"), testbed.client("src", "bob")
        files = [SourceFile("File:" + unique(f"{stem} {n}.png")) for n in range(count)]
        wanted = [versions(n) for n in range(count)]
        for round_ in range(max(wanted)):
            if round_:
                wait_next_second()
            for n, source in enumerate(files):
                if wanted[n] <= round_:
                    continue
                data = png_bytes(24 + n % 16, 16 + round_, seed=fresh_seed(), noise=True)
                if round_ == 0:
                    alice.upload(
                        source.name, data, text="{{Information|description=Fault test}}", comment="Own work"
                    )
                else:
                    bob.upload(source.name, data, comment=f"Version {round_ + 1}")
                source.sha1s.append(sha1_hex(data))
        return files

    return make


@pytest.fixture
def fault_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FaultEnv:
    data = tmp_path / "data"
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("WFT_DATABASE_URL", "CELERY_BROKER_URL", "WFT_QUEUE_PREFIX", "WFT_QUEUE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("WFT_MAX_ATTEMPTS", "WFT_TARGET_CAP", "WFT_SOURCE_CAP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WFT_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)
    return FaultEnv(monkeypatch, data, logs)


@pytest.fixture
def temp_dir(tmp_path: Path) -> Iterator[Path]:
    """Where the transfers download: empty again after the test (temp files are always removed)."""
    folder = tmp_path / "wft-temp"
    folder.mkdir()
    yield folder
    assert list(folder.iterdir()) == [], "a transfer left temp files behind"


@pytest.fixture
def write_config(testbed: Any, tmp_path: Path, temp_dir: Path) -> Callable[..., Path]:
    def write(user: str = "admin", *, urls: dict[str, str] | None = None, **extra: Any) -> Path:
        account = testbed.users[user]
        lines = ['contact = "tests@localhost"', f'temp_dir = "{temp_dir}"']
        lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
        for name, wiki in testbed.wikis.items():
            lines += [
                f"[wikis.{name}]",
                f'url = "{(urls or {}).get(name, wiki["url"])}"',
                f'username = "{account["login"]}"',
                f'password = "{account["password"]}"',
            ]
        path = tmp_path / f"config-{user}-{uuid.uuid4().hex[:6]}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(free_port(), tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_url() -> Iterator[Callable[[str], str]]:
    """``database_url("mariadb")``: a new empty database on that server, dropped after the test."""
    created: list[tuple[str, str]] = []

    def create(backend: str) -> str:
        admin_url = MARIADB_URL if backend == "mariadb" else POSTGRESQL_URL
        name = f"{DB_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if backend == "mariadb":
                conn.exec_driver_sql(
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
                )
            else:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
        created.append((admin_url, name))
        return make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        for admin_url, name in created:
            engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with contextlib.suppress(SQLAlchemyError), engine.connect() as conn:
                force = " WITH (FORCE)" if admin_url.startswith("postgresql") else ""
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
            engine.dispose()
