"""Run one Transfer row: claim it, (re)check it, execute it, record every step — safe to call again.

The same function runs inside a Celery worker, inside the CLI running a batch itself, and after a crash:

1. **claim** the row with a lease (one conditional UPDATE): a second worker given the same id, or a
   duplicate queue message, finds it taken and does nothing;
2. **plan** it if the dry run has not (one-off transfers), else reuse the stored plan;
3. **re-check** against the target *now* (a title may have been taken since the dry run) — a block stops
   here, before any byte moves;
4. take a **slot** on the target wiki (the per-wiki cap, shared by all workers); none free → back to the
   queue for a few seconds;
5. **execute** the idempotent steps (transfer/executor.py): each asks the target first, so a run after a
   crash uploads only what is missing, never a second copy;
6. **record** the outcome. A temporary failure (read-only wiki, rate limit, lag, wiki down, HTML error
   page) waits and runs again, a bounded number of times; anything else fails with its message key.

Progress goes to the row (current step, bytes) and to ``Event`` rows; the lease is renewed on the way, and
losing it (the reconciler gave the item to another worker) stops this run at the next step boundary.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wikifile_transfer.errors import (
    ApiError,
    ConfigError,
    HttpStatusError,
    MaxlagError,
    NotJsonError,
    RateLimitedError,
    ReadOnlyError,
    WftError,
    WikiUnreachableError,
)
from wikifile_transfer.jobs import batches
from wikifile_transfer.jobs.dispatch import DISPATCH_GRACE
from wikifile_transfer.jobs.planning import item_options, record_plan
from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Transfer, utcnow
from wikifile_transfer.store.states import Outcome, TransferState
from wikifile_transfer.transfer.model import Status, TransferPlan
from wikifile_transfer.transfer.serialize import plan_from_data, to_data
from wikifile_transfer.transfer.service import TransferService

log = logging.getLogger(__name__)

TEMPORARY_ERRORS: tuple[type[WftError], ...] = (
    ReadOnlyError,
    RateLimitedError,
    MaxlagError,
    WikiUnreachableError,
    HttpStatusError,
    NotJsonError,
)
"""Failures that pass by themselves: the item waits (``retry_wait``) and runs again."""

PACING_ERRORS: tuple[type[WftError], ...] = (RateLimitedError, MaxlagError)
"""Failures that say the *wiki* wants less traffic: every worker pauses work on that wiki."""


class RunResult(StrEnum):
    NOT_MINE = "not_mine"  # another worker holds it, or it is not in a state that runs
    DEFERRED = "deferred"  # no slot free on the wiki: queued again for a little later
    RETRY_WAIT = "retry_wait"
    FINISHED = "finished"  # done, failed, blocked or cancelled: see the row
    LEASE_LOST = "lease_lost"


class LeaseLostError(WftError):
    """The item's lease ran out and another worker took it over: this run stops."""

    key = "wft-error-lease-lost"


class CancelledError(WftError):
    """The user cancelled the batch: the run stopped at a step boundary."""

    key = "wft-error-cancelled"


