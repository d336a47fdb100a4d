"""Bring a database to the current schema with the Alembic migrations shipped in the package.

The web app and the workers call :func:`upgrade` when they start, and the embedded mode on first use, so
several processes may migrate the same database at the same moment (a deploy starts the web service and N
workers together). Hence a lock around the migration:

* MariaDB: ``GET_LOCK`` (its DDL is not transactional: without the lock two processes would both see an
  empty database and the second would fail on "table exists");
* PostgreSQL: an advisory lock (DDL is transactional, but two concurrent CREATE TABLEs still collide);
* SQLite: the migration is one ``BEGIN IMMEDIATE`` transaction (see store.db), which already excludes
  every other writer.

On SQLite foreign keys are switched off while migrating and checked afterwards: batch mode rebuilds a
table by copying it and dropping the old one, and with foreign keys on, that DROP would cascade-delete
every row that refers to it.

The scripts are found through this package (``migrations/`` next to this file), so an installed wheel
migrates as well as a checkout. For developers::

    python -m wikifile_transfer.store.migrate [--url URL] upgrade | current | heads | sql
    python -m wikifile_transfer.store.migrate --url sqlite:///tmp/x.sqlite revision -m "add x" --autogenerate
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from wikifile_transfer.errors import WftError
from wikifile_transfer.store.db import Database, make_engine

LOCK_NAME = "wikifile-transfer-migrate"
LOCK_TIMEOUT_S = 300.0

Target = Database | Engine | str | None
"""A database to migrate: a Database, an Engine, a URL, or None for the configured default."""


class DatabaseUnavailableError(WftError):
    """The database cannot be reached (server down, wrong URL or password). Parameter: the URL without
    its password."""

    key = "wft-error-database-unavailable"


class MigrationLockedError(WftError):
    """Another process has been migrating the database for longer than we wait. Parameters: the URL,
    seconds waited."""

    key = "wft-error-migration-locked"


class ForeignKeyCheckError(WftError):
    """After a migration on SQLite, rows refer to rows that no longer exist. Parameter: the tables."""

    key = "wft-error-migration-foreign-keys"


def script_location() -> Path:
    return Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration without any ini file: the script location comes from the package."""
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head() -> str:
    """The newest revision shipped with this version of the code."""
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None, "the package ships at least one migration"
    return found


@contextmanager
def _engine(target: Target) -> Iterator[Engine]:
    if isinstance(target, Database):
        yield target.engine
    elif isinstance(target, Engine):
        yield target
    else:
        engine = make_engine(target)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def _connect(engine: Engine) -> Iterator[Connection]:
    try:
        connection = engine.connect()
    except OperationalError as exc:
        raise DatabaseUnavailableError(
            engine.url.render_as_string(hide_password=True), detail=str(exc.orig)
        ) from exc
    with connection:
        yield connection


def current(target: Target = None) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with _engine(target) as engine, _connect(engine) as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        connection.rollback()
        return revision


def is_current(target: Target = None) -> bool:
    """Whether the database is at :func:`head` (a cheap check before :func:`upgrade`)."""
    return current(target) == head()


