"""jobs/runner.py against a real database (SQLite and MariaDB): the lease an item is run under, its
renewal while the work goes on, its expiry and the reconciler's takeover, the refusal of a second taker,
cancellation at a step boundary, attempts and retry_wait, and the per-wiki caps and pacing shared by
every runner of the database (two Runner instances here stand for two worker processes: they share
nothing but the database)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from jobkit import Scripted, row, runner
from sqlalchemy import func, select

from wikifile_transfer.errors import RateLimitedError, ReadOnlyError
from wikifile_transfer.jobs import batches
from wikifile_transfer.jobs.dispatch import Reconciler
from wikifile_transfer.jobs.runner import RunResult
from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Event, Transfer, WikiSlot, utcnow
from wikifile_transfer.transfer.executor import Listener
from wikifile_transfer.transfer.model import TransferPlan


class Recorder:
    """A Dispatcher that only records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def dispatch(self, transfer_ids: Any, *, countdown: float = 0.0) -> None:
        self.sent.extend(transfer_ids)


def aware(value: dt.datetime | None) -> dt.datetime:
    assert value is not None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def test_the_lease_is_taken_renewed_while_working_and_given_back(db: Database, item) -> None:
    """A run longer than three leases keeps its item: each step renews the lease, so the reconciler never
    finds the item overdue and a second worker given the same id does nothing."""
    transfer_id = item()
    seen: list[tuple[str | None, dt.datetime]] = []
    reconciler_sent: list[list[int]] = []
    second: list[RunResult] = []
    other = runner(db, Scripted(), lease_seconds=1.5)

    def work(_plan: TransferPlan, listener: Listener) -> None:
        for n in range(6):  # 2.4 s of work (more than a lease), a step every 0.4 s
            time.sleep(0.4)
            listener.step("wft-step-upload", str(n + 1), "6")
            current = row(db, transfer_id)
            seen.append((current.lease_owner, aware(current.lease_until)))
            recorder = Recorder()
            Reconciler(db, recorder, grace=30).sweep()
            reconciler_sent.append(recorder.sent)
        second.append(other.run(transfer_id))

    first = runner(db, Scripted(work), lease_seconds=1.5)
    assert first.run(transfer_id) is RunResult.FINISHED

    assert {owner for owner, _ in seen} == {first.owner}
    untils = [until for _, until in seen]
    assert untils == sorted(untils) and untils[-1] - untils[0] >= dt.timedelta(seconds=1.6)
    assert reconciler_sent == [[]] * 6  # never overdue while renewed
    assert second == [RunResult.NOT_MINE]
    done = row(db, transfer_id)
    assert (done.state, done.outcome, done.lease_owner, done.lease_until, done.attempts) == (
        "done",
        "done",
        None,
        None,
        1,
    )


def test_an_expired_lease_is_re_queued_by_the_reconciler_and_taken_over(db: Database, item) -> None:
    """A worker stuck without renewing (a hung request) loses its item: the lease expires, the reconciler
    dispatches it, a second worker takes it over and finishes it; the stuck run, when it wakes up, finds
    the lease gone at its next step and leaves the item alone."""
    transfer_id = item()
    release = threading.Event()
    stuck_steps: list[str] = []

    def hang(_plan: TransferPlan, listener: Listener) -> None:
        listener.step("wft-step-download")
        release.wait(10)
        stuck_steps.append("woke")
        listener.step("wft-step-upload")  # raises LeaseLostError: another worker has it
        stuck_steps.append("uploaded")  # never reached

    stuck = runner(db, Scripted(hang), lease_seconds=1.5)
    thread, results = in_thread(lambda: stuck.run(transfer_id))
    deadline = time.monotonic() + 10
    while row(db, transfer_id).current_step != "wft-step-download":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    recorder = Recorder()
    assert Reconciler(db, recorder, grace=30).sweep() == []  # still leased
    time.sleep(1.7)
    assert Reconciler(db, recorder, grace=30).sweep() == [transfer_id]
    assert recorder.sent == [transfer_id]
    assert Reconciler(db, recorder, grace=30).sweep() == []  # dispatched once, with a new deadline

    rescuer_service = Scripted()
    rescuer = runner(db, rescuer_service, lease_seconds=30)
    assert rescuer.run(transfer_id) is RunResult.FINISHED
    release.set()
    thread.join(10)

    assert results == [RunResult.LEASE_LOST]
    assert stuck_steps == ["woke"]
    assert rescuer_service.runs == ["File:X.png"]
    final = row(db, transfer_id)
    assert (final.state, final.attempts, final.lease_owner) == ("done", 2, None)
    with db.read_session() as session:
        details = session.scalars(
            select(Event.detail).where(Event.transfer_id == transfer_id, Event.key == "wft-event-state")
        ).all()
    assert "lease taken over" in details


