"""The reconciler (jobs/dispatch.py) and the batch preparation lease (jobs/batches.py, jobs/prepare.py) on
SQLite and MariaDB:

* overdue items are sent once, even by two reconcilers sweeping at the same moment (compare-and-set);
* a batch left ``expanding`` or ``planning`` by a preparer that died is prepared again (periodic sweep,
  and at start-up for a preparer of this host killed with ``kill -9``), and the new preparer continues
  where the old one stopped;
* a prepare message for a batch someone is preparing does nothing; a preparer whose lease was taken over
  stops at its next chunk.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from jobkit import Scripted, batch_row, context
from sqlalchemy import func, select, update

from wikifile_transfer.jobs import batches, dispatch, planning
from wikifile_transfer.jobs.batches import BatchSpec, Item
from wikifile_transfer.jobs.dispatch import Reconciler, overdue
from wikifile_transfer.jobs.inline import void_all_dead_leases
from wikifile_transfer.jobs.prepare import prepare_batch
from wikifile_transfer.jobs.runner import new_owner
from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Transfer, utcnow
from wikifile_transfer.store.states import BatchState, TransferState


class Recorder:
    def __init__(self) -> None:
        self.sent: list[int] = []
        self.lock = threading.Lock()

    def dispatch(self, transfer_ids: Any, *, countdown: float = 0.0) -> None:
        with self.lock:
            self.sent.extend(transfer_ids)

    def prepare(self, batch_id: int) -> None:
        with self.lock:
            self.sent.append(batch_id)


def test_two_reconcilers_sweeping_at_once_send_each_overdue_item_once(
    db: Database, item, race, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both find the same items overdue (on MariaDB both read before either writes: made certain here by
    holding each after its read until the other has read too; SQLite runs one writing transaction at a
    time); each item's new deadline is a compare-and-set, and only its winner sends it."""
    past = utcnow() - dt.timedelta(seconds=5)
    ids = [item(name=f"{n}.png", lease_until=past) for n in range(30)]
    recorders = [Recorder() for _ in range(2)]
    both_read = threading.Barrier(2, timeout=20)
    read = dispatch.overdue

    def overdue_then_wait(session: Any, now: dt.datetime, limit: int = 500) -> list[int]:
        found = read(session, now, limit)
        if backend == "mariadb":
            both_read.wait()
        return found

    monkeypatch.setattr(dispatch, "overdue", overdue_then_wait)

    def sweep(i: int, barrier: Any) -> list[int]:
        barrier.wait()
        return Reconciler(db, recorders[i], grace=60).sweep()

    results = race(2, sweep)

    sent = sorted(n for recorder in recorders for n in recorder.sent)
    assert sent == ids
    assert sorted(n for result in results for n in result) == ids
    with db.read_session() as session:
        assert overdue(session, utcnow()) == []


def test_an_item_whose_state_changed_after_the_sweep_read_it_is_not_sent(db: Database, item) -> None:
    """The compare-and-set checks the state again: an item finished (or claimed) between the reconciler's
    read and its write is left alone."""
    past = utcnow() - dt.timedelta(seconds=5)
    finished_meanwhile, claimed_meanwhile, lost = (item(name=f"{n}.png", lease_until=past) for n in range(3))
    from wikifile_transfer.jobs.dispatch import take_overdue  # noqa: PLC0415

    with db.session() as session:
        found = overdue(session, utcnow())
    with db.session() as session:
        session.execute(update(Transfer).where(Transfer.id == finished_meanwhile).values(state="done"))
        assert repo.claim(session, claimed_meanwhile, "worker:1:x", 60)
    with db.session() as session:
        assert take_overdue(session, found, grace=60) == [lost]


def new_batch(db: Database, user_id: int, kind: str = "category") -> int:
    with db.session() as session:
        spec = BatchSpec("commons", kind, "src:Category:Sunsets", {"depth": 0})
        return batches.create_batch(session, user_id, spec).id


def make_ready(db: Database, ids: list[int], _service: Any, _index: Any = None) -> None:
    """A stand-in for the dry run of a chunk (tests/jobs/test_jobs_prepare_testbed.py runs the real one)."""
    with db.session() as session:
        for transfer in session.scalars(select(Transfer).where(Transfer.id.in_(ids))):
            repo.move(session, transfer, TransferState.READY)


