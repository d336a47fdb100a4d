"""Regression tests of the bugs the fault tests (tests/faults) found in jobs/, each on its own, on SQLite
and without wikis: a takeover of a dead worker's running item, the slots of a killed CLI, the dispatch
grace from the environment, the temp directory of a killed run, the wiki slots of a run longer than a
lease, a run that lost its lease and comes back, a worker started again after kill -9, a broker that is
down while items are queued, a Celery worker that ends on its own, the configured timeout in every
registry."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.signals import worker_shutting_down
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy import select

from wikifile_transfer.accounts.registry import user_registry_factory
from wikifile_transfer.config import Config
from wikifile_transfer.errors import ApiError, ConfigError, MaxlagError, WftError
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.dispatch import overdue
from wikifile_transfer.jobs.inline import void_all_dead_leases, void_dead_leases
from wikifile_transfer.jobs.queue import BrokerUnreachableError, CeleryDispatcher, run_celery_worker
from wikifile_transfer.jobs.runner import Runner, RunnerSettings, RunResult
from wikifile_transfer.store import repo
from wikifile_transfer.store.crypto import SecretBox, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Event, Transfer, WikiSlot, utcnow
from wikifile_transfer.store.states import TransferState
from wikifile_transfer.transfer.executor import (
    Listener,
    _host_tag,
    remove_orphaned_run_dirs,
    run_dir_prefix,
)
from wikifile_transfer.transfer.model import (
    CheckReport,
    FileVersion,
    SourceFile,
    SourceRef,
    Status,
    TransferPlan,
    TransferResult,
)
from wikifile_transfer.transfer.serialize import plan_to_data


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    database.create_all()
    try:
        yield database
    finally:
        database.dispose()


def new_item(db: Database, **fields: Any) -> int:
    with db.session() as session:
        user = repo.get_or_create_user(session, "local", "tester")
        transfer = Transfer(user_id=user.id, source_input="src:File:X.png", target_wiki="commons", **fields)
        session.add(transfer)
        session.flush()
        return transfer.id


def dead_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def owner(pid: int) -> str:
    return f"{socket.gethostname()[:40]}:{pid}:deadbeef"


class FailingService:
    """A transfer service whose planning fails: enough to see a run get past its claim."""

    registry: Any = None

    def plan(self, *_args: Any) -> Any:
        raise WftError("no wiki here", key="wft-error-unknown-wiki")


def test_a_running_item_whose_owner_died_is_taken_over_not_refused(db: Database) -> None:
    """kill -9 leaves an item ``running``; the next claim must run it (running → running is not a move
    of the state machine: it goes through the queue, and the takeover is in the events)."""
    expired = utcnow() - dt.timedelta(seconds=5)
    item = new_item(
        db, state=TransferState.RUNNING.value, attempts=1, lease_owner=owner(dead_pid()), lease_until=expired
    )
    runner = Runner(db, lambda _user: FailingService())  # type: ignore[arg-type,return-value]

    assert runner.run(item) is RunResult.FINISHED

    with db.session() as session:
        transfer = session.get(Transfer, item)
        assert transfer is not None
        assert (transfer.state, transfer.error_key, transfer.attempts) == (
            "failed",
            "wft-error-unknown-wiki",
            2,
        )
        moves = [
            (e.params, e.detail)
            for e in session.scalars(select(Event).where(Event.key == "wft-event-state").order_by(Event.id))
        ]
    assert moves == [
        (["running", "queued"], "lease taken over"),
        (["queued", "running"], None),
        (["running", "failed"], None),
    ]


def test_a_running_item_with_a_live_lease_is_not_taken(db: Database) -> None:
    item = new_item(
        db,
        state=TransferState.RUNNING.value,
        lease_owner="someone:1:x",
        lease_until=utcnow() + dt.timedelta(seconds=60),
    )
    runner = Runner(db, lambda _user: FailingService())  # type: ignore[arg-type,return-value]
    assert runner.run(item) is RunResult.NOT_MINE


def test_the_next_cli_run_frees_the_slots_of_a_killed_one_and_keeps_the_living(db: Database) -> None:
    """A CLI killed with ``kill -9`` held wiki slots; the run that continues the batch gets them back at
    once instead of waiting a lease's length with nothing to do."""
    dead, alive = owner(dead_pid()), owner(os.getpid())
    with db.session() as session:
        assert repo.acquire_slot(session, "target:commons", 2, dead, 600) == 0
        assert repo.acquire_slot(session, "target:commons", 2, alive, 600) == 1
    item = new_item(
        db,
        state=TransferState.RUNNING.value,
        lease_owner=dead,
        lease_until=utcnow() + dt.timedelta(seconds=600),
    )
    context = JobContext(db=db, config=Config())

    assert void_dead_leases(context, [item]) == 1

    with db.session() as session:
        holders = {slot: holder for slot, holder in session.execute(select(WikiSlot.slot, WikiSlot.holder))}
        transfer = session.get(Transfer, item)
        assert transfer is not None and transfer.lease_owner is None
    assert holders == {0: None, 1: alive}