def new_owner(prefix: str = "") -> str:
    """A lease owner id that names the host and process (so a dead CLI's claims can be recognised)."""
    return f"{prefix}{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str | None) -> bool:
    """True when ``owner`` names a process of *this* host that no longer exists (``kill -9``)."""
    if not owner:
        return False
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0].split("/")[-1] != socket.gethostname()[:40]:
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class RunnerSettings:
    lease_seconds: float = 120.0
    """How long a claim holds without renewal; renewed at every step and every second of bytes."""
    max_attempts: int = 6
    """Runs of one item in a row (the first included) before a temporary failure becomes ``failed``."""
    backoff: tuple[float, ...] = (15.0, 30.0, 60.0, 120.0, 300.0)
    """Seconds to wait after the 1st, 2nd… temporary failure (the last value repeats)."""
    target_cap: int = 2
    """Transfers running at once against one target wiki (uploads are what wikis throttle)."""
    source_cap: int = 4
    """Transfers reading from one source wiki at once."""
    slot_wait: float = 3.0
    """Seconds before an item that found no free slot is tried again."""
    pace_seconds: float = 30.0
    """How long every worker leaves a wiki alone after it answered ``ratelimited`` or ``maxlag``."""
    progress_interval: float = 1.0
    """Seconds between writes of byte progress to the database."""
    dispatch_grace: float = DISPATCH_GRACE
    """Seconds a dispatched item may wait for a worker before the reconciler sends it again (see
    jobs/dispatch.py). Minutes in production; tests of lost messages use a few seconds."""

    def wait_after(self, attempt: int) -> float:
        return self.backoff[min(max(attempt - 1, 0), len(self.backoff) - 1)]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RunnerSettings:
        """Settings from ``WFT_*`` environment variables (12-factor; workers have no config file of their
        own): ``WFT_LEASE_SECONDS``, ``WFT_MAX_ATTEMPTS``, ``WFT_RETRY_BACKOFF`` (seconds, comma-separated),
        ``WFT_TARGET_CAP``, ``WFT_SOURCE_CAP``, ``WFT_SLOT_WAIT``, ``WFT_PACE_SECONDS``,
        ``WFT_DISPATCH_GRACE``. A malformed value is a ConfigError naming the variable."""
        env = os.environ if env is None else env
        settings = cls()
        numbers = {
            "WFT_LEASE_SECONDS": ("lease_seconds", float),
            "WFT_MAX_ATTEMPTS": ("max_attempts", int),
            "WFT_TARGET_CAP": ("target_cap", int),
            "WFT_SOURCE_CAP": ("source_cap", int),
            "WFT_SLOT_WAIT": ("slot_wait", float),
            "WFT_PACE_SECONDS": ("pace_seconds", float),
            "WFT_DISPATCH_GRACE": ("dispatch_grace", float),
        }
        for name, (attribute, kind) in numbers.items():
            text = env.get(name)
            if text is None or not text.strip():
                continue
            try:
                value = kind(text)
            except ValueError as err:
                raise ConfigError(f"{name}: not a number ({text!r})", "environment") from err
            if value <= 0:
                raise ConfigError(f"{name}: must be positive ({text!r})", "environment")
            setattr(settings, attribute, value)
        backoff = env.get("WFT_RETRY_BACKOFF")
        if backoff:
            try:
                values = tuple(float(part) for part in backoff.split(",") if part.strip())
            except ValueError as err:
                raise ConfigError(f"WFT_RETRY_BACKOFF: not numbers ({backoff!r})", "environment") from err
            if not values or min(values) < 0:
                raise ConfigError(f"WFT_RETRY_BACKOFF: not usable ({backoff!r})", "environment")
            settings.backoff = values
        return settings


def slot_key(role: str, wiki: str) -> str:
    """Slots of a wiki as a target and as a source are counted apart (uploads and reads differ)."""
    return f"{role}:{wiki}"[:255]


def cancel_requested(session: Session, transfer: Transfer) -> bool:
    """The user asked this item, or its whole batch, to stop."""
    if transfer.cancel_requested:
        return True
    if transfer.batch_id is None:
        return False
    batch = session.get(Batch, transfer.batch_id)
    return batch is not None and batch.cancel_requested


ServiceFor = Callable[[int], TransferService]
"""The transfer service as a given user uses it (that user's wikis and credentials)."""


