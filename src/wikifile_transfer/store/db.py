"""Connecting to the database: one ``Database`` per process, sessions as short transactions.

The URL comes from ``WFT_DATABASE_URL`` (12-factor): ``sqlite:///path`` for the embedded mode (the
default, a file under the data directory), ``mysql+pymysql://…?charset=utf8mb4`` for ToolsDB/MariaDB,
``postgresql+psycopg://…`` for PostgreSQL. Workers use the same sessions without any Flask context.

Engine settings that matter in production:

* SQLite: WAL journal so readers (the web app showing progress) never wait for the writer (a worker),
  ``busy_timeout`` so concurrent writers queue instead of failing with "database is locked", foreign keys
  on (SQLite leaves them off), and ``BEGIN IMMEDIATE`` so a transaction that will write takes the write
  lock up front (otherwise two read-then-write transactions deadlock and one fails at commit), except in
  :meth:`Database.read_session`, whose readers must neither wait for nor block the writers;
* MariaDB: ``pool_pre_ping`` and ``pool_recycle`` below ToolsDB's idle timeout (it closes idle
  connections), utf8mb4 so 4-byte characters in titles survive.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from wikifile_transfer.store.models import Base

ENV_URL = "WFT_DATABASE_URL"
ENV_DATA_DIR = "WFT_DATA_DIR"
SQLITE_BUSY_MS = 30_000


def data_dir() -> Path:
    """Where the embedded mode keeps its files: ``$WFT_DATA_DIR``, else ``$XDG_DATA_HOME`` (default
    ``~/.local/share``) ``/wikifile-transfer``."""
    explicit = os.environ.get(ENV_DATA_DIR)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "wikifile-transfer"


TOOLSDB_HOST = "tools.db.svc.wikimedia.cloud"


def toolsdb_url(env: Mapping[str, str] | None = None) -> str | None:
    """On Toolforge (``TOOL_TOOLSDB_USER``/``TOOL_TOOLSDB_PASSWORD`` set by the platform): ToolsDB, the
    database ``<user>__wikifile_transfer`` (``WFT_TOOLSDB_DATABASE`` overrides the part after ``__``;
    ToolsDB database names must start with the credential user and two underscores)."""
    env = os.environ if env is None else env
    user, password = env.get("TOOL_TOOLSDB_USER"), env.get("TOOL_TOOLSDB_PASSWORD")
    if not user or not password:
        return None
    name = env.get("WFT_TOOLSDB_DATABASE") or "wikifile_transfer"
    host = env.get("WFT_TOOLSDB_HOST") or TOOLSDB_HOST
    return (
        f"mysql+pymysql://{quote_plus(user)}:{quote_plus(password)}@{host}/"
        f"{quote_plus(user)}__{quote_plus(name)}?charset=utf8mb4"
    )


def default_url() -> str:
    """``WFT_DATABASE_URL``, else ToolsDB on Toolforge, else SQLite in the data folder."""
    explicit = os.environ.get(ENV_URL)
    if explicit:
        return explicit
    toolsdb = toolsdb_url()
    if toolsdb:
        return toolsdb
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'wikifile-transfer.sqlite'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off (isolation_level=None) so that BEGIN below is
    # the only one, and can be IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    _enable_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL, waiting for other connections when they hold it.

    Why a loop: the switch needs the database to itself, and when another connection is inside a write
    transaction SQLite answers "database is locked" at once instead of waiting for busy_timeout. That is
    exactly the embedded mode's first start, where the web app and the worker open a new database file
    together and one of them is already migrating it."""
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


READ_ONLY = "wft_read_only"
"""Execution option of :meth:`Database.read_session`: on SQLite its transactions begin DEFERRED."""


def _sqlite_begin(connection: Any) -> None:
    # A read-only transaction (the history, progress polling) must not take the write lock: with WAL it
    # can read while a worker writes, but BEGIN IMMEDIATE would make it wait for (and block) the writers.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = url or default_url()
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    options: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options = {"connect_args": {"timeout": SQLITE_BUSY_MS / 1000}}
    elif backend in ("mysql", "mariadb"):
        options["pool_recycle"] = 280  # ToolsDB closes connections idle for 300 s
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    engine = create_engine(parsed, **{**options, **kwargs})
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class Database:
    """The engine and a session factory. ``with db.session() as s:`` is one transaction: committed when
    the block ends, rolled back when it raises."""

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self.engine = engine if engine is not None else make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A transaction that only reads (history pages, progress): on SQLite it does not take the write
        lock, so it neither waits for nor holds up the workers. Writing in it works but may fail with
        "database is locked" on SQLite when a writer is active: use :meth:`session` to write."""
        with self._read_sessions.begin() as session:
            yield session

    def create_all(self) -> None:
        """Create the tables directly (tests); deployments run the Alembic migrations (store.migrate)."""
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