def test_the_dispatch_grace_comes_from_the_environment(db: Database) -> None:
    assert RunnerSettings.from_env({}).dispatch_grace == 300.0
    settings = RunnerSettings.from_env({"WFT_DISPATCH_GRACE": "2.5"})
    assert settings.dispatch_grace == 2.5
    with pytest.raises(ConfigError, match="WFT_DISPATCH_GRACE"):
        RunnerSettings.from_env({"WFT_DISPATCH_GRACE": "soon"})

    sent: list[tuple[Any, ...]] = []

    class App:
        def send_task(self, *args: Any, **kwargs: Any) -> None:
            sent.append((args, kwargs))

    item = new_item(db, state=TransferState.QUEUED.value)
    before = utcnow()
    CeleryDispatcher(App(), JobContext(db=db, config=Config(), settings=settings)).dispatch([item])
    with db.session() as session:
        transfer = session.get(Transfer, item)
        assert transfer is not None and transfer.lease_until is not None
        deadline = transfer.lease_until.replace(tzinfo=dt.UTC) - before
    assert dt.timedelta(seconds=2) < deadline < dt.timedelta(seconds=4)
    assert len(sent) == 1


def test_a_run_killed_mid_download_leaves_its_temp_directory_to_the_next_run(tmp_path: Path) -> None:
    """``kill -9`` during a download leaves the run's directory (and the file, maybe gigabytes) behind;
    the next run removes it, and nothing of a live process, another host or another program."""
    dead = tmp_path / f"wft-{dead_pid()}-{_host_tag()}-abc123"
    (dead / "sub").mkdir(parents=True)
    (dead / "sub" / "wft-download").write_bytes(b"x" * 1000)
    live = tmp_path / f"{run_dir_prefix()}def456"
    live.mkdir()
    other_host = tmp_path / f"wft-{dead_pid()}-00000000-ghi789"
    other_host.mkdir()
    old_style, unrelated = tmp_path / "wft-k2j3h4g5", tmp_path / "notes.txt"
    old_style.mkdir()
    unrelated.write_text("keep")

    assert remove_orphaned_run_dirs(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, other_host, old_style, unrelated)
    )
    assert remove_orphaned_run_dirs(tmp_path / "missing") == []


def a_plan() -> TransferPlan:
    source = SourceFile(
        ref=SourceRef("src", "File:X.png"),
        wiki_name="src",
        title="File:X.png",
        page_url="http://src.test/wiki/File:X.png",
        versions=[
            FileVersion("2020-01-01T00:00:00Z", "Alice", "v1", "a" * 40, 1000, 10, 10, "image/png", "")
        ],
        revisions=[],
        text="x",
    )
    return TransferPlan(
        source=source, target_wiki="commons", target_title="File:X.png", page_text="x", summary="Transferred"
    )


