"""The packaged Alembic migrations: they build exactly the models' schema on every backend, are idempotent,
safe to run from several processes at once, and work from an installed wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from wikifile_transfer.store import migrate
from wikifile_transfer.store.db import Database, make_engine
from wikifile_transfer.store.models import Base, User

ROOT = Path(__file__).resolve().parents[2]


def schema_differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrated_schema_equals_the_models_and_upgrade_is_idempotent(empty_url: str) -> None:
    assert migrate.current(empty_url) is None
    assert migrate.upgrade(empty_url) == migrate.head()
    assert schema_differences(empty_url) == []
    assert migrate.is_current(empty_url)
    engine = make_engine(empty_url)
    try:
        before = sorted(inspect(engine).get_table_names())
        assert set(before) == {*Base.metadata.tables, "alembic_version"}
        # a second start-up migrates nothing and keeps the data
        db = Database(engine=engine)
        with db.session() as s:
            s.add(User(domain="wikimedia", username="Alice"))
        assert migrate.upgrade(db) == migrate.head()
        assert sorted(inspect(engine).get_table_names()) == before
        with db.session() as s:
            assert [u.username for u in s.query(User)] == ["Alice"]
        # and the comparison does see a difference when there is one
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "DROP INDEX ix_transfers_batch_id_id" + (" ON transfers" if db.backend == "mysql" else "")
            )
        assert [d[0] for d in schema_differences(empty_url)] == ["add_index"]
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    assert migrate.downgrade(empty_url, "base") is None
    engine = make_engine(empty_url)
    try:
        assert inspect(engine).get_table_names() == ["alembic_version"]
    finally:
        engine.dispose()
    assert migrate.upgrade(empty_url) == migrate.head()
    assert schema_differences(empty_url) == []


def test_processes_starting_together_migrate_once(empty_url: str, race) -> None:
    """The web app and N workers start at once and all call upgrade(): the lock makes them wait for each
    other instead of failing on "table already exists"."""
    results = race(3, lambda i, barrier: (barrier.wait(), migrate.upgrade(empty_url, lock_timeout=60))[1])
    assert results == [migrate.head()] * 3
    assert schema_differences(empty_url) == []


def test_sqlite_foreign_keys_are_on_again_after_a_migration(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fk.sqlite'}")
    try:
        migrate.upgrade(db)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()


def test_unreachable_database_is_a_typed_error() -> None:
    with pytest.raises(migrate.DatabaseUnavailableError) as caught:
        migrate.upgrade("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    assert caught.value.key == "wft-error-database-unavailable"
    assert "secret" not in str(caught.value.params)


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert migrate.main(["--url", url, "current"]) == 0
    assert migrate.main(["--url", url, "upgrade"]) == 0
    assert migrate.main(["--url", url, "heads"]) == 0
    out = capsys.readouterr().out.split()
    assert out == ["None", migrate.head(), migrate.head()]
    assert migrate.main(["--url", url, "sql"]) == 0
    assert "CREATE TABLE transfers" in capsys.readouterr().out


def test_migrations_work_from_an_installed_wheel(tmp_path: Path) -> None:
    """Build the wheel, install it into an empty folder, and migrate a database with that copy only."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("wikifile_transfer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "migrations/env.py",
        "migrations/script.py.mako",
        "migrations/versions/0001_initial_schema.py",
    ):
        assert f"wikifile_transfer/store/{needed}" in names
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    code = (
        "import sys; from wikifile_transfer.store import migrate; "
        "print(migrate.__file__); print(migrate.upgrade(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", code, f"sqlite:///{tmp_path / 'wheel.sqlite'}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    module_file, revision = run.stdout.split()
    assert Path(module_file).is_relative_to(site)
    assert revision == migrate.head()


@pytest.mark.parametrize("backend", ["mariadb", "postgresql"])
def test_a_held_migration_lock_makes_others_wait_then_give_up(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        with engine.connect() as holder, migrate._lock(holder, 5):
            with pytest.raises(migrate.MigrationLockedError) as caught:
                migrate.upgrade(empty_url, lock_timeout=1)
            assert caught.value.key == "wft-error-migration-locked"
        assert migrate.upgrade(engine, lock_timeout=5) == migrate.head()  # released: it goes through
    finally:
        engine.dispose()


def test_sqlite_migration_fails_before_commit_when_rows_point_nowhere(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'broken.sqlite'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA foreign_keys=OFF")
            driver.execute(
                "INSERT INTO transfers (user_id, position, source_input, target_wiki, state, excluded, cancel_requested, options,"
                " report, sha1s, version_count, uploaded_count, steps_done, attempts, step_params, bytes_done,"
                " bytes_total, error_params, created_at, updated_at)"
                " VALUES (999, 0, 'x', 'c', 'planned', 0, 0, '{}', '[]', '[]', 0, 0, '[]', 0, '[]', 0, 0, '[]',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
            driver.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()
    with pytest.raises(migrate.ForeignKeyCheckError) as caught:
        migrate.upgrade(url)
    assert caught.value.params == ("transfers",)


def test_autogenerated_revisions_do_not_import_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new revision written by `migrate revision --autogenerate` spells UtcDateTime as the plain column
    type (a revision is frozen history and must not change when the models do)."""
    scripts = tmp_path / "migrations"
    shutil.copytree(
        migrate.script_location(),
        scripts,
        ignore=shutil.ignore_patterns("[0-9][0-9][0-9][0-9]_*", "__pycache__"),
    )
    monkeypatch.setattr(migrate, "script_location", lambda: scripts)
    assert (
        migrate.main(
            [
                "--url",
                f"sqlite:///{tmp_path / 'empty.sqlite'}",
                "revision",
                "-m",
                "everything",
                "--autogenerate",
            ]
        )
        == 0
    )
    (written,) = (scripts / "versions").glob("*_everything.py")
    text = written.read_text()
    assert 'sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")' in text
    assert "op.create_table('transfers'" in text and "wikifile_transfer" not in text


@pytest.mark.parametrize("backend", ["mariadb"])
@pytest.mark.parametrize("scheme", ["mysql+pymysql", "mariadb+pymysql"])
def test_mariadb_tables_are_utf8mb4_binary_whatever_the_server_default(empty_url: str, scheme: str) -> None:
    """The test database defaults to utf8mb4_general_ci (as servers usually do); the tables bring their own
    binary collation, with either URL scheme, from the migration and from create_all alike."""
    url = make_url(empty_url).set(drivername=scheme).render_as_string(hide_password=False)
    migrate.upgrade(url)
    assert schema_differences(url) == []
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            collations = dict(
                conn.exec_driver_sql(
                    "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                ).all()
            )
            default = conn.exec_driver_sql("SELECT @@collation_database").scalar()
    finally:
        engine.dispose()
    assert default == "utf8mb4_general_ci"
    assert {name: collations[name] for name in Base.metadata.tables} == dict.fromkeys(
        Base.metadata.tables, "utf8mb4_bin"
    )
