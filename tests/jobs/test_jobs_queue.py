"""jobs/queue.py through real brokers: the machine's Redis (a queue name and key prefix of the test's own,
removed afterwards) and kombu's SQLAlchemy transport on a SQLite file (the embedded mode).

* the Celery app has the delivery settings of the design (acks late, rejected on a lost worker, one
  message prefetched), on the app and on each task;
* what travels through the broker is the item's id and nothing else: the raw message, read back from
  Redis and from the SQLite broker's table, holds no secret of the user who owns the item;
* a real Celery worker (in a thread of this process, threads pool) consumes the messages and runs the
  items; an item sent twice while it runs is executed once;
* a real ``wikifile-transfer worker`` process consumes from the SQLite broker.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from jobkit import Scripted, a_plan, context, row
from sqlalchemy import func, select

from wikifile_transfer.errors import ReadOnlyError
from wikifile_transfer.jobs import queue
from wikifile_transfer.jobs.queue import TASK_PREPARE, TASK_RUN, CeleryDispatcher, make_celery
from wikifile_transfer.store import migrate, repo
from wikifile_transfer.store.crypto import SecretBox, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Event, Transfer
from wikifile_transfer.transfer.executor import Listener
from wikifile_transfer.transfer.model import TransferPlan
from wikifile_transfer.transfer.serialize import plan_to_data

REDIS = "redis://127.0.0.1:6379/0"
SECRET = "hunter2-bot-password-of-tester"


@pytest.fixture
def backend() -> str:
    """The broker is what these tests are about: the app database is SQLite."""
    return "sqlite"


@pytest.fixture
def queue_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A queue name and a Redis key prefix of this test's own (Redis is shared: never its default keys)."""
    tag = uuid.uuid4().hex[:8]
    name, prefix = f"wft-test-{tag}", f"wft-test-{tag}:"
    monkeypatch.setenv("WFT_QUEUE", name)
    monkeypatch.setenv("WFT_QUEUE_PREFIX", prefix)
    yield name, prefix
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def broker(request: pytest.FixtureRequest, tmp_path: Path, queue_env: tuple[str, str]) -> str:
    return REDIS if request.param == "redis" else f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"


def with_secret(db: Database, user_id: int) -> None:
    """The item's owner has a stored bot password: it must never reach the broker."""
    with db.session() as session:
        repo.save_credential(
            session,
            SecretBox([generate_key()]),
            user_id,
            "botpassword",
            "commons",
            account="Tester@bot",
            secret={"password": SECRET},
        )


def raw_messages(broker_url: str, queue_name: str, prefix: str) -> list[dict[str, Any]]:
    if broker_url.startswith("redis"):
        client = redis.Redis.from_url(broker_url)
        try:
            return [json.loads(m) for m in client.lrange(f"{prefix}{queue_name}", 0, -1)]
        finally:
            client.close()
    path = broker_url.removeprefix("sqla+sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT m.payload FROM kombu_message m JOIN kombu_queue q ON m.queue_id = q.id "
            "WHERE q.name = ? AND m.visible ORDER BY m.id",
            (queue_name,),
        ).fetchall()
    return [json.loads(payload) for (payload,) in rows]


def test_the_celery_app_acknowledges_late_rejects_on_a_lost_worker_and_prefetches_one(
    queue_env: tuple[str, str],
) -> None:
    name, prefix = queue_env
    app = make_celery(REDIS)
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (
        True,
        True,
        1,
    )
    assert (conf.task_serializer, conf.accept_content, conf.task_default_queue) == ("json", ["json"], name)
    assert conf.broker_transport_options["global_keyprefix"] == prefix
    assert conf.broker_transport_options["visibility_timeout"] >= 3600
    for task in (TASK_RUN, TASK_PREPARE):
        assert (app.tasks[task].acks_late, app.tasks[task].reject_on_worker_lost) == (True, True)
    sqlite_app = make_celery("sqla+sqlite:////nonexistent/broker.sqlite")
    assert "global_keyprefix" not in sqlite_app.conf.broker_transport_options  # Redis only


@pytest.mark.parametrize("broker", ["redis", "sqlite"], indirect=True)
def test_a_message_carries_the_item_id_and_nothing_else(
    broker: str, queue_env: tuple[str, str], db: Database, item, user_id: int
) -> None:
    name, prefix = queue_env
    with_secret(db, user_id)
    transfer_id = item()
    app = make_celery(broker)
    try:
        CeleryDispatcher(app, context(db, Scripted())).dispatch([transfer_id])
        queue.CeleryPreparer(app).prepare(77)
        messages = raw_messages(broker, name, prefix)
    finally:
        app.close()

    # (Redis keeps a queue newest first: compared by task)
    bodies = {m["headers"]["task"]: json.loads(base64.b64decode(m["body"])) for m in messages}
    assert len(messages) == 2
    assert {task: (args, kwargs) for task, (args, kwargs, _embed) in bodies.items()} == {
        TASK_RUN: ([transfer_id], {}),
        TASK_PREPARE: ([77], {}),
    }
    raw = json.dumps(messages)
    for secret in (SECRET, "Tester@bot", "password", "token"):
        assert secret not in raw
    assert row(db, transfer_id).lease_until is not None  # its dispatch deadline, for the reconciler