@pytest.fixture
def planned_chunks(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    chunks: list[list[int]] = []

    def plan_chunk(db: Database, ids: list[int], service: Any, *_shared: Any) -> None:
        chunks.append(list(ids))
        make_ready(db, ids, service)

    monkeypatch.setattr(planning, "plan_chunk", plan_chunk)
    return chunks


def items_of(count: int) -> Iterator[Item]:
    for n in range(count):
        yield Item(f"src:File:Item {n}.png")


def test_a_batch_whose_preparer_died_mid_planning_is_prepared_again_from_where_it_stopped(
    db: Database, user_id: int, planned_chunks: list[list[int]]
) -> None:
    batch_id = new_batch(db, user_id)
    dead = new_owner("prepare/")
    assert batches.claim_preparation(db, batch_id, dead, ttl=60)
    batches.expand(db, batch_id, items_of(120))
    calls = 0

    def dies_at_the_third_chunk() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # stands for kill -9: nothing after this point runs
        assert batches.renew_preparation(db, batch_id, dead, ttl=60)

    with pytest.raises(KeyboardInterrupt):
        planning.plan_batch(db, batch_id, Scripted(), chunk=50, heartbeat=dies_at_the_third_chunk)  # type: ignore[arg-type]
    assert [len(chunk) for chunk in planned_chunks] == [50, 50]
    assert batch_row(db, batch_id).state == "planning"

    preparer = Recorder()
    reconciler = Reconciler(db, Recorder(), preparer=preparer, prepare_grace=60)
    reconciler.sweep()
    assert preparer.sent == []  # its lease has not run out yet
    with db.session() as session:  # a minute later: the dead preparer's lease has run out
        session.execute(
            update(Batch).where(Batch.id == batch_id).values(prepare_until=utcnow() - dt.timedelta(seconds=1))
        )
    reconciler.sweep()
    assert preparer.sent == [batch_id] == reconciler.prepared
    reconciler.sweep()
    assert preparer.sent == [batch_id]  # a deadline now: not sent twice

    # the prepare message arrives at a worker
    assert prepare_batch(context(db, Scripted()), batch_id) is BatchState.PLANNED
    assert [len(chunk) for chunk in planned_chunks] == [50, 50, 20]  # only what was left
    batch = batch_row(db, batch_id)
    assert (batch.state, batch.prepare_owner, batch.prepare_until) == ("planned", None, None)
    with db.read_session() as session:
        states = session.execute(
            select(Transfer.state, func.count()).where(Transfer.batch_id == batch_id).group_by(Transfer.state)
        ).all()
    assert dict(states) == {"ready": 120}
    reconciler.sweep()
    assert preparer.sent == [batch_id]  # planned: nothing more to do


def test_two_reconcilers_send_prepare_once(
    db: Database, user_id: int, race, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = [new_batch(db, user_id) for _ in range(5)]
    with db.session() as session:  # rows from before the lease existed: no deadline at all
        session.execute(update(Batch).values(state="expanding", prepare_until=None))
    preparers = [Recorder() for _ in range(2)]
    both_read = threading.Barrier(2, timeout=20)
    read = batches.stale_preparations

    def stale_then_wait(session: Any, now: dt.datetime, limit: int = 100) -> list[int]:
        found = read(session, now, limit)
        if backend == "mariadb":
            both_read.wait()
        return found

    monkeypatch.setattr(batches, "stale_preparations", stale_then_wait)

    def sweep(i: int, barrier: Any) -> list[int]:
        barrier.wait()
        reconciler = Reconciler(db, Recorder(), preparer=preparers[i])
        reconciler.sweep()
        return reconciler.prepared

    race(2, sweep)
    assert sorted(n for p in preparers for n in p.sent) == stuck


def test_a_new_batch_is_left_to_its_preparer_until_the_grace_runs_out(db: Database, user_id: int) -> None:
    batch_id = new_batch(db, user_id)
    preparer = Recorder()
    reconciler = Reconciler(db, Recorder(), preparer=preparer)
    reconciler.sweep()
    assert preparer.sent == []
    until = batch_row(db, batch_id).prepare_until
    assert until is not None
    assert dt.timedelta(seconds=290) < until.replace(tzinfo=dt.UTC) - utcnow() <= dt.timedelta(seconds=300)


def test_a_worker_started_after_kill_9_prepares_the_batch_its_predecessor_held_at_once(
    db: Database, user_id: int
) -> None:
    batch_id = new_batch(db, user_id)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    import socket  # noqa: PLC0415

    dead_owner = f"prepare/{socket.gethostname()[:40]}:{child.pid}:deadbeef"
    assert batches.claim_preparation(db, batch_id, dead_owner, ttl=600)
    living = new_batch(db, user_id)
    assert batches.claim_preparation(db, living, new_owner("prepare/"), ttl=600)

    void_all_dead_leases(context(db, Scripted()))
    preparer = Recorder()
    Reconciler(db, Recorder(), preparer=preparer).sweep()
    assert preparer.sent == [batch_id]


def test_a_prepare_message_for_a_batch_being_prepared_does_nothing(
    db: Database, user_id: int, planned_chunks: list[list[int]]
) -> None:
    batch_id = new_batch(db, user_id)
    batches.expand(db, batch_id, items_of(10))
    assert batches.claim_preparation(db, batch_id, "worker-a:1:x", ttl=60)
    assert prepare_batch(context(db, Scripted()), batch_id) is BatchState.PLANNING
    assert planned_chunks == []
    assert batch_row(db, batch_id).prepare_owner == "worker-a:1:x"


def test_a_preparer_whose_lease_was_taken_over_stops_at_its_next_chunk(
    db: Database, user_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Expansion writes 200 items a chunk and renews the lease before each: a preparer that stalled past
    its lease (and was replaced) writes nothing more."""
    batch_id = new_batch(db, user_id)
    pulled = 0

    def listing(*_args: Any, **_kwargs: Any) -> Iterator[Item]:
        nonlocal pulled
        for n in range(1000):
            pulled += 1
            if n == 250:  # stalled: the lease ran out and another preparer took the batch
                with db.session() as session:
                    session.execute(
                        update(Batch)
                        .where(Batch.id == batch_id)
                        .values(prepare_owner="other:1:y", prepare_until=utcnow() + dt.timedelta(seconds=60))
                    )
            yield Item(f"src:File:Listed {n}.png")

    monkeypatch.setattr("wikifile_transfer.jobs.expand.source_items", listing)
    assert prepare_batch(context(db, Scripted()), batch_id) is BatchState.EXPANDING
    with db.read_session() as session:
        written = session.scalar(select(func.count()).where(Transfer.batch_id == batch_id))
    assert written == 200  # the first chunk; the second was refused
    assert pulled <= 401
    assert batch_row(db, batch_id).prepare_owner == "other:1:y"


def test_a_preparer_that_fails_with_a_bug_is_not_restarted_in_a_tight_loop(
    db: Database, user_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = new_batch(db, user_id)

    def broken(*_args: Any, **_kwargs: Any) -> Iterator[Item]:
        raise RuntimeError("a bug")

    monkeypatch.setattr("wikifile_transfer.jobs.expand.source_items", broken)
    with pytest.raises(RuntimeError):
        prepare_batch(context(db, Scripted()), batch_id)
    batch = batch_row(db, batch_id)
    assert batch.prepare_owner is None and batch.prepare_until is not None
    preparer = Recorder()
    Reconciler(db, Recorder(), preparer=preparer).sweep()
    assert preparer.sent == []  # again after the grace, not at the next sweep


def test_a_batch_put_back_to_planning_while_it_was_prepared_is_planned_again(
    db: Database, user_id: int, monkeypatch: pytest.MonkeyPatch, planned_chunks: list[list[int]]
) -> None:
    """An item renamed just as the dry run ends: the preparer sees the batch back in ``planning`` when it
    is done and plans that item too, before giving the lease back."""
    batch_id = new_batch(db, user_id)
    batches.expand(db, batch_id, items_of(3))
    finish = batches.finish_planning
    renamed: list[int] = []

    def finish_then_rename(db_: Database, batch: int) -> None:
        finish(db_, batch)
        if not renamed:
            first = planned_chunks[0][0]
            renamed.append(first)
            batches.rename(db, user_id, first, "File:Renamed.png")

    monkeypatch.setattr(batches, "finish_planning", finish_then_rename)
    assert prepare_batch(context(db, Scripted()), batch_id) is BatchState.PLANNED
    assert [len(chunk) for chunk in planned_chunks] == [3, 1]
    assert planned_chunks[1] == renamed
    assert batch_row(db, batch_id).prepare_owner is None


def test_a_url_list_cut_off_while_its_lines_were_written_is_left_to_its_sender(
    db: Database, user_id: int
) -> None:
    """Only the request (web) or the command (CLI) has a list's lines: a preparer cannot list it again, so
    the reconciler leaves it (sending the same list again continues it) rather than failing it."""
    with db.session() as session:
        spec = BatchSpec("commons", "urls", None, {}, "digest")
        batch_id = batches.create_batch(session, user_id, spec).id
        session.execute(update(Batch).where(Batch.id == batch_id).values(prepare_until=None))
    preparer = Recorder()
    Reconciler(db, Recorder(), preparer=preparer).sweep()
    assert preparer.sent == []
    assert prepare_batch(context(db, Scripted()), batch_id) is BatchState.EXPANDING
    assert batch_row(db, batch_id).state == "expanding"
    batches.expand(db, batch_id, items_of(3))  # the list sent again
    with db.session() as session:  # its sender died before planning it: that a preparer can do
        session.execute(update(Batch).where(Batch.id == batch_id).values(prepare_until=None))
    Reconciler(db, Recorder(), preparer=preparer).sweep()
    assert preparer.sent == [batch_id]
