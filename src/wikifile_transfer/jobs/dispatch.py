"""Handing items to whoever runs them, and the reconciler that makes the queue optional for correctness.

The database is the source of truth; a queue message only says "look at item 42". A message may be lost
(Redis restarted and keeps nothing, the SQLite transport after ``kill -9``, a worker dying with a
prefetched message) or duplicated (a reconciler re-sending while the first copy is still on its way).
Neither matters:

* a duplicate finds the item claimed (``store.repo.claim``) or finished, and does nothing;
* a lost message is noticed by the reconciler: every active item (queued, running, waiting to retry)
  carries a *dispatch deadline* in ``lease_until`` — set when it is dispatched, extended by the worker
  that claims it — and an item whose deadline passed is dispatched again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer, utcnow
from wikifile_transfer.store.states import ACTIVE

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


@dataclass
class Reconciler:
    """Re-dispatches overdue items. Run at worker start and every ``interval`` seconds after."""

    db: Database
    dispatcher: Dispatcher
    grace: float = DISPATCH_GRACE
    interval: float = 30.0

    def sweep(self) -> list[int]:
        with self.db.session() as session:
            ids = overdue(session, utcnow())
            mark_dispatched(session, ids, countdown=0.0, grace=self.grace)
        if ids:
            self.dispatcher.dispatch(ids)
        return ids