@contextmanager
def _lock(connection: Connection, timeout: float) -> Iterator[None]:
    """Hold the migration lock of this database (a session-level lock, kept across transactions)."""
    name = connection.dialect.name
    url = connection.engine.url.render_as_string(hide_password=True)
    if name in ("mysql", "mariadb"):
        # GET_LOCK names are server-wide: one name per database, at most 64 characters.
        database = connection.exec_driver_sql("SELECT DATABASE()").scalar() or ""
        lock = f"{LOCK_NAME}:{zlib.crc32(str(database).encode()):08x}"
        got = connection.execute(text("SELECT GET_LOCK(:n, :t)"), {"n": lock, "t": int(timeout)}).scalar()
        connection.commit()
        if got != 1:
            raise MigrationLockedError(url, int(timeout))
        try:
            yield
        finally:
            connection.rollback()
            connection.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": lock})
            connection.commit()
    elif name == "postgresql":
        key = zlib.crc32(LOCK_NAME.encode())  # advisory locks are per database already
        deadline = time.monotonic() + timeout
        while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            connection.commit()
            if time.monotonic() > deadline:
                raise MigrationLockedError(url, int(timeout))
            time.sleep(0.1)
        connection.commit()
        try:
            yield
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()
    else:
        yield


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Switch foreign keys off around a migration on SQLite, and on again afterwards.

    The PRAGMA is a no-op inside a transaction, so it goes to the driver connection outside of one (store.db
    runs pysqlite in autocommit mode and issues BEGIN itself). If they cannot be switched on again, the
    connection is thrown away rather than returned to the pool without foreign keys."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        driver.execute("PRAGMA foreign_keys=ON")
        if driver.execute("PRAGMA foreign_keys").fetchone() != (1,):  # pragma: no cover - defensive
            connection.invalidate()


def _check_foreign_keys(connection: Connection) -> None:
    """On SQLite (where they were off), fail the migration before its commit if rows now point nowhere."""
    if connection.dialect.name == "sqlite":
        broken = sorted({str(row[0]) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")})
        if broken:
            raise ForeignKeyCheckError(", ".join(broken))


def _run(connection: Connection, action: Callable[[Config], None], lock_timeout: float) -> str | None:
    with _lock(connection, lock_timeout), _sqlite_foreign_keys_off(connection):
        config = alembic_config()
        config.attributes["connection"] = connection
        if not connection.in_transaction():
            connection.begin()  # ours, not Alembic's: the foreign key check must run before the commit
        action(config)
        _check_foreign_keys(connection)
        connection.commit()
    revision = MigrationContext.configure(connection).get_current_revision()
    connection.rollback()
    return revision


def upgrade(
    target: Target = None, revision: str = "head", *, lock_timeout: float = LOCK_TIMEOUT_S
) -> str | None:
    """Migrate the database to ``revision`` (the newest by default) and return the revision it is at.

    Idempotent and safe to call from every process at start-up: at head it does nothing, and concurrent
    callers wait for each other (see the module docstring)."""
    with _engine(target) as engine, _connect(engine) as connection:
        return _run(connection, lambda config: command.upgrade(config, revision), lock_timeout)


def downgrade(target: Target, revision: str, *, lock_timeout: float = LOCK_TIMEOUT_S) -> str | None:
    """Go back to ``revision`` (``base`` drops every table): for development and tests only."""
    with _engine(target) as engine, _connect(engine) as connection:
        return _run(connection, lambda config: command.downgrade(config, revision), lock_timeout)


def main(argv: Sequence[str] | None = None) -> int:
    """Developer entry point (the application itself calls :func:`upgrade`)."""
    parser = argparse.ArgumentParser(prog="python -m wikifile_transfer.store.migrate")
    parser.add_argument("--url", help="database URL (default: $WFT_DATABASE_URL or the embedded SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="migrate to the newest revision")
    sub.add_parser("current", help="print the revision the database is at")
    sub.add_parser("heads", help="print the newest revision of the code")
    sub.add_parser("sql", help="print the SQL of every migration (offline, for a DBA)")
    revision = sub.add_parser("revision", help="write a new revision (autogenerate: diff against --url)")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        print(upgrade(args.url))
    elif args.command == "current":
        print(current(args.url))
    elif args.command == "heads":
        print(head())
    elif args.command == "sql":
        with _engine(args.url) as engine:
            url = engine.url.render_as_string(hide_password=False)
        command.upgrade(alembic_config(url), "head", sql=True)
    else:
        with _engine(args.url) as engine, _connect(engine) as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.revision(config, message=args.message, autogenerate=args.autogenerate)
            with suppress(Exception):
                connection.rollback()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