def test_two_workers_given_the_same_item_at_once_run_it_once(db: Database, item, race) -> None:
    """A duplicate message (two reconcilers, or a re-send while the first copy waits in the broker)
    reaches two workers at the same moment: one claim wins, the work happens once."""
    transfer_id = item()
    service = Scripted(lambda _plan, _listener: time.sleep(0.3))
    runners = [runner(db, service) for _ in range(4)]

    def go(i: int, barrier: threading.Barrier) -> RunResult:
        barrier.wait()
        return runners[i].run(transfer_id)

    results = race(4, go)

    assert sorted(results) == sorted([RunResult.FINISHED] + [RunResult.NOT_MINE] * 3)
    assert service.runs == ["File:X.png"]
    assert row(db, transfer_id).attempts == 1


def test_cancel_stops_the_run_at_the_next_step_boundary(db: Database, item, user_id: int) -> None:
    with db.session() as session:
        batch = Batch(user_id=user_id, target_wiki="commons", source_kind="urls", state="running")
        session.add(batch)
        session.flush()
        batch_id = batch.id
    transfer_id = item(batch_id=batch_id)
    other = item(batch_id=batch_id, name="Y.png")
    done: list[str] = []

    def work(_plan: TransferPlan, listener: Listener) -> None:
        listener.step("wft-step-download")
        done.append("download")
        batches.cancel(db, batch_id)  # the user presses "cancel" while the download runs
        done.append("cancel asked")
        listener.step("wft-step-upload")
        done.append("upload")

    assert runner(db, Scripted(work)).run(transfer_id) is RunResult.FINISHED

    assert done == ["download", "cancel asked"]
    stopped, waiting = row(db, transfer_id), row(db, other)
    assert (stopped.state, stopped.error_key, stopped.lease_owner) == (
        "cancelled",
        "wft-error-cancelled",
        None,
    )
    assert waiting.state == "cancelled"  # never started
    with db.read_session() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None and batch.state == "cancelled" and batch.finished_at is not None


def test_a_temporary_failure_waits_counts_its_attempts_and_gives_up_at_the_limit(db: Database, item) -> None:
    transfer_id = item()

    def read_only(_plan: TransferPlan, _listener: Listener) -> None:
        raise ReadOnlyError("commons", "The wiki is in read-only mode")

    work = runner(db, Scripted(read_only), max_attempts=3, backoff=(1.0, 2.0))

    before = utcnow()
    assert work.run(transfer_id) is RunResult.RETRY_WAIT
    waiting = row(db, transfer_id)
    assert (waiting.state, waiting.attempts, waiting.error_key, waiting.lease_owner) == (
        "retry_wait",
        1,
        "wft-error-readonly",
        None,
    )
    assert dt.timedelta(seconds=0.95) < aware(waiting.not_before) - before < dt.timedelta(seconds=3)
    assert work.run(transfer_id) is RunResult.NOT_MINE  # not before its time
    recorder = Recorder()
    assert Reconciler(db, recorder).sweep() == []  # nor does the reconciler send it early

    time.sleep(1.05)
    assert work.run(transfer_id) is RunResult.RETRY_WAIT
    second = row(db, transfer_id)
    assert second.attempts == 2
    assert aware(second.not_before) - utcnow() > dt.timedelta(seconds=1.1)  # the second pause is longer

    time.sleep(2.05)
    assert work.run(transfer_id) is RunResult.FINISHED
    final = row(db, transfer_id)
    assert (final.state, final.attempts, final.error_key) == ("failed", 3, "wft-error-readonly")
    with db.read_session() as session:
        attempts = session.scalar(
            select(func.count()).where(Event.transfer_id == transfer_id, Event.kind == "attempt")
        )
    assert attempts == 3


