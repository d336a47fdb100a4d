"""The states of a Transfer and a Batch, and which moves between them are allowed.

Why one table of moves: the web API, the CLI, the workers and the reconciler all change states; if each
decided on its own what may follow what, a cancelled item could be restarted by a late worker or a
finished one re-run by the reconciler. Every state change goes through :func:`check_move`.

A Transfer::

    planned ─▶ checked ─▶ blocked
                  │
                  └────▶ ready ─▶ queued ─▶ running ─▶ done
                                    ▲          │  └──▶ failed ─▶ (retry) queued
                                    │          ▼
                                    └──── retry_wait
    (any state that is not finished) ─▶ cancelled

``done`` covers "already done" too: the outcome column says which. A retry of a ``failed`` or
``blocked`` item goes back to ``queued`` and is re-checked before anything is uploaded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from wikifile_transfer.errors import WftError


class TransferState(StrEnum):
    PLANNED = "planned"  # resolved; plan not yet checked
    CHECKED = "checked"  # transient: checks ran, verdict being recorded
    BLOCKED = "blocked"  # a check blocks: nothing will be uploaded until the cause is fixed and retried
    READY = "ready"  # checks pass (maybe with warnings); waiting for the user to run the batch
    QUEUED = "queued"  # handed to the workers (or to the CLI running the batch itself)
    RUNNING = "running"  # a worker holds the lease
    RETRY_WAIT = "retry_wait"  # a temporary failure (read-only wiki, rate limit…): runs again later
    DONE = "done"  # every step is effective on the target (outcome: done or already_done)
    FAILED = "failed"  # a failure that needs the user (or the retries ran out)
    CANCELLED = "cancelled"


class BatchState(StrEnum):
    EXPANDING = "expanding"  # the source (category, user…) is being listed
    PLANNING = "planning"  # items are being planned and checked (the dry run)
    PLANNED = "planned"  # the dry-run table is ready
    RUNNING = "running"
    DONE = "done"  # every item done
    PARTIAL = "partial"  # finished, some items done and some failed or blocked
    FAILED = "failed"  # finished, no item done
    BLOCKED = "blocked"  # finished, every item that ran was blocked
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """What a finished transfer achieved, as the CLI's ``--json`` reports it."""

    DONE = "done"
    ALREADY_DONE = "already_done"
    BLOCKED = "blocked"
    FAILED = "failed"


FINISHED: Final = frozenset({TransferState.DONE, TransferState.FAILED, TransferState.CANCELLED})
"""States no worker will leave on its own (a user's retry may)."""

ACTIVE: Final = frozenset({TransferState.QUEUED, TransferState.RUNNING, TransferState.RETRY_WAIT})
"""States the reconciler watches: an item here must have a worker or a message on its way."""

_MOVES: Final[dict[TransferState, frozenset[TransferState]]] = {
    TransferState.PLANNED: frozenset(
        {
            TransferState.CHECKED,
            TransferState.BLOCKED,
            TransferState.READY,
            TransferState.QUEUED,
            TransferState.FAILED,
        }
    ),
    TransferState.CHECKED: frozenset({TransferState.BLOCKED, TransferState.READY}),
    TransferState.BLOCKED: frozenset({TransferState.QUEUED, TransferState.READY, TransferState.PLANNED}),
    TransferState.READY: frozenset({TransferState.QUEUED, TransferState.BLOCKED, TransferState.PLANNED}),
    TransferState.QUEUED: frozenset({TransferState.RUNNING, TransferState.QUEUED}),
    TransferState.RUNNING: frozenset(
        {
            TransferState.DONE,
            TransferState.FAILED,
            TransferState.BLOCKED,
            TransferState.RETRY_WAIT,
            TransferState.QUEUED,
        }
    ),
    TransferState.RETRY_WAIT: frozenset({TransferState.QUEUED, TransferState.RUNNING}),
    TransferState.DONE: frozenset({TransferState.QUEUED}),  # a retry re-checks: it finds everything done
    TransferState.FAILED: frozenset({TransferState.QUEUED}),
    TransferState.CANCELLED: frozenset({TransferState.QUEUED}),
}
# Cancelling is allowed from every state that has not finished.
for _state in TransferState:
    if _state not in FINISHED:
        _MOVES[_state] = _MOVES[_state] | {TransferState.CANCELLED}


class StateError(WftError):
    """A move the state machine forbids (for example running a cancelled item). Parameters: from, to."""

    key = "wft-error-state"


def allowed(current: TransferState | str, new: TransferState | str) -> bool:
    return TransferState(new) in _MOVES[TransferState(current)]


def check_move(current: TransferState | str, new: TransferState | str) -> None:
    if not allowed(current, new):
        raise StateError(str(current), str(new))


def batch_state_for(states: list[TransferState], outcomes: list[Outcome | None]) -> BatchState:
    """The state of a batch whose items have all finished (or were excluded before it ran)."""
    if not states:
        return BatchState.DONE
    if all(s is TransferState.CANCELLED for s in states):
        return BatchState.CANCELLED
    done = sum(1 for s in states if s is TransferState.DONE)
    blocked = sum(
        1 for s, o in zip(states, outcomes, strict=True) if o is Outcome.BLOCKED or s is TransferState.BLOCKED
    )
    if done == len(states):
        return BatchState.DONE
    if done:
        return BatchState.PARTIAL
    # "every item that ran was blocked": cancelled items did not run, so they do not make it "failed"
    ran = sum(1 for s in states if s is not TransferState.CANCELLED)
    if blocked == ran:
        return BatchState.BLOCKED
    return BatchState.FAILED