@dataclass
class DbListener:
    """The executor's Listener for background runs: progress and events into the database, lease renewed,
    cancellation noticed at every step boundary."""

    db: Database
    transfer_id: int
    owner: str
    settings: RunnerSettings
    clock: Callable[[], float] = time.monotonic
    slots: list[tuple[str, int]] = field(default_factory=list)
    """The wiki slots the run holds: renewed with the lease, or a run longer than one lease would lose
    them to another worker and the wiki would get more concurrent uploads than its cap."""
    _last_write: float = field(default=0.0, init=False)
    _bytes: tuple[int, int] = field(default=(0, 0), init=False)

    def step(self, key: str, *params: str) -> None:
        with self.db.session() as session:
            self._renew(session)
            transfer = session.get(Transfer, self.transfer_id)
            if transfer is None:  # pragma: no cover - rows are never deleted while they run
                raise LeaseLostError(str(self.transfer_id))
            if cancel_requested(session, transfer):
                raise CancelledError(str(self.transfer_id))
            transfer.current_step = key
            transfer.step_params = list(params)
            transfer.bytes_done = 0
            transfer.bytes_total = 0
            repo.add_event(
                session,
                user_id=transfer.user_id,
                transfer_id=transfer.id,
                batch_id=transfer.batch_id,
                kind="step",
                key=key,
                params=list(params),
            )
        self._last_write = self.clock()

    def _renew(self, session: Session) -> None:
        if not repo.renew(session, self.transfer_id, self.owner, self.settings.lease_seconds):
            raise LeaseLostError(str(self.transfer_id))
        for key, slot in self.slots:
            if not repo.renew_slot(session, key, slot, self.owner, self.settings.lease_seconds):
                log.warning("transfer %s: slot %s/%s expired and was taken", self.transfer_id, key, slot)

    def _progress(self, done: int, total: int) -> None:
        now = self.clock()
        if done < total and now - self._last_write < self.settings.progress_interval:
            return
        self._last_write = now
        with self.db.session() as session:
            self._renew(session)
            transfer = session.get(Transfer, self.transfer_id)
            if transfer is not None:
                transfer.bytes_done = done
                transfer.bytes_total = total

    def bytes_down(self, done: int, total: int) -> None:
        self._progress(done, total)

    def bytes_up(self, done: int, total: int) -> None:
        self._progress(done, total)


