"""Helpers of the fault tests (tests/faults): processes, polling, the wikis as the tests check them, the
test's own Redis server. The fixtures that use them are in conftest.py beside this file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from wikifile_transfer.store import migrate
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Transfer

MARIADB_URL = os.environ.get("WFT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
POSTGRESQL_URL = os.environ.get(
    "WFT_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DB_PREFIX = "wft_test_"
"""The store tests' prefix: their clean-up drops databases of killed runs named like this."""

FAST_ENV = {
    "WFT_RETRY_BACKOFF": "0.5",
    "WFT_SLOT_WAIT": "0.3",
    "WFT_PACE_SECONDS": "2",
    "WFT_LEASE_SECONDS": "30",
    "WFT_DISPATCH_GRACE": "30",
}
"""Timings of a test: seconds where production waits minutes (each test sets what its fault needs)."""


# --- small helpers ---------------------------------------------------------------------------------


def unique(name: str) -> str:
    stem, ext = name.rsplit(".", 1)
    return f"WFT {uuid.uuid4().hex[:8]} {stem}.{ext}"


def fresh_seed() -> int:
    return uuid.uuid4().int % 1_000_000_000


def wait_for(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = "a condition"
) -> Any:
    """Poll ``predicate`` until it returns something true (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def cli_command(config: Path, *args: str) -> list[str]:
    """The real ``wikifile-transfer`` command (this Python, this checkout's package)."""
    return [sys.executable, "-m", "wikifile_transfer.cli.main", "--config", str(config), *args]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kill_9(process: subprocess.Popen[Any]) -> None:
    """``kill -9`` and reap it (a zombie would still look alive to the next run's dead-owner check)."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[Any], timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


# --- the wikis -------------------------------------------------------------------------------------


@dataclass
class SourceFile:
    """A file made on ``src`` for one test: its title and the sha1 of each version, oldest first."""

    title: str
    sha1s: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.title.split(":", 1)[1]


def sha1s_on(testbed: Any, wiki: str, title: str) -> list[str]:
    """sha1 of every version under ``title`` on ``wiki``, oldest first."""
    return [v["sha1"] for v in reversed(testbed.anon(wiki).page(title).get("imageinfo", []))]


def titles_with_sha1(testbed: Any, wiki: str, sha1: str) -> list[str]:
    """Every file on ``wiki`` whose current version has these bytes (``list=allimages&aisha1=``)."""
    answer = testbed.anon(wiki).get(action="query", list="allimages", aisha1=sha1, ailimit="max")
    return sorted(image["title"] for image in answer["query"]["allimages"])


def revision_count(testbed: Any, wiki: str, title: str) -> int:
    page = testbed.anon(wiki).get(action="query", titles=title, prop="revisions", rvprop="ids", rvlimit="max")
    return len(page["query"]["pages"][0].get("revisions", []))


def page_text(testbed: Any, wiki: str, title: str) -> str:
    return str(testbed.anon(wiki).page(title, rvlimit=1)["revisions"][0]["slots"]["main"]["content"])


def assert_exactly_once(
    testbed: Any, files: Sequence[SourceFile], targets: Sequence[str], *, marked: bool = True
) -> None:
    """Every source file on ``commons`` under its target title with exactly its versions, in order (none
    missing, none extra), its bytes under no other name, and its source page tagged ``{{NowCommons}}``
    once (``marked``; not when the target was reached through a proxy, which hides that ``commons`` is
    the source's shared repository)."""
    assert len(files) == len(targets)
    for source, target in zip(files, targets, strict=True):
        assert sha1s_on(testbed, "commons", target) == source.sha1s, f"{source.title} → {target}"
        for index, sha1 in enumerate(source.sha1s):
            current = index == len(source.sha1s) - 1
            assert titles_with_sha1(testbed, "commons", sha1) == ([target] if current else []), (
                f"{source.title}: version {index + 1} under another name"
            )
        tags = page_text(testbed, "src", source.title).count("{{NowCommons")
        assert tags == (1 if marked else 0), f"{source.title}: {tags} NowCommons tags"


# --- environment, configuration, store -----------------------------------------------------------


@dataclass
class FaultEnv:
    """The ``WFT_*`` environment of a test (in ``os.environ`` through monkeypatch, so subprocesses
    started with :func:`clean_env` inherit it)."""

    monkeypatch: pytest.MonkeyPatch
    data_dir: Path
    logs: Path

    def set(self, **values: str) -> None:
        for name, value in values.items():
            self.monkeypatch.setenv(name, value)

    def store(self) -> Database:
        """The database the CLI and the workers of this test use, migrated (so it can be polled before
        the first process has created its tables)."""
        db = Database()
        migrate.upgrade(db)
        return db

    def log(self, name: str) -> Path:
        return self.logs / f"{name}-{uuid.uuid4().hex[:6]}.log"


def url_list(tmp_path: Path, files: Sequence[SourceFile]) -> Path:
    listing = tmp_path / f"urls-{uuid.uuid4().hex[:6]}.txt"
    listing.write_text("".join(f"src:{f.title}\n" for f in files), encoding="utf-8")
    return listing


def the_batch(db: Database) -> int | None:
    """The id of the only batch in the test's database (None before the CLI created it)."""
    with db.read_session() as session:
        ids = list(session.scalars(select(Batch.id)))
    assert len(ids) <= 1, ids
    return ids[0] if ids else None


def items(db: Database, batch_id: int) -> list[Transfer]:
    with db.read_session() as session:
        return list(
            session.scalars(select(Transfer).where(Transfer.batch_id == batch_id).order_by(Transfer.position))
        )


def states(db: Database, batch_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items(db, batch_id):
        counts[item.state] = counts.get(item.state, 0) + 1
    return counts


# --- Redis and the database servers ----------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server of the test's own: no persistence, so a restart loses every message."""

    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.answers, timeout=20, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            kill_9(self.process)
        self.process = None

    def restart(self, down: float = 1.0) -> None:
        """Gone for ``down`` seconds (an outage, not a blink), then back empty: with ``--save ""``
        nothing survives."""
        self.stop()
        time.sleep(down)
        self.start()


def start_worker(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """A real ``wikifile-transfer worker`` (Celery, two threads, a reconciler sweep every 0.5 s)."""
    command = cli_command(config, "worker", "--concurrency", "2", "--reconcile-interval", "0.5")
    with open(log, "ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=clean_env())


def finished(db: Any, batch_id: int) -> bool:
    """Every item of the batch in a final state."""
    return all(item.state in ("done", "failed", "blocked", "cancelled") for item in items(db, batch_id))
