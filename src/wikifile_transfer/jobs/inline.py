"""The CLI running a batch itself, without a worker: the same Runner, in a few threads of this process.

Why not just a loop: items wait for a slot on a wiki, or for a read-only wiki to come back; the loop keeps
a timetable (a heap of "not before" times) so one waiting item never stops the others, and it ends only
when every item has finished. Killed with ``kill -9``, it leaves claims that name this process; the next
run of the same command voids them at once (``void_dead_leases``) instead of waiting for them to expire.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from sqlalchemy import select, update

from wikifile_transfer.jobs import batches
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.runner import RunResult, owner_is_dead
from wikifile_transfer.store import repo
from wikifile_transfer.store.models import Batch, Transfer, WikiSlot, utcnow
from wikifile_transfer.store.states import ACTIVE, TransferState

NOT_MINE_WAIT = 2.0
"""Seconds before looking again at an item another process holds (a worker, or a claim that must expire)."""


def void_dead_leases(context: JobContext, transfer_ids: Iterable[int]) -> int:
    """Clear the claims of items whose owner was a process of this host that no longer runs, and give
    back the wiki slots it held: otherwise they stay taken until they expire (a lease's length, minutes),
    and the run that continues the batch waits for them with nothing to do."""
    ids = list(transfer_ids)
    _free_dead_slots(context)
    if not ids:
        return 0
    voided = 0
    with context.db.session() as session:
        rows = session.execute(
            select(Transfer.id, Transfer.lease_owner).where(
                Transfer.id.in_(ids), Transfer.lease_owner.is_not(None)
            )
        ).all()
        dead = [tid for tid, owner in rows if owner_is_dead(owner)]
        if dead:
            session.execute(
                update(Transfer).where(Transfer.id.in_(dead)).values(lease_owner=None, lease_until=None)
            )
            voided = len(dead)
    return voided


def void_all_dead_leases(context: JobContext) -> int:
    """:func:`void_dead_leases` for every active item: a worker started again after ``kill -9`` (by the
    embedded mode's supervisor, on the same host) takes over what its predecessor was running at once,
    through the reconciler's start-up sweep, instead of after a lease's length. The preparation leases
    of batches it was expanding or planning are voided too (the same sweep prepares them again)."""
    with context.db.session() as session:
        preparing = session.execute(
            select(Batch.id, Batch.prepare_owner).where(
                Batch.state.in_(batches.PREPARING), Batch.prepare_owner.is_not(None)
            )
        ).all()
        for batch_id, holder in preparing:
            if owner_is_dead(holder):
                session.execute(
                    update(Batch)
                    .where(Batch.id == batch_id, Batch.prepare_owner == holder)
                    .values(prepare_owner=None, prepare_until=None)
                )
    with context.db.session() as session:
        ids = list(
            session.scalars(
                select(Transfer.id).where(
                    Transfer.state.in_([s.value for s in ACTIVE]), Transfer.lease_owner.is_not(None)
                )
            )
        )
    return void_dead_leases(context, ids)


def _free_dead_slots(context: JobContext) -> None:
    with context.db.session() as session:
        held = session.execute(
            select(WikiSlot.wiki, WikiSlot.slot, WikiSlot.holder).where(WikiSlot.holder.is_not(None))
        ).all()
        for wiki, slot, holder in held:
            if holder is not None and owner_is_dead(holder):
                repo.release_slot(session, wiki, slot, holder)


@dataclass
class InlineRun:
    """Runs the given items to the end with ``concurrency`` threads. ``on_finished(id)`` is called once per
    item when it reaches a finished state (done, failed, blocked, cancelled)."""

    context: JobContext
    concurrency: int = 2
    on_finished: Callable[[int], None] = lambda _id: None
    clock: Callable[[], float] = time.monotonic
    _timetable: list[tuple[float, int]] = field(default_factory=list, init=False)
    _waiting_for_slot: set[int] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def add(self, transfer_ids: Iterable[int], *, delay: float = 0.0) -> None:
        with self._lock:
            for transfer_id in transfer_ids:
                heapq.heappush(self._timetable, (self.clock() + delay, transfer_id))

    def run(self) -> None:
        with self._lock:
            ids = [tid for _, tid in self._timetable]
        void_dead_leases(self.context, ids)
        running: dict[Future[RunResult], int] = {}
        with ThreadPoolExecutor(
            max_workers=self.concurrency, thread_name_prefix="wikifile-transfer-item"
        ) as pool:
            while True:
                self._start_due(pool, running)
                if not running:
                    due = self._next_due_in()
                    if due is None:
                        return
                    time.sleep(min(due, 1.0))
                    continue
                # With every thread busy, nothing due can start before a run ends: wait for that alone.
                # (A timeout of 0 for an item already due made this loop spin, taking a CPU from the wikis.)
                timeout = None if len(running) >= self.concurrency else self._next_due_in()
                done, _ = wait(list(running), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    self._after(running.pop(future), future.result())

    def _wake_waiting(self) -> None:
        """A run of this process ended and gave back its wiki slots: the items that found none are due now,
        not after ``slot_wait`` (the slots of other processes still free up only by that polling)."""
        with self._lock:
            if not self._waiting_for_slot:
                return
            now = self.clock()
            self._timetable = [
                (min(due, now) if tid in self._waiting_for_slot else due, tid) for due, tid in self._timetable
            ]
            heapq.heapify(self._timetable)
            self._waiting_for_slot.clear()

    def _next_due_in(self) -> float | None:
        with self._lock:
            if not self._timetable:
                return None
            return max(0.0, self._timetable[0][0] - self.clock())

    def _start_due(self, pool: ThreadPoolExecutor, running: dict[Future[RunResult], int]) -> None:
        busy = set(running.values())
        while len(running) < self.concurrency:
            with self._lock:
                if not self._timetable or self._timetable[0][0] > self.clock():
                    return
                _, transfer_id = heapq.heappop(self._timetable)
            if transfer_id in busy:
                continue
            runner = self.context.runner()
            running[pool.submit(runner.run, transfer_id)] = transfer_id
            busy.add(transfer_id)

    def _after(self, transfer_id: int, result: RunResult) -> None:
        if result is RunResult.DEFERRED:
            self.add([transfer_id], delay=self.context.settings.slot_wait)
            with self._lock:
                self._waiting_for_slot.add(transfer_id)
            return
        self._wake_waiting()
        with self.context.db.session() as session:
            transfer = session.get(Transfer, transfer_id)
            state = TransferState(transfer.state) if transfer is not None else TransferState.CANCELLED
            not_before = transfer.not_before if transfer is not None else None
        if state in ACTIVE:
            if result is RunResult.RETRY_WAIT and not_before is not None:
                delay = max(0.0, (not_before - utcnow()).total_seconds())
            else:
                delay = NOT_MINE_WAIT
            self.add([transfer_id], delay=delay)
            return
        self.on_finished(transfer_id)