@dataclass
class Runner:
    """Runs Transfer rows by id. One per worker thread (it holds the lease owner id)."""

    db: Database
    service_for: ServiceFor
    settings: RunnerSettings = field(default_factory=RunnerSettings)
    owner: str = field(default_factory=new_owner)
    listener_factory: Callable[[DbListener], Any] | None = None
    """Wraps the database listener (the CLI adds its progress bars); None: the database listener only."""

    # --- the whole run -------------------------------------------------------------------------------

    def run(self, transfer_id: int) -> RunResult:
        cancelled, batch_id = False, None
        with self.db.session() as session:
            if not repo.claim(session, transfer_id, self.owner, self.settings.lease_seconds):
                return RunResult.NOT_MINE
            transfer = session.get(Transfer, transfer_id)
            assert transfer is not None  # claim() found it
            if transfer.excluded or cancel_requested(session, transfer):
                repo.move(session, transfer, TransferState.CANCELLED, lease_owner=None, lease_until=None)
                cancelled, batch_id = True, transfer.batch_id
            else:
                attempt = transfer.attempts + 1
                if transfer.state == TransferState.RUNNING.value:
                    # A takeover: the previous owner died or its lease ran out mid-run (claim() only wins
                    # then). The state machine has no running → running, so the item goes through the
                    # queue, which also leaves the takeover in its events.
                    repo.move(session, transfer, TransferState.QUEUED, detail="lease taken over")
                repo.move(
                    session,
                    transfer,
                    TransferState.RUNNING,
                    attempts=attempt,
                    error_key=None,
                    error_params=[],
                )
                repo.transfer_event(session, transfer, "attempt", "wft-event-attempt", [str(attempt)])
                user_id = transfer.user_id
        if cancelled:
            if batch_id is not None:
                batches.refresh_state(self.db, batch_id)
            return RunResult.FINISHED
        try:
            return self._run_claimed(transfer_id, user_id)
        except LeaseLostError:
            log.warning("transfer %s: lease lost, another worker continues it", transfer_id)
            return RunResult.LEASE_LOST
        except CancelledError as error:
            return self._finish(transfer_id, TransferState.CANCELLED, None, error=error)
        except TEMPORARY_ERRORS as error:
            return self._temporary(transfer_id, attempt, error)
        except WftError as error:
            return self._finish(transfer_id, TransferState.FAILED, Outcome.FAILED, error=error)
        except Exception as error:  # a worker must outlive a bug; the item records it (logged)
            log.exception("transfer %s: unexpected error", transfer_id)
            internal = WftError(type(error).__name__, detail=str(error))
            return self._finish(transfer_id, TransferState.FAILED, Outcome.FAILED, error=internal)

    def _run_claimed(self, transfer_id: int, user_id: int) -> RunResult:
        service = self.service_for(user_id)
        with self.db.session() as session:
            transfer = session.get(Transfer, transfer_id)
            assert transfer is not None
            stored = transfer.plan
            source_input, target = transfer.source_input, transfer.target_wiki
            opts = item_options(transfer.options, transfer.requested_title)
        listener = DbListener(self.db, transfer_id, self.owner, self.settings)
        if stored:
            plan = plan_from_data(stored)
        else:
            listener.step("wft-step-read-source", source_input)
            plan = service.plan(source_input, target, opts)
        # The slots first: an item that finds none waits without a request, instead of checking the
        # target again on every try (the check is made once, with the slots held, right before the bytes).
        slots = self._take_slots(plan)
        if slots is None:
            with self.db.session() as session:
                transfer = self._held(session, transfer_id)
                repo.move(
                    session,
                    transfer,
                    TransferState.QUEUED,
                    attempts=transfer.attempts - 1,  # waiting for a slot is not an attempt
                    lease_owner=None,
                    lease_until=None,
                    current_step=None,
                    not_before=utcnow() + dt.timedelta(seconds=self.settings.slot_wait),
                )
            return RunResult.DEFERRED
        listener.slots = slots
        try:
            listener.step("wft-step-check", plan.target_title)
            report, state = service.check_with_state(plan, opts)
            with self.db.session() as session:
                transfer = self._held(session, transfer_id)
                record_plan(transfer, plan, report)
                if report.blocked:
                    repo.move(
                        session,
                        transfer,
                        TransferState.BLOCKED,
                        outcome=Outcome.BLOCKED.value,
                        lease_owner=None,
                        lease_until=None,
                        current_step=None,
                    )
                    return RunResult.FINISHED
            wrapped = self.listener_factory(listener) if self.listener_factory else listener
            result = service.execute(plan, wrapped, state=state)
        finally:
            self._give_back_slots(slots)
        outcome = Outcome.ALREADY_DONE if result.status is Status.ALREADY_DONE else Outcome.DONE
        with self.db.session() as session:
            transfer = self._held(session, transfer_id)
            transfer.target_title = result.target_title
            transfer.target_url = result.target_url
            transfer.uploaded_count = transfer.uploaded_count + len(result.uploaded)
            if result.uploaded:  # for the history, and counted by /metrics (web.metrics)
                repo.transfer_event(
                    session,
                    transfer,
                    "info",
                    "wft-event-uploaded",
                    [len(result.uploaded), sum(version.size for version in result.uploaded)],
                )
            transfer.steps_done = [*transfer.steps_done, *result.steps]
            stored_plan = dict(transfer.plan or {})
            stored_plan["follow_ups"] = [to_data(f) for f in result.follow_ups]
            transfer.plan = stored_plan
        return self._finish(transfer_id, TransferState.DONE, outcome)

    # --- pieces --------------------------------------------------------------------------------------

    def _held(self, session: Session, transfer_id: int) -> Transfer:
        """The row, locked, while this run still holds its lease; LeaseLostError once another owner took
        it over. Every write after the claim goes through here: a run whose lease ran out in the middle of a
        long wait (maxlag, rate limit) and came back must not overwrite the outcome of the run that took
        over (its "failed" or "retry_wait" would stop that run, its "done" would record work it did not
        finish)."""
        transfer = session.scalars(
            select(Transfer)
            .where(Transfer.id == transfer_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if transfer is None or transfer.lease_owner != self.owner:
            raise LeaseLostError(str(transfer_id))
        return transfer

    def _take_slots(self, plan: TransferPlan) -> list[tuple[str, int]] | None:
        """A slot on the target and one on the source, or None (both or nothing, so no deadlock)."""
        with self.db.session() as session:
            paused = repo.wiki_paused_until(session, plan.target_wiki)
        if paused is not None and paused > utcnow():
            return None
        wanted = [
            (slot_key("target", plan.target_wiki), self.settings.target_cap),
            (slot_key("source", plan.source.wiki_name), self.settings.source_cap),
        ]
        taken: list[tuple[str, int]] = []
        for key, cap in wanted:
            with self.db.session() as session:
                slot = repo.acquire_slot(session, key, cap, self.owner, self.settings.lease_seconds)
            if slot is None:
                self._give_back_slots(taken)
                return None
            taken.append((key, slot))
        return taken

    def _give_back_slots(self, slots: list[tuple[str, int]]) -> None:
        for key, slot in slots:
            with self.db.session() as session:
                repo.release_slot(session, key, slot, self.owner)

    def _temporary(self, transfer_id: int, attempt: int, error: WftError) -> RunResult:
        if isinstance(error, PACING_ERRORS):
            self._pause_for(transfer_id)
        if attempt >= self.settings.max_attempts:
            return self._finish(transfer_id, TransferState.FAILED, Outcome.FAILED, error=error)
        wait = self.settings.wait_after(attempt)
        with self.db.session() as session:
            try:
                transfer = self._held(session, transfer_id)
            except LeaseLostError:
                log.warning(
                    "transfer %s: lease lost; %s left to the run that took over", transfer_id, error.key
                )
                return RunResult.LEASE_LOST
            repo.move(
                session,
                transfer,
                TransferState.RETRY_WAIT,
                lease_owner=None,
                lease_until=None,
                not_before=utcnow() + dt.timedelta(seconds=wait),
                error_key=error.key,
                error_params=list(error.params),
                current_step=None,
            )
            self._error_event(session, transfer, error)
        return RunResult.RETRY_WAIT

    def _pause_for(self, transfer_id: int) -> None:
        with self.db.session() as session:
            transfer = session.get(Transfer, transfer_id)
            if transfer is None:  # pragma: no cover
                return
            until = utcnow() + dt.timedelta(seconds=self.settings.pace_seconds)
            repo.pause_wiki(session, transfer.target_wiki, until)

    @staticmethod
    def _error_event(session: Session, transfer: Transfer, error: WftError) -> None:
        kind = "api_error" if isinstance(error, ApiError) else "error"
        repo.transfer_event(session, transfer, kind, error.key, list(error.params), detail=error.detail)

    def _finish(
        self,
        transfer_id: int,
        state: TransferState,
        outcome: Outcome | None,
        *,
        error: WftError | None = None,
    ) -> RunResult:
        with self.db.session() as session:
            try:
                transfer = self._held(session, transfer_id)
            except LeaseLostError:
                log.warning("transfer %s: lease lost; %s left to the run that took over", transfer_id, state)
                return RunResult.LEASE_LOST
            repo.move(
                session,
                transfer,
                state,
                outcome=outcome.value if outcome else None,
                lease_owner=None,
                lease_until=None,
                current_step=None,
                error_key=error.key if error is not None else None,
                error_params=list(error.params) if error is not None else [],
            )
            if error is not None:
                self._error_event(session, transfer, error)
            batch_id = transfer.batch_id
        if batch_id is not None:
            # the last item to finish gives its batch its final state (done, partial…): with workers
            # there is no caller waiting for the whole batch to do it
            batches.refresh_state(self.db, batch_id)
        return RunResult.FINISHED
