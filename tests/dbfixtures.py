"""Database fixtures shared by the store and jobs tests: a fresh, empty database per test on SQLite,
MariaDB and PostgreSQL. A test folder uses them by importing them into its conftest.py
(``from dbfixtures import backend, db, empty_url, race, servers``); ``backend`` may be overridden there to
limit the engines (tests/jobs runs on SQLite and MariaDB).

* ``empty_url`` (parametrised over the three backends): the URL of a database created for this test and
  dropped after it (MariaDB: ``CREATE DATABASE wft_test_<pid>_<random>``; PostgreSQL: a schema of that name
  in a database of this run, reached through ``search_path``; SQLite: a file in the test's tmp_path).
  Nothing is ever created in the shared ``test`` databases.
* ``db``: a :class:`~wikifile_transfer.store.db.Database` on it with the tables created from the models
  (the migration tests prove the migrated schema equals them).
* ``race``: runs a function in N threads at once (each thread gets its own session and connection).

Servers: ``WFT_TEST_MARIADB_URL`` (default root@127.0.0.1:3306) and ``WFT_TEST_POSTGRESQL_URL`` (default
postgres@127.0.0.1:5432). A server that cannot be reached fails its tests when ``CI`` is set, and skips
them (saying why) otherwise.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from wikifile_transfer.store.db import Database

MARIADB_URL = os.environ.get("WFT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
POSTGRESQL_URL = os.environ.get(
    "WFT_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "mariadb", "postgresql")
PREFIX = "wft_test_"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@dataclass
class Server:
    """An admin connection to a database server, or why there is none."""

    name: str
    url: str
    admin: Engine | None = None
    problem: str | None = None

    home: str | None = None  # PostgreSQL: this run's own database, holding a schema per test

    def create(self) -> str:
        """A new empty database (MariaDB) or schema (PostgreSQL, in this run's database): CREATE DATABASE
        takes 0.3 s there, a schema 0.01 s)."""
        assert self.admin is not None
        name = f"{PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
        url = make_url(self.url)
        if self.name == "mariadb":
            with self.admin.connect() as conn:
                # The default of most servers (ToolsDB's too): the tables must bring their own collation.
                conn.exec_driver_sql(
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
                )
            return url.set(database=name).render_as_string(hide_password=False)
        if self.home is None:
            self.home = name
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
        home = url.set(database=self.home)
        engine = create_engine(home, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        engine.dispose()
        query = {**dict(home.query), "options": f"-csearch_path={name}"}
        return home.set(query=query).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        assert self.admin is not None
        parsed = make_url(url)
        if self.name == "mariadb":
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {parsed.database}")
            return
        schema = str(parsed.query["options"]).split("=", 1)[1]
        engine = create_engine(parsed.set(query={}), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()

    def close(self) -> None:
        if self.admin is None:
            return
        if self.home is not None:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.home} WITH (FORCE)")
        self.admin.dispose()

    def drop_leftovers(self) -> None:
        """Drop databases of earlier test runs that were killed before they could clean up (their pid is
        gone); never those of a run still going on."""
        assert self.admin is not None
        with self.admin.connect() as conn:
            if self.name == "mariadb":
                names = [row[0] for row in conn.exec_driver_sql("SHOW DATABASES")]
            else:
                names = [row[0] for row in conn.exec_driver_sql("SELECT datname FROM pg_database")]
            for name in names:
                match = re.fullmatch(rf"{PREFIX}(\d+)_[0-9a-f]{{8}}", name)
                if match and not Path(f"/proc/{match.group(1)}").exists():
                    force = " WITH (FORCE)" if self.name == "postgresql" else ""
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")


def _connect(name: str, url: str) -> Server:
    server = Server(name, url)
    args = {"connect_timeout": 3}
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args=args, pool_pre_ping=True)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        server.admin = engine
        server.drop_leftovers()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"; reported below
        server.problem = (
            f"{name} at {make_url(url).render_as_string(hide_password=True)} is not reachable: {exc}"
        )
        print(f"\n[store tests] {server.problem}", file=sys.stderr)
    return server


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, Server]]:
    found = {
        "mariadb": _connect("mariadb", MARIADB_URL),
        "postgresql": _connect("postgresql", POSTGRESQL_URL),
    }
    yield found
    for server in found.values():
        server.close()


def _server(servers: dict[str, Server], name: str) -> Server:
    server = servers[name]
    if server.problem:
        if in_ci():
            pytest.fail(f"{server.problem} (CI is set: every backend must be tested)")
        pytest.skip(f"{server.problem} (not in CI, so skipped; set CI=true to make this fail)")
    return server


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, servers: dict[str, Server], tmp_path: Path) -> Iterator[str]:
    """A fresh database of ``backend`` with no tables, dropped after the test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    server = _server(servers, backend)
    url = server.create()
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture
def db(empty_url: str) -> Iterator[Database]:
    database = Database(empty_url)
    database.create_all()
    try:
        yield database
    finally:
        database.dispose()


Race = Callable[..., list[Any]]


@pytest.fixture
def race() -> Race:
    """``race(n, fn)`` runs ``fn(i, barrier)`` in n threads started together and returns their results in
    order; an exception in any thread fails the test. ``barrier.wait()`` lines the threads up."""

    def run(n: int, fn: Callable[[int, threading.Barrier], Any], timeout: float = 60) -> list[Any]:
        barrier = threading.Barrier(n, timeout=timeout)
        results: list[Any] = [None] * n
        errors: list[BaseException] = []

        def target(i: int) -> None:
            try:
                results[i] = fn(i, barrier)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                errors.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        assert not any(t.is_alive() for t in threads), "a racing thread hung"
        if errors:
            raise errors[0]
        return results

    return run