def test_a_run_longer_than_a_lease_keeps_its_wiki_slots(db: Database) -> None:
    """Slots were taken for one lease and never renewed: an upload running longer lost its slot to the
    next item, and the target got more concurrent uploads than its cap."""
    settings = RunnerSettings(lease_seconds=1.0)
    holders: list[list[str | None]] = []

    class SlowService:
        registry: Any = None

        def check_with_state(self, *_args: Any) -> tuple[CheckReport, None]:
            return CheckReport(), None

        def execute(
            self, plan: TransferPlan, listener: Listener | None = None, *, state: Any = None
        ) -> TransferResult:
            assert listener is not None
            for _ in range(5):  # 2 s of work, a step every 0.4 s
                time.sleep(0.4)
                listener.step("wft-step-upload", "1", "1")
            with db.session() as session:
                holders.append(
                    [
                        slot.holder if slot.until and slot.until.replace(tzinfo=dt.UTC) > utcnow() else None
                        for slot in session.scalars(select(WikiSlot).order_by(WikiSlot.wiki, WikiSlot.slot))
                    ]
                )
            return TransferResult(status=Status.DONE, target_title=plan.target_title)

    item = new_item(db, state=TransferState.QUEUED.value, plan=plan_to_data(a_plan()))
    runner = Runner(db, lambda _user: SlowService(), settings=settings)  # type: ignore[arg-type,return-value]

    assert runner.run(item) is RunResult.FINISHED

    # source slot 0 and target slot 0 still ours (and unexpired) after twice the lease
    assert [h for h in holders[0] if h is not None] == [runner.owner, runner.owner]
    with db.session() as session:
        assert session.scalars(select(WikiSlot.holder).where(WikiSlot.holder.is_not(None))).all() == []


@pytest.mark.parametrize("ending", ["done", "temporary", "permanent"])
def test_a_run_that_lost_its_lease_leaves_the_item_to_the_run_that_took_over(
    db: Database, ending: str
) -> None:
    """A run waits (maxlag, rate limit) longer than its lease, the reconciler gives the item to another
    worker, then the first run's wait ends: whatever it ends with, it must not overwrite the item (a
    "failed" or "retry_wait" would stop the new owner's run, a "done" would claim its unfinished work)."""
    taken_over = "other-host:1:newowner"

    class OvertakenService:
        registry: Any = None

        def check_with_state(self, *_args: Any) -> tuple[CheckReport, None]:
            return CheckReport(), None

        def execute(
            self, plan: TransferPlan, listener: Listener | None = None, *, state: Any = None
        ) -> TransferResult:
            with db.session() as session:  # meanwhile: the lease ran out and another worker claimed it
                transfer = session.get(Transfer, item)
                assert transfer is not None
                transfer.lease_owner = taken_over
                transfer.lease_until = utcnow() + dt.timedelta(seconds=60)
            if ending == "temporary":
                raise MaxlagError("maxlag", "Waiting for a replica")
            if ending == "permanent":
                raise ApiError("fileexists-no-change", "The upload is an exact duplicate")
            return TransferResult(
                status=Status.DONE, target_title=plan.target_title, steps=["upload-version-1"]
            )

    item = new_item(db, state=TransferState.QUEUED.value, plan=plan_to_data(a_plan()))
    runner = Runner(db, lambda _user: OvertakenService())  # type: ignore[arg-type,return-value]

    assert runner.run(item) is RunResult.LEASE_LOST

    with db.session() as session:
        transfer = session.get(Transfer, item)
        assert transfer is not None
        assert (transfer.state, transfer.lease_owner, transfer.error_key) == ("running", taken_over, None)
        assert transfer.steps_done == []