@pytest.fixture
def postrun() -> Iterator[list[tuple[str, Any]]]:
    """(task name, return value) of every task a worker of this process finished."""
    seen: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def record(sender: Any = None, retval: Any = None, **_kwargs: Any) -> None:
        with lock:
            seen.append((getattr(sender, "name", ""), retval))

    task_postrun.connect(record, weak=False)
    yield seen
    task_postrun.disconnect(record)


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("broker", ["redis", "sqlite"], indirect=True)
def test_a_real_worker_runs_the_item_once_though_it_was_sent_twice(
    broker: str, db: Database, item, postrun: list[tuple[str, Any]]
) -> None:
    """The reconciler's re-send arrives while the first copy runs (two worker threads): the second
    delivery finds the item claimed and does nothing; the upload happens once."""
    first_running = threading.Event()

    def upload(_plan: TransferPlan, listener: Listener) -> None:
        listener.step("wft-step-upload")
        first_running.set()
        time.sleep(1.5)

    service = Scripted(upload)
    transfer_id = item()
    app = make_celery(broker)
    queue.set_context(context(db, service))
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
            dispatcher = CeleryDispatcher(app, queue.get_context())
            dispatcher.dispatch([transfer_id])
            assert first_running.wait(30), "the worker did not start the item"
            dispatcher.dispatch([transfer_id])  # a duplicate while it runs
            wait_for(lambda: len(postrun) >= 2, 30, "both deliveries")
    finally:
        queue.set_context(None)
        app.close()

    assert sorted(value for name, value in postrun if name == TASK_RUN) == ["finished", "not_mine"]
    assert service.runs == ["File:X.png"]
    final = row(db, transfer_id)
    assert (final.state, final.attempts) == ("done", 1)


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[Database]:
    """A database made by the migrations (what the worker command expects), not by create_all."""
    database = Database(f"sqlite:///{tmp_path / 'app.sqlite'}")
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_a_temporary_failure_goes_back_through_the_queue_after_its_pause(
    broker: str, db: Database, item, postrun: list[tuple[str, Any]]
) -> None:
    """The wiki is read-only at the first run: the task sends the id again with the retry pause as its
    countdown, and the second delivery (after the pause) finishes the item."""
    calls: list[float] = []

    def read_only_once(_plan: TransferPlan, _listener: Listener) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise ReadOnlyError("commons", "The wiki is in read-only mode")

    transfer_id = item()
    app = make_celery(broker)
    queue.set_context(context(db, Scripted(read_only_once), backoff=(1.0,)))
    try:
        with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            CeleryDispatcher(app, queue.get_context()).dispatch([transfer_id])
            wait_for(lambda: row(db, transfer_id).state == "done", 30, "the second run")
    finally:
        queue.set_context(None)
        app.close()
    assert [value for name, value in postrun if name == TASK_RUN] == ["retry_wait", "finished"]
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9
    assert row(db, transfer_id).attempts == 2


def test_the_reconciler_loop_outlives_a_failed_sweep_and_stops_when_asked() -> None:
    sweeps: list[str] = []
    stop = threading.Event()

    class Flaky:
        interval = 0.05
        prepared: list[int] = []  # noqa: RUF012 - read by the loop like a Reconciler's

        def sweep(self) -> list[int]:
            sweeps.append("sweep")
            if len(sweeps) == 1:
                raise ConnectionError("the database went away for a moment")
            if len(sweeps) == 3:
                self.prepared = [9]
            if len(sweeps) >= 4:
                stop.set()
            return [1]

    thread = threading.Thread(target=queue.reconcile_forever, args=(Flaky(), stop), daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and len(sweeps) == 4


def test_the_worker_command_consumes_from_the_sqlite_broker(
    tmp_path: Path, migrated: Database, queue_env: tuple[str, str]
) -> None:
    """``wikifile-transfer worker`` (a real process, the embedded mode's broker) takes the item's id from
    the broker and runs it: here the target is no wiki of its configuration, so the run fails at the
    check, with the reason recorded — after exactly one attempt, although it was sent twice."""
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    db = migrated
    with db.session() as session:
        user = repo.get_or_create_user(session, "local", "tester")
        transfer = Transfer(
            user_id=user.id,
            source_input="src:File:X.png",
            target_wiki="no-such-wiki",  # neither configured nor a Wikimedia wiki: no request is sent
            plan=plan_to_data(a_plan(target_wiki="no-such-wiki")),
            state="queued",
        )
        session.add(transfer)
        session.flush()
        transfer_id = transfer.id
    app = make_celery(broker_url)
    try:
        dispatcher = CeleryDispatcher(app, context(db, Scripted()))
        dispatcher.dispatch([transfer_id])
        dispatcher.dispatch([transfer_id])
    finally:
        app.close()
    config = tmp_path / "config.toml"
    config.write_text('contact = "tests@localhost"\n', encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "WFT_DATABASE_URL": db.url,
        "CELERY_BROKER_URL": broker_url,
        "WFT_QUEUE": queue_env[0],
        "WFT_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "wikifile_transfer.cli.main", "--config", str(config), "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(
            lambda: row(db, transfer_id).state == "failed" or worker.poll() is not None,
            60,
            "the worker to run the item",
        )
        assert worker.poll() is None, log.read_text()[-3000:]
        wait_for(lambda: not raw_messages(broker_url, queue_env[0], ""), 30, "the duplicate to be consumed")
    finally:
        worker.terminate()
        worker.wait(30)
    final = row(db, transfer_id)
    assert (final.attempts, final.error_key) == (1, "wft-error-unknown-wiki"), log.read_text()[-3000:]
    with db.read_session() as session:
        attempts = session.scalar(
            select(func.count()).where(Event.transfer_id == transfer_id, Event.kind == "attempt")
        )
    assert attempts == 1


def test_make_celery_without_a_url_uses_the_sqlite_file_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path / "data"))
    app: Celery = make_celery()
    assert app.conf.broker_url == f"sqla+sqlite:///{tmp_path / 'data' / 'broker.sqlite'}"
    assert (tmp_path / "data").is_dir()