def test_the_target_cap_is_shared_by_two_workers(db: Database, item) -> None:
    """target_cap=1: while worker A uploads to commons, worker B's item for commons waits (deferred, no
    attempt counted) and B's item for another wiki runs; after A, B's first item runs."""
    first, second = item(name="A.png"), item(name="B.png")
    elsewhere = item(name="C.png", target="other")
    uploading = threading.Event()
    finish = threading.Event()

    def slow(_plan: TransferPlan, listener: Listener) -> None:
        listener.step("wft-step-upload")
        uploading.set()
        finish.wait(10)

    worker_a = runner(db, Scripted(slow), target_cap=1, slot_wait=0.2)
    worker_b = runner(db, Scripted(), target_cap=1, slot_wait=0.2)
    thread, results = in_thread(lambda: worker_a.run(first))
    assert uploading.wait(10)

    assert worker_b.run(second) is RunResult.DEFERRED
    deferred = row(db, second)
    assert (deferred.state, deferred.attempts, deferred.lease_owner) == ("queued", 0, None)
    assert deferred.not_before is not None
    assert worker_b.run(elsewhere) is RunResult.FINISHED
    with db.read_session() as session:
        holders = dict(
            session.execute(select(WikiSlot.wiki, WikiSlot.holder).where(WikiSlot.holder.is_not(None))).all()
        )
    assert holders == {"target:commons": worker_a.owner, "source:src": worker_a.owner}

    finish.set()
    thread.join(10)
    assert results == [RunResult.FINISHED]
    time.sleep(0.25)
    assert worker_b.run(second) is RunResult.FINISHED
    assert [row(db, i).state for i in (first, second, elsewhere)] == ["done"] * 3


def test_the_source_cap_is_shared_too(db: Database, item) -> None:
    first, second = item(name="A.png", target="commons"), item(name="B.png", target="other")
    reading = threading.Event()
    finish = threading.Event()

    def slow(_plan: TransferPlan, _listener: Listener) -> None:
        reading.set()
        finish.wait(10)

    worker_a = runner(db, Scripted(slow), source_cap=1)
    worker_b = runner(db, Scripted(), source_cap=1)
    thread, _results = in_thread(lambda: worker_a.run(first))
    assert reading.wait(10)
    assert worker_b.run(second) is RunResult.DEFERRED  # both read from src
    with db.read_session() as session:  # both-or-nothing: B gave its target slot back
        held = session.scalars(select(WikiSlot.wiki).where(WikiSlot.holder == worker_b.owner)).all()
    assert held == []
    finish.set()
    thread.join(10)


def test_a_rate_limit_pauses_the_wiki_for_every_worker(db: Database, item) -> None:
    """One worker hears "ratelimited" from commons: all work on commons pauses for pace_seconds, in every
    worker; other wikis go on."""
    limited, next_one = item(name="A.png"), item(name="B.png")
    elsewhere = item(name="C.png", target="other")

    def ratelimited(_plan: TransferPlan, _listener: Listener) -> None:
        raise RateLimitedError("commons", "You've exceeded your rate limit")

    worker_a = runner(db, Scripted(ratelimited), pace_seconds=2.0, backoff=(0.1,), slot_wait=0.1)
    worker_b = runner(db, Scripted(), pace_seconds=2.0, slot_wait=0.1)

    assert worker_a.run(limited) is RunResult.RETRY_WAIT
    with db.read_session() as session:
        paused = repo.wiki_paused_until(session, "commons")
    assert paused is not None and paused > utcnow() + dt.timedelta(seconds=1.0)

    assert worker_b.run(next_one) is RunResult.DEFERRED
    assert worker_b.run(elsewhere) is RunResult.FINISHED
    time.sleep(2.1)
    assert worker_b.run(next_one) is RunResult.FINISHED
    assert [row(db, i).state for i in (next_one, elsewhere)] == ["done", "done"]


def test_a_transfer_row_gone_from_the_active_states_is_not_run(db: Database, item) -> None:
    """Finished, blocked or planned items are not claimed, whoever sends their id."""
    ids = [item(state=state, name=f"{state}.png") for state in ("done", "failed", "cancelled", "planned")]
    service = Scripted()
    assert [runner(db, service).run(i) for i in ids] == [RunResult.NOT_MINE] * 4
    assert service.runs == []
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Transfer).where(Transfer.attempts > 0)) == 0
