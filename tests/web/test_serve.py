"""``wikifile-transfer serve`` as a real process: web app on a free port, one supervised worker, JSON logs,
secrets made once; plus the pieces it is built from (web.bootstrap, store.db's ToolsDB URL)."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from wikifile_transfer.errors import ConfigError
from wikifile_transfer.store.db import toolsdb_url
from wikifile_transfer.web.bootstrap import SECRETS_FILE, build_services, ensure_local_secrets


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def worker_children(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if "worker" in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture
def serve_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WFT_", "CELERY_", "TOOL_"))}
    env.update(
        WFT_DATA_DIR=str(tmp_path / "data"),
        WIKIFILE_TRANSFER_CONFIG=str(tmp_path / "none.toml"),
        WFT_LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def served(serve_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "wikifile_transfer.cli.main", "serve", "--port", str(port)],
            env=serve_env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        yield process, base, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        # still starting: on a loaded machine the first answers (migrations, the broker's first
        # connection with its own 2-second timeout) can take longer than this probe waits
        return False


def test_serve_runs_the_app_and_a_worker_that_comes_back_after_kill_9(served, serve_env) -> None:
    process, base, log = served
    wait_for(lambda: healthy(base), 180, "/healthz")  # a loaded 2-core CI machine
    health = requests.get(base + "/healthz", timeout=5).json()
    assert health == {"status": "ok", "checks": {"database": {"ok": True}, "broker": {"ok": True}}}
    me = requests.get(base + "/api/v1/me", timeout=5)
    assert me.status_code == 200 and me.json()["user"] is None and me.json()["csrf_token"]

    # secrets were made once, private, and the database and the broker live in the data folder
    data = Path(serve_env["WFT_DATA_DIR"])
    assert stat.S_IMODE((data / SECRETS_FILE).stat().st_mode) == 0o600
    assert (data / "wikifile-transfer.sqlite").exists()
    wait_for((data / "broker.sqlite").exists, 60, "the broker's file (made by the worker)")

    # the embedded worker: killed with -9, started again by the supervisor
    first = wait_for(lambda: worker_children(process.pid), 120, "the worker")[0]
    first.kill()
    second = wait_for(
        lambda: [w for w in worker_children(process.pid) if w.pid != first.pid], 120, "the worker's restart"
    )[0]
    assert second.pid != first.pid
    assert healthy(base)

    # a clean stop: the web app and the worker end, nothing is left behind
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    wait_for(
        lambda: not second.is_running() or second.status() == psutil.STATUS_ZOMBIE, 30, "the worker to end"
    )

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests_logged = [line for line in lines if line.get("path") == "/api/v1/me"]
    assert requests_logged and requests_logged[0]["status"] == 200 and requests_logged[0]["request_id"]
    assert any("restarting" in line["message"] for line in lines)


def test_a_second_start_keeps_the_secrets(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    path = ensure_local_secrets(env, tmp_path)
    assert path == tmp_path / SECRETS_FILE
    assert len(env["WFT_SECRET_KEY"]) >= 32 and env["WFT_SECRET_KEYS"]
    again: dict[str, str] = {}
    ensure_local_secrets(again, tmp_path)
    assert again == env
    # set ones win, and nothing is read then
    assert ensure_local_secrets({"WFT_SECRET_KEY": "a" * 40, "WFT_SECRET_KEYS": "k"}, tmp_path / "x") is None


def test_a_secrets_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    ensure_local_secrets({}, tmp_path)
    (tmp_path / SECRETS_FILE).chmod(0o644)
    ensure_local_secrets({}, tmp_path)
    assert stat.S_IMODE((tmp_path / SECRETS_FILE).stat().st_mode) == 0o600
    (tmp_path / SECRETS_FILE).write_text("not json")
    with pytest.raises(ConfigError):
        ensure_local_secrets({}, tmp_path)


def test_toolsdb_url_from_the_toolforge_variables() -> None:
    assert toolsdb_url({}) is None
    url = toolsdb_url({"TOOL_TOOLSDB_USER": "s55555", "TOOL_TOOLSDB_PASSWORD": "p@ss:word/x"})
    assert url == (
        "mysql+pymysql://s55555:p%40ss%3Aword%2Fx@tools.db.svc.wikimedia.cloud/s55555__wikifile_transfer"
        "?charset=utf8mb4"
    )
    other = toolsdb_url(
        {"TOOL_TOOLSDB_USER": "u", "TOOL_TOOLSDB_PASSWORD": "p", "WFT_TOOLSDB_DATABASE": "wft"}
    )
    assert other is not None and other.endswith("/u__wft?charset=utf8mb4")


def test_build_services_migrates_and_wires_celery(tmp_path: Path, monkeypatch) -> None:
    for name in ("WFT_DATABASE_URL", "CELERY_BROKER_URL", "TOOL_TOOLSDB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WIKIFILE_TRANSFER_CONFIG", str(tmp_path / "none.toml"))
    env = {
        "WFT_SECRET_KEYS": ensure_local_secrets({}, tmp_path)
        and json.loads((tmp_path / SECRETS_FILE).read_text())["WFT_SECRET_KEYS"]
    }
    services = build_services(env)
    try:
        from sqlalchemy import inspect  # noqa: PLC0415

        assert "transfers" in inspect(services.db.engine).get_table_names()
        assert services.db.url.endswith(str(tmp_path / "wikifile-transfer.sqlite"))
        assert services.dispatcher.app.conf.broker_url.startswith("sqla+sqlite:")  # type: ignore[attr-defined]
        assert services.box.key_count == 1
    finally:
        services.db.dispose()


@pytest.mark.parametrize(
    ("extra", "preparer"),
    [
        ({}, "ThreadPreparer"),  # no broker configured, no embedded worker: a thread of the web process
        ({"WFT_EMBEDDED_WORKER": "1"}, "CeleryPreparer"),  # serve with its worker
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "CeleryPreparer"),  # scale-out workers
    ],
)
def test_build_services_prepares_batches_through_the_workers_when_there_are_any(
    tmp_path: Path, monkeypatch, extra: dict[str, str], preparer: str
) -> None:
    for name in ("WFT_DATABASE_URL", "CELERY_BROKER_URL", "TOOL_TOOLSDB_USER", "WFT_EMBEDDED_WORKER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WIKIFILE_TRANSFER_CONFIG", str(tmp_path / "none.toml"))
    ensure_local_secrets({}, tmp_path)
    keys = json.loads((tmp_path / SECRETS_FILE).read_text())["WFT_SECRET_KEYS"]
    services = build_services({"WFT_SECRET_KEYS": keys, **extra})
    try:
        assert type(services.batch_preparer()).__name__ == preparer
        if preparer == "CeleryPreparer":  # the same broker as the items, and a deadline in the database
            found = services.batch_preparer()
            assert found.app is services.dispatcher.app  # type: ignore[attr-defined]
            assert found.db is services.db  # type: ignore[attr-defined]
    finally:
        services.db.dispose()


@pytest.mark.parametrize(("flags", "embedded"), [([], "1"), (["--no-worker"], None)])
def test_serve_tells_the_web_app_that_its_worker_runs(
    tmp_path: Path, monkeypatch, flags: list[str], embedded: str | None
) -> None:
    from wikifile_transfer.cli import serve  # noqa: PLC0415
    from wikifile_transfer.cli.main import build_parser  # noqa: PLC0415

    # run_serve writes these into os.environ: monkeypatch puts them back as they were afterwards
    for name in (
        "WFT_DATABASE_URL",
        "CELERY_BROKER_URL",
        "WFT_EMBEDDED_WORKER",
        "WFT_PUBLIC_URL",
        "WFT_SECRET_KEY",
        "WFT_SECRET_KEYS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(serve.EmbeddedServer, "run", lambda self: None)
    monkeypatch.setattr(serve.logs, "configure", lambda: None)
    args = build_parser().parse_args(["serve", *flags])
    assert serve.run_serve(args, None, "en") == 0  # type: ignore[arg-type]
    assert os.environ.get("WFT_EMBEDDED_WORKER") == embedded
