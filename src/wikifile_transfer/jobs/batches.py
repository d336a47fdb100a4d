"""A batch's life: created from a source, expanded into items, planned and checked (the dry run),
run, finished, retried, cancelled.

Every function here is a short series of database transactions, safe to repeat: the CLI killed in the
middle of any of them, then started again with the same command, finds the batch by its fingerprint and
carries on where it was (expansion restarts from scratch: items that never ran cost nothing to redo).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from wikifile_transfer.errors import WftError
from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Transfer, utcnow
from wikifile_transfer.store.states import (
    ACTIVE,
    BatchState,
    Outcome,
    TransferState,
    batch_state_for,
)

SOURCE_KINDS = ("urls", "category", "user", "page", "single")
INSERT_CHUNK = 200
"""Items written per transaction while a source is expanded: memory stays flat for any batch size."""
PREPARE_GRACE = 300.0
"""Seconds a new batch (or a prepare message) may wait for its preparer before the reconciler sends
prepare again (the same role as jobs/dispatch.py's DISPATCH_GRACE for items)."""
PREPARING = (BatchState.EXPANDING.value, BatchState.PLANNING.value)
"""Batch states that need a preparer (jobs/prepare.py)."""

Heartbeat = Callable[[], None]
"""Called by a long preparation between chunks: renews its lease, raises PreparationLostError if lost."""


class PreparationLostError(WftError):
    """The preparation lease of a batch ran out and another preparer took it over: this one stops."""

    key = "wft-error-preparation-lost"


@dataclass(frozen=True)
class BatchSpec:
    """What the user asked for. ``lines`` only for ``urls`` (hashed into the fingerprint, not stored)."""

    target: str
    kind: str
    spec: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    lines_digest: str | None = None

    def fingerprint(self) -> str:
        """The same command gives the same fingerprint: how a re-run finds the batch it continues."""
        payload = json.dumps(
            [self.target, self.kind, self.spec, self.options, self.lines_digest], sort_keys=True, default=str
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def digest_lines(lines: Iterable[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.strip().encode("utf-8") + b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class Item:
    """One item of an expanded source: what the user would have typed for it (a URL or ``WIKI:File:X``),
    or the error that line produced (kept as a failed item, so nothing the user listed disappears)."""

    source_input: str
    error: WftError | None = None


def find_unfinished(session: Session, user_id: int, spec: BatchSpec) -> Batch | None:
    """The user's latest batch with this fingerprint that has not finished (a re-run continues it)."""
    fingerprint = spec.fingerprint()
    finished = {
        BatchState.DONE,
        BatchState.PARTIAL,
        BatchState.FAILED,
        BatchState.BLOCKED,
        BatchState.CANCELLED,
    }
    rows = session.scalars(
        select(Batch)
        .where(Batch.user_id == user_id, Batch.fingerprint == fingerprint)
        .order_by(Batch.id.desc())
        .limit(1)
    ).all()
    if rows and BatchState(rows[0].state) not in finished:
        return rows[0]
    return None


def create_batch(session: Session, user_id: int, spec: BatchSpec) -> Batch:
    if spec.kind not in SOURCE_KINDS:
        raise ValueError(spec.kind)
    batch = Batch(
        user_id=user_id,
        target_wiki=spec.target,
        source_kind=spec.kind,
        source_spec=spec.spec,
        options=dict(spec.options),
        fingerprint=spec.fingerprint(),
        state=BatchState.EXPANDING.value,
        # its preparer (a thread, a worker, the CLI) is about to start: a deadline for the reconciler
        prepare_until=utcnow() + dt.timedelta(seconds=PREPARE_GRACE),
    )
    session.add(batch)
    session.flush()
    repo.add_event(session, user_id=user_id, batch_id=batch.id, kind="state", key="wft-event-batch-created")
    return batch


def expand(db: Database, batch_id: int, items: Iterable[Item], *, heartbeat: Heartbeat | None = None) -> int:
    """Write the items of a batch, streaming, ``INSERT_CHUNK`` per transaction. Returns the count.

    An earlier, interrupted expansion of the same batch is discarded first (its items never ran).
    ``heartbeat`` is called before each chunk (the preparation lease, see :func:`claim_preparation`)."""
    with db.session() as session:
        batch = _batch(session, batch_id)
        if batch.state != BatchState.EXPANDING.value:
            return batch.item_count
        session.query(Transfer).filter(Transfer.batch_id == batch_id).delete()
        user_id, target, options = batch.user_id, batch.target_wiki, dict(batch.options)
    count = 0
    for chunk in _chunks(iter(items), INSERT_CHUNK):
        if heartbeat is not None:
            heartbeat()
        with db.session() as session:
            for item in chunk:
                count += 1
                row = Transfer(
                    user_id=user_id,
                    batch_id=batch_id,
                    position=count,
                    source_input=item.source_input,
                    target_wiki=target,
                    options=options,
                )
                if item.error is not None:
                    row.state = TransferState.FAILED.value
                    row.outcome = Outcome.FAILED.value
                    row.error_key = item.error.key
                    row.error_params = list(item.error.params)
                    row.finished_at = utcnow()
                session.add(row)
    with db.session() as session:
        batch = _batch(session, batch_id)
        batch.item_count = count
        batch.state = BatchState.PLANNING.value
        repo.add_event(
            session,
            user_id=batch.user_id,
            batch_id=batch_id,
            kind="state",
            key="wft-event-batch-expanded",
            params=[str(count)],
        )
    return count


def fail_expansion(db: Database, batch_id: int, error: WftError) -> None:
    """The source itself could not be listed (missing category, unknown wiki): the batch fails whole."""
    with db.session() as session:
        batch = _batch(session, batch_id)
        batch.state = BatchState.FAILED.value
        batch.error_key = error.key
        batch.error_params = list(error.params)
        batch.finished_at = utcnow()
        repo.add_event(
            session,
            user_id=batch.user_id,
            batch_id=batch_id,
            kind="error",
            key=error.key,
            params=list(error.params),
            detail=error.detail,
        )


# --- the preparation lease ------------------------------------------------------------------------


def _rows(session: Session, statement: Any) -> int:
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


def _preparation_free(now: dt.datetime) -> ColumnElement[bool]:
    return or_(Batch.prepare_owner.is_(None), Batch.prepare_until.is_(None), Batch.prepare_until < now)


def claim_preparation(db: Database, batch_id: int, owner: str, ttl: float) -> bool:
    """Take the batch's preparation lease (one conditional UPDATE, like store.repo.claim): True when the
    batch needs preparing and nobody else holds it (a deadline without owner, set for a prepare message
    on its way, does not stop its receiver)."""
    now = utcnow()
    with db.session() as session:
        statement = (
            update(Batch)
            .where(Batch.id == batch_id, Batch.state.in_(PREPARING), _preparation_free(now))
            .values(prepare_owner=owner, prepare_until=now + dt.timedelta(seconds=ttl))
        )
        return _rows(session, statement) == 1


def renew_preparation(db: Database, batch_id: int, owner: str, ttl: float) -> bool:
    """Extend the lease while preparing; False when it was lost (it expired and was taken over)."""
    now = utcnow()
    with db.session() as session:
        statement = (
            update(Batch)
            .where(Batch.id == batch_id, Batch.prepare_owner == owner)
            .values(prepare_until=now + dt.timedelta(seconds=ttl))
        )
        return _rows(session, statement) == 1


def release_preparation(db: Database, batch_id: int, owner: str, *, retry_after: float = 0.0) -> None:
    """Give the lease back. ``retry_after``: the reconciler leaves the batch alone that long (a preparer
    that failed with a bug is not restarted in a tight loop); 0: at once if it still needs preparing."""
    until = utcnow() + dt.timedelta(seconds=retry_after) if retry_after > 0 else None
    with db.session() as session:
        _rows(
            session,
            update(Batch)
            .where(Batch.id == batch_id, Batch.prepare_owner == owner)
            .values(prepare_owner=None, prepare_until=until),
        )


LISTED_BY_THE_USER = ("urls", "single")
"""Source kinds whose items only the user's request has (the lines are not stored, only their digest): no
preparer can expand such a batch again. Sending the same list again continues it (same fingerprint)."""


def stale_preparations(session: Session, now: dt.datetime, limit: int = 100) -> list[int]:
    """Batches still expanding or planning that nobody prepares and no prepare message is on its way for:
    their preparer died (its lease ran out), or its message was lost, or the row predates the lease. Not
    a URL list cut off while its lines were written: only its sender has them (LISTED_BY_THE_USER)."""
    return list(
        session.scalars(
            select(Batch.id)
            .where(
                Batch.state.in_(PREPARING),
                or_(Batch.prepare_until.is_(None), Batch.prepare_until < now),
                or_(Batch.state != BatchState.EXPANDING.value, Batch.source_kind.not_in(LISTED_BY_THE_USER)),
            )
            .order_by(Batch.id)
            .limit(limit)
        )
    )


def mark_prepare_dispatched(session: Session, batch_ids: Iterable[int], *, grace: float) -> list[int]:
    """Give each stale batch a new deadline, each with its own compare-and-set: returns the ids this call
    won. Two reconcilers sweeping at once both find a batch stale; only one of them sends prepare."""
    now = utcnow()
    deadline = now + dt.timedelta(seconds=grace)
    won: list[int] = []
    for batch_id in batch_ids:
        statement = (
            update(Batch)
            .where(
                Batch.id == batch_id,
                Batch.state.in_(PREPARING),
                or_(Batch.prepare_until.is_(None), Batch.prepare_until < now),
            )
            .values(prepare_owner=None, prepare_until=deadline)
        )
        if _rows(session, statement) == 1:
            won.append(batch_id)
    return won


def pending_plans(db: Database, batch_id: int, limit: int = 50) -> list[int]:
    """Ids of items still waiting for their dry-run plan (state ``planned``), in batch order."""
    with db.session() as session:
        return list(
            session.scalars(
                select(Transfer.id)
                .where(Transfer.batch_id == batch_id, Transfer.state == TransferState.PLANNED.value)
                .order_by(Transfer.position)
                .limit(limit)
            )
        )


def finish_planning(db: Database, batch_id: int) -> None:
    with db.session() as session:
        batch = _batch(session, batch_id)
        if batch.state == BatchState.PLANNING.value:
            batch.state = BatchState.PLANNED.value
            repo.add_event(
                session, user_id=batch.user_id, batch_id=batch_id, kind="state", key="wft-event-batch-planned"
            )


def start(db: Database, batch_id: int) -> list[int]:
    """Queue every ready item that the user did not exclude; blocked and failed items stay as they are.
    Returns the ids to dispatch."""
    with db.session() as session:
        batch = _batch(session, batch_id)
        ids = list(
            session.scalars(
                select(Transfer.id)
                .where(
                    Transfer.batch_id == batch_id,
                    Transfer.state.in_([TransferState.READY.value, TransferState.PLANNED.value]),
                    Transfer.excluded.is_(False),
                )
                .order_by(Transfer.position)
            )
        )
        for transfer in session.scalars(select(Transfer).where(Transfer.id.in_(ids))):
            repo.move(session, transfer, TransferState.QUEUED, not_before=None)
        # items that were already queued or running (a re-run after a crash) are dispatched again too:
        # their lease decides whether anyone may take them
        active = list(
            session.scalars(
                select(Transfer.id).where(
                    Transfer.batch_id == batch_id,
                    Transfer.state.in_([s.value for s in ACTIVE]),
                    Transfer.id.not_in(ids) if ids else Transfer.id.is_not(None),
                )
            )
        )
        batch.state = BatchState.RUNNING.value
        batch.started_at = batch.started_at or utcnow()
        repo.add_event(
            session, user_id=batch.user_id, batch_id=batch_id, kind="state", key="wft-event-batch-started"
        )
        return sorted(ids + active)


def refresh_state(db: Database, batch_id: int) -> BatchState:
    """Work out the batch's state from its items; a batch whose items all finished gets its final state."""
    with db.session() as session:
        batch = _batch(session, batch_id)
        if batch.state not in (BatchState.RUNNING.value, BatchState.CANCELLED.value):
            return BatchState(batch.state)
        rows = session.execute(
            select(Transfer.state, Transfer.outcome).where(
                Transfer.batch_id == batch_id, Transfer.excluded.is_(False)
            )
        ).all()
        states = [TransferState(s) for s, _ in rows]
        if any(s in ACTIVE for s in states):
            return BatchState(batch.state)
        outcomes = [Outcome(o) if o else None for _, o in rows]
        final = BatchState.CANCELLED if batch.cancel_requested else batch_state_for(states, outcomes)
        if batch.state != final.value or batch.finished_at is None:
            batch.state = final.value
            batch.finished_at = utcnow()
            repo.add_event(
                session,
                user_id=batch.user_id,
                batch_id=batch_id,
                kind="state",
                key="wft-event-batch-finished",
                params=[final.value],
            )
        return final


def cancel(db: Database, batch_id: int) -> None:
    """Stop a batch: items not yet running are cancelled now; running ones stop at their next step."""
    with db.session() as session:
        batch = _batch(session, batch_id)
        batch.cancel_requested = True
        waiting = session.scalars(
            select(Transfer).where(
                Transfer.batch_id == batch_id,
                Transfer.state.in_(
                    [
                        s.value
                        for s in (
                            TransferState.PLANNED,
                            TransferState.READY,
                            TransferState.BLOCKED,
                            TransferState.QUEUED,
                            TransferState.RETRY_WAIT,
                        )
                    ]
                ),
                Transfer.lease_owner.is_(None),
            )
        )
        for transfer in waiting:
            repo.move(session, transfer, TransferState.CANCELLED, finished_at=utcnow())
        repo.add_event(
            session, user_id=batch.user_id, batch_id=batch_id, kind="state", key="wft-event-batch-cancelled"
        )
    with db.session() as session:
        batch = _batch(session, batch_id)
        if batch.state != BatchState.RUNNING.value:
            batch.state = BatchState.CANCELLED.value
            batch.finished_at = utcnow()
    refresh_state(db, batch_id)


def retry(
    db: Database,
    *,
    batch_id: int | None = None,
    transfer_id: int | None = None,
    only_failed: bool = True,
    user_id: int | None = None,
) -> list[int]:
    """Queue failed (and, unless ``only_failed``, blocked or cancelled) items again. Each will be
    re-checked before anything moves, and its steps skip what the target already has. Returns their ids."""
    wanted = [TransferState.FAILED.value]
    if not only_failed:
        wanted += [TransferState.BLOCKED.value, TransferState.CANCELLED.value]
    with db.session() as session:
        query = select(Transfer).where(Transfer.state.in_(wanted))
        if transfer_id is not None:
            query = select(Transfer).where(
                Transfer.id == transfer_id,
                Transfer.state.in_(
                    [
                        TransferState.FAILED.value,
                        TransferState.BLOCKED.value,
                        TransferState.CANCELLED.value,
                        TransferState.DONE.value,
                    ]
                ),
            )
        if batch_id is not None:
            query = query.where(Transfer.batch_id == batch_id)
        if user_id is not None:
            query = query.where(Transfer.user_id == user_id)
        ids: list[int] = []
        batches: set[int] = set()
        for transfer in session.scalars(query.order_by(Transfer.position, Transfer.id)):
            repo.move(
                session,
                transfer,
                TransferState.QUEUED,
                outcome=None,
                error_key=None,
                error_params=[],
                attempts=0,
                not_before=None,
                finished_at=None,
                cancel_requested=False,
            )
            ids.append(transfer.id)
            if transfer.batch_id is not None:
                batches.add(transfer.batch_id)
        for bid in batches:
            session.execute(
                update(Batch)
                .where(Batch.id == bid)
                .values(state=BatchState.RUNNING.value, finished_at=None, cancel_requested=False)
            )
        return ids


@dataclass
class Summary:
    batch_id: int
    state: BatchState
    counts: dict[str, int]
    total: int


def summary(db: Database, batch_id: int) -> Summary:
    with db.session() as session:
        batch = _batch(session, batch_id)
        counts = dict(
            session.execute(
                select(Transfer.state, func.count())
                .where(Transfer.batch_id == batch_id)
                .group_by(Transfer.state)
            ).tuples()
        )
        return Summary(
            batch_id, BatchState(batch.state), {str(k): int(v) for k, v in counts.items()}, batch.item_count
        )


def _batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise WftError(str(batch_id), key="wft-error-no-such-batch")
    return batch


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class NotEditableError(WftError):
    """An item can be excluded or renamed only before it runs. Parameters: transfer id, its state."""

    key = "wft-error-item-not-editable"


_EDITABLE = (TransferState.PLANNED, TransferState.READY, TransferState.BLOCKED)


def _editable(session: Session, user_id: int, transfer_id: int) -> Transfer:
    transfer = repo.get_transfer(session, user_id, transfer_id)
    if transfer is None:
        raise WftError(str(transfer_id), key="wft-error-no-such-transfer")
    if TransferState(transfer.state) not in _EDITABLE:
        raise NotEditableError(str(transfer_id), transfer.state)
    return transfer


def set_excluded(db: Database, user_id: int, transfer_id: int, excluded: bool) -> None:
    """Leave an item out of the run (or take it back in): the dry-run table's checkbox."""
    with db.session() as session:
        transfer = _editable(session, user_id, transfer_id)
        transfer.excluded = excluded


def rename(db: Database, user_id: int, transfer_id: int, title: str | None) -> None:
    """Give an item another target title (None: back to the source's name). Its plan and checks are
    made again by the next dry run, so the new title is checked before anything is uploaded."""
    with db.session() as session:
        transfer = _editable(session, user_id, transfer_id)
        transfer.requested_title = title.strip() if title and title.strip() else None
        if TransferState(transfer.state) is not TransferState.PLANNED:
            repo.move(session, transfer, TransferState.PLANNED, plan=None, report=[], outcome=None)
        if transfer.batch_id is not None:
            batch = session.get(Batch, transfer.batch_id)
            if batch is not None and batch.state == BatchState.PLANNED.value:
                batch.state = BatchState.PLANNING.value