def test_a_worker_started_again_takes_over_what_its_killed_predecessor_ran(db: Database) -> None:
    """``wikifile-transfer worker`` voids the claims of dead processes of its host when it starts, so the
    reconciler's first sweep sends those items again (not a lease's length later)."""
    later = utcnow() + dt.timedelta(seconds=600)
    dead, alive = owner(dead_pid()), owner(os.getpid())
    running = new_item(db, state=TransferState.RUNNING.value, lease_owner=dead, lease_until=later)
    elsewhere = new_item(db, state=TransferState.RUNNING.value, lease_owner=alive, lease_until=later)
    finished = new_item(db, state=TransferState.DONE.value, lease_owner=dead, lease_until=later)

    assert void_all_dead_leases(JobContext(db=db, config=Config())) == 1

    with db.session() as session:
        owners = {t.id: t.lease_owner for t in session.scalars(select(Transfer))}
        assert overdue(session, utcnow()) == [running]
    assert owners == {running: None, elsewhere: alive, finished: dead}


def test_queueing_while_the_broker_is_down_is_a_clear_error_and_loses_nothing(db: Database) -> None:
    """``batch --detach`` during a Redis outage printed kombu's traceback (and exit 1, "blocked"); now a
    message key, the password hidden, and the items keep their dispatch deadline for the reconciler."""

    class DownApp:
        class conf:
            broker_url = "redis://:secret@127.0.0.1:1/0"

        def send_task(self, *_args: Any, **_kwargs: Any) -> None:
            raise KombuOperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    item = new_item(db, state=TransferState.QUEUED.value)
    settings = RunnerSettings(dispatch_grace=30)
    dispatcher = CeleryDispatcher(DownApp(), JobContext(db=db, config=Config(), settings=settings))

    with pytest.raises(BrokerUnreachableError) as raised:
        dispatcher.dispatch([item])

    assert raised.value.key == "wft-error-broker-unreachable"
    assert raised.value.params == ("redis://:**@127.0.0.1:1/0",)
    with db.session() as session:
        transfer = session.get(Transfer, item)
        assert transfer is not None and transfer.lease_until is not None  # overdue after the grace
        assert overdue(session, utcnow() + dt.timedelta(seconds=31)) == [item]


def test_the_worker_command_starts_celery_again_when_it_ends_without_being_asked() -> None:
    """Celery's worker ended for good when Redis went away for a few seconds ("Unrecoverable error" in
    kombu's clean-up): ``wikifile-transfer worker`` starts it again, with a growing pause, until a signal
    asks it to stop."""
    starts: list[list[str]] = []

    class App:
        def worker_main(self, argv: list[str]) -> None:
            starts.append(argv)
            if len(starts) < 3:
                raise SystemExit(0)  # died of a broker error (Celery exits 0 or 1 then)
            worker_shutting_down.send(sender="celery@test", sig="SIGTERM", how="Warm", exitcode=0)
            raise SystemExit(0)

    pauses: list[float] = []
    receivers = len(worker_shutting_down.receivers)
    assert run_celery_worker(App, ["worker"], sleep=pauses.append) == 0
    assert starts == [["worker"]] * 3
    assert pauses == [1.0, 2.0]
    assert len(worker_shutting_down.receivers) == receivers  # its signal handler is gone again


def test_every_registry_of_a_job_context_has_the_configured_timeout_and_retries(db: Database) -> None:
    """The fault proxy's "hang" took 60 s per request although the configuration said 2: the registries
    of the job context (the CLI's local user, web users) were built without the configured timeout."""
    config = Config(http_timeout=2.0, api_retries=1, api_backoff=0.25)
    with db.session() as session:
        local = repo.get_or_create_user(session, "local", "tester").id
        web = repo.get_or_create_user(session, "wikimedia", "Someone").id
    factory = user_registry_factory(db, config, box=lambda: SecretBox([generate_key()]), oauth=lambda: None)
    for user in (local, web, 999_999):
        assert factory(user).http.timeout == (2.0, 2.0)
