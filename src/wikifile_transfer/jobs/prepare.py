"""The background half of creating a batch: list its source (expansion), then plan and check every item
(the dry run), so a web request that creates a batch of thousands of files answers at once.

Why a task of its own: listing a category of 5,000 files and checking each against the target takes
minutes; the web request only writes the batch row (and, for a URL list, its lines as items) and hands
the batch id to a :class:`Preparer`. The task is safe to run twice or after a crash: expansion restarts
from scratch while the batch is ``expanding``, and planning continues with the items still ``planned``
(jobs/batches.py, jobs/planning.py). A renamed item puts its batch back to ``planning``; preparing it
again re-checks only that item.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

from wikifile_transfer.errors import WftError
from wikifile_transfer.jobs import batches, expand
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.planning import plan_batch
from wikifile_transfer.jobs.runner import new_owner
from wikifile_transfer.store.models import Batch
from wikifile_transfer.store.states import BatchState

log = logging.getLogger(__name__)


class Preparer(Protocol):
    """Starts :func:`prepare_batch` for a batch somewhere: a Celery worker, a thread, or right here."""

    def prepare(self, batch_id: int) -> None: ...


def prepare_batch(context: JobContext, batch_id: int, *, owner: str | None = None) -> BatchState:
    """Expand the batch if it is still ``expanding``, then plan it if it is ``planning``. Returns the
    state it reached (``planned``, or ``failed`` when its source could not be listed), or the state it is
    in when another preparer holds its preparation lease (that one finishes it; this call does nothing).

    The lease (jobs/batches.py) is renewed every chunk; a preparer killed mid-way leaves it to expire, and
    the reconciler then sends prepare again (jobs/dispatch.py). A batch put back to ``planning`` while it
    was being prepared (an item renamed) is prepared once more before returning."""
    owner = owner or new_owner("prepare/")
    ttl = context.settings.lease_seconds
    while True:
        with context.db.read_session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise WftError(str(batch_id), key="wft-error-no-such-batch")
            state, kind = BatchState(batch.state), batch.source_kind
        if state.value not in batches.PREPARING:
            return state
        if state is BatchState.EXPANDING and kind in batches.LISTED_BY_THE_USER:
            return state  # its lines are the sender's (the web request or the CLI writes them)
        if not batches.claim_preparation(context.db, batch_id, owner, ttl):
            log.info("batch %s: another preparer holds it", batch_id)
            return state
        try:
            _prepare_claimed(context, batch_id, owner, ttl)
        except batches.PreparationLostError:
            log.warning("batch %s: preparation lease lost, another preparer continues", batch_id)
            with context.db.read_session() as session:
                found = session.get(Batch, batch_id)
                return BatchState(found.state) if found is not None else state
        except BaseException:
            # a bug or a database failure: the reconciler tries again after the grace, not in a tight loop
            batches.release_preparation(context.db, batch_id, owner, retry_after=batches.PREPARE_GRACE)
            raise
        batches.release_preparation(context.db, batch_id, owner)


def _prepare_claimed(context: JobContext, batch_id: int, owner: str, ttl: float) -> None:
    def heartbeat() -> None:
        if not batches.renew_preparation(context.db, batch_id, owner, ttl):
            raise batches.PreparationLostError(str(batch_id))

    with context.db.read_session() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        state, user_id = BatchState(batch.state), batch.user_id
        kind, spec, depth = batch.source_kind, batch.source_spec or "", int(batch.options.get("depth", 0))
    service = context.service_for(user_id)
    if state is BatchState.EXPANDING:
        try:
            items = expand.source_items(kind, spec, service.registry, depth=depth)
            batches.expand(context.db, batch_id, items, heartbeat=heartbeat)
        except batches.PreparationLostError:
            raise
        except WftError as error:
            batches.fail_expansion(context.db, batch_id, error)
            return
        state = BatchState.PLANNING
    if state is BatchState.PLANNING:
        plan_batch(
            context.db, batch_id, service, heartbeat=heartbeat, lookup_workers=context.settings.target_cap
        )


@dataclass
class InlinePreparer:
    """Prepares in the calling thread (tests, and scripts that want the dry run before they go on)."""

    context: JobContext

    def prepare(self, batch_id: int) -> None:
        prepare_batch(self.context, batch_id)


@dataclass
class ThreadPreparer:
    """Prepares in a daemon thread of this process: the embedded mode without a worker. A process that
    stops mid-way leaves the batch ``expanding`` or ``planning``; preparing it again continues it.

    One thread per batch at a time: asked again while it works (a second rename), it runs once more
    when done instead of planning the same items twice at once."""

    context: JobContext
    _working: dict[int, bool] = field(default_factory=dict, init=False)  # batch id → asked again meanwhile
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def prepare(self, batch_id: int) -> None:
        with self._lock:
            if batch_id in self._working:
                self._working[batch_id] = True
                return
            self._working[batch_id] = False
        threading.Thread(
            target=self._work, args=(batch_id,), daemon=True, name=f"wft-prepare-{batch_id}"
        ).start()

    def _work(self, batch_id: int) -> None:
        while True:
            try:
                prepare_batch(self.context, batch_id)
            except Exception:  # a background thread has no caller to tell: log it (the batch stays as is)
                log.exception("preparing batch %s failed", batch_id)
            with self._lock:
                if not self._working.get(batch_id):
                    self._working.pop(batch_id, None)
                    return
                self._working[batch_id] = False

    def busy(self) -> bool:
        with self._lock:
            return bool(self._working)
