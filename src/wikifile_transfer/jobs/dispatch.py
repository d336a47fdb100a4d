"""Handing items to whoever runs them, and the reconciler that makes the queue optional for correctness.

The database is the source of truth; a queue message only says "look at item 42". A message may be lost
(Redis restarted and keeps nothing, the SQLite transport after ``kill -9``, a worker dying with a
prefetched message) or duplicated (a reconciler re-sending while the first copy is still on its way).
Neither matters:

* a duplicate finds the item claimed (``store.repo.claim``) or finished, and does nothing;
* a lost message is noticed by the reconciler: every active item (queued, running, waiting to retry)
  carries a *dispatch deadline* in ``lease_until`` — set when it is dispatched, extended by the worker
  that claims it — and an item whose deadline passed is dispatched again.

The reconciler itself sends each overdue item once: it sets the new deadline with a compare-and-set per
item (the UPDATE matches only while the deadline is still past), and dispatches only the items whose
UPDATE it won. Two reconcilers sweeping at once (two workers starting together) both *find* an item
overdue, but only one sends it. Batches left ``expanding`` or ``planning`` by a preparer that died are
handled the same way through their preparation lease (jobs/batches.py), with a :class:`Preparer`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from wikifile_transfer.jobs import batches
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer, utcnow
from wikifile_transfer.store.states import ACTIVE

if TYPE_CHECKING:
    from wikifile_transfer.jobs.prepare import Preparer

log = logging.getLogger(__name__)

DISPATCH_GRACE = 300.0
"""Seconds a dispatched item may wait in the queue before the reconciler sends it again. Longer than any
queue delay in practice; a duplicate is harmless anyway."""


class Dispatcher(Protocol):
    """Sends item ids to the workers (Celery) or to the process's own runner threads (the CLI)."""

    def dispatch(self, transfer_ids: Iterable[int], *, countdown: float = 0.0) -> None: ...


def mark_dispatched(session: Session, transfer_ids: list[int], *, countdown: float, grace: float) -> None:
    """Give dispatched items a deadline: not before their countdown has run, plus the grace."""
    if not transfer_ids:
        return
    now = utcnow()
    deadline = now + dt.timedelta(seconds=countdown + grace)
    # A claim that ran out is void: its owner is gone or too slow, and its next renewal will fail.
    session.execute(
        update(Transfer)
        .where(
            Transfer.id.in_(transfer_ids),
            or_(Transfer.lease_owner.is_(None), Transfer.lease_until.is_(None), Transfer.lease_until < now),
        )
        .values(lease_owner=None, lease_until=deadline)
    )


def overdue(session: Session, now: dt.datetime, limit: int = 500) -> list[int]:
    """Active items nobody holds and nobody is about to run: their message is lost (or the worker died)."""
    rows = session.scalars(
        select(Transfer.id)
        .where(
            Transfer.state.in_([s.value for s in ACTIVE]),
            or_(Transfer.lease_until.is_(None), Transfer.lease_until < now),
            or_(Transfer.not_before.is_(None), Transfer.not_before <= now),
        )
        .order_by(Transfer.id)
        .limit(limit)
    )
    return list(rows)


def take_overdue(session: Session, transfer_ids: Iterable[int], *, grace: float) -> list[int]:
    """Give each overdue item a new dispatch deadline, each with its own compare-and-set (the conditions
    of :func:`overdue`, checked again by the UPDATE on the newest committed row): returns the ids this call
    won, the only ones its caller may send."""
    now = utcnow()
    deadline = now + dt.timedelta(seconds=grace)
    won: list[int] = []
    for transfer_id in transfer_ids:
        statement = (
            update(Transfer)
            .where(
                Transfer.id == transfer_id,
                Transfer.state.in_([s.value for s in ACTIVE]),
                or_(Transfer.lease_until.is_(None), Transfer.lease_until < now),
                or_(Transfer.not_before.is_(None), Transfer.not_before <= now),
            )
            .values(lease_owner=None, lease_until=deadline)
        )
        result = session.execute(statement, execution_options={"synchronize_session": False})
        if cast(CursorResult[Any], result).rowcount == 1:
            won.append(transfer_id)
    return won


@dataclass
class Reconciler:
    """Re-dispatches overdue items, and re-prepares abandoned batches when it has a ``preparer``. Run at
    worker start and every ``interval`` seconds after."""

    db: Database
    dispatcher: Dispatcher
    grace: float = DISPATCH_GRACE
    interval: float = 30.0
    preparer: Preparer | None = None
    """Sends prepare for batches stuck in expanding/planning (CeleryPreparer in a worker); None: not done."""
    prepare_grace: float = batches.PREPARE_GRACE
    prepared: list[int] = dataclasses.field(default_factory=list, init=False)
    """The batches the last sweep sent prepare for."""

    def sweep(self) -> list[int]:
        """Returns the ids of the items it dispatched (:attr:`prepared` has the batches)."""
        with self.db.session() as session:
            ids = take_overdue(session, overdue(session, utcnow()), grace=self.grace)
        if ids:
            self.dispatcher.dispatch(ids)
        self.prepared = self.sweep_preparations() if self.preparer is not None else []
        return ids

    def sweep_preparations(self) -> list[int]:
        """Send prepare for every batch whose preparation was abandoned; returns their ids."""
        assert self.preparer is not None
        with self.db.session() as session:
            found = batches.stale_preparations(session, utcnow())
            won = batches.mark_prepare_dispatched(session, found, grace=self.prepare_grace)
        for batch_id in won:
            log.info("reconciler: batch %s was left expanding or planning; preparing it again", batch_id)
            self.preparer.prepare(batch_id)
        return won
