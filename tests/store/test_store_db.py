"""Engine and session setup (store/db.py): where the embedded database lives, and what a URL shows."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from wikifile_transfer.store import db as store_db
from wikifile_transfer.store.db import Database, data_dir, default_url


def test_default_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(store_db.ENV_URL, raising=False)
    monkeypatch.delenv(store_db.ENV_DATA_DIR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "wikifile-transfer"
    assert default_url() == f"sqlite:///{tmp_path / 'xdg' / 'wikifile-transfer' / 'wikifile-transfer.sqlite'}"
    assert (tmp_path / "xdg" / "wikifile-transfer").is_dir()
    monkeypatch.setenv(store_db.ENV_DATA_DIR, str(tmp_path / "data"))
    assert data_dir() == tmp_path / "data"
    monkeypatch.setenv(store_db.ENV_URL, "mysql+pymysql://u:pw@db/x")
    assert default_url() == "mysql+pymysql://u:pw@db/x"


def test_database_properties_hide_the_password(tmp_path: Path) -> None:
    database = Database("mysql+pymysql://tool:s3cret@127.0.0.1:1/x")
    try:
        assert "s3cret" not in database.url and database.backend == "mysql"
        assert database.engine.url.query["charset"] == "utf8mb4"  # added when the URL lacks it
    finally:
        database.dispose()
    nested = Database(f"sqlite:///{tmp_path / 'a' / 'b' / 'wft.sqlite'}")
    try:
        nested.create_all()  # the folders are created on the way
        assert (tmp_path / "a" / "b" / "wft.sqlite").is_file()
        with nested.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        nested.dispose()


def test_opening_a_sqlite_file_another_connection_is_writing_waits_for_it(tmp_path: Path) -> None:
    """Switching to WAL needs the file to itself and SQLite refuses at once, without busy_timeout, while
    another connection writes: the first start of the embedded mode (web app and worker opening a new
    file together) failed with "database is locked". The connection now waits for the writer."""
    path = tmp_path / "new.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    timer = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    timer.start()
    database = Database(f"sqlite:///{path}")
    try:
        started = time.monotonic()
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1  # after the writer's commit
        assert time.monotonic() - started >= 0.2
    finally:
        timer.join()
        database.dispose()
        other.close()
