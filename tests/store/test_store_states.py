"""The transfer state machine (store/states.py): the moves it allows, the ones it forbids, batch states."""

from __future__ import annotations

import itertools

import pytest

from wikifile_transfer.store.states import (
    ACTIVE,
    FINISHED,
    BatchState,
    Outcome,
    StateError,
    TransferState,
    allowed,
    batch_state_for,
    check_move,
)

T = TransferState
ALLOWED = {
    (T.PLANNED, T.CHECKED),
    (T.PLANNED, T.BLOCKED),
    (T.PLANNED, T.READY),
    (T.PLANNED, T.QUEUED),
    (T.PLANNED, T.FAILED),
    (T.CHECKED, T.BLOCKED),
    (T.CHECKED, T.READY),
    (T.BLOCKED, T.QUEUED),
    (T.BLOCKED, T.READY),
    (T.BLOCKED, T.PLANNED),
    (T.READY, T.QUEUED),
    (T.READY, T.BLOCKED),
    (T.READY, T.PLANNED),
    (T.QUEUED, T.RUNNING),
    (T.QUEUED, T.QUEUED),
    (T.RUNNING, T.DONE),
    (T.RUNNING, T.FAILED),
    (T.RUNNING, T.BLOCKED),
    (T.RUNNING, T.RETRY_WAIT),
    (T.RUNNING, T.QUEUED),
    (T.RETRY_WAIT, T.QUEUED),
    (T.RETRY_WAIT, T.RUNNING),
    (T.DONE, T.QUEUED),
    (T.FAILED, T.QUEUED),
    (T.CANCELLED, T.QUEUED),
} | {(s, T.CANCELLED) for s in T if s not in FINISHED}


def test_the_whole_table_of_moves() -> None:
    """Every pair of states, allowed exactly when listed above (a new state or move must be added there)."""
    for current, new in itertools.product(T, T):
        assert allowed(current, new) is ((current, new) in ALLOWED), (current, new)
        assert allowed(current.value, new.value) is ((current, new) in ALLOWED)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (T.CANCELLED, T.RUNNING),  # a late worker must not restart a cancelled item
        (T.DONE, T.RUNNING),  # a finished item is re-queued (and re-checked), never run directly
        (T.DONE, T.CANCELLED),
        (T.FAILED, T.DONE),
        (T.PLANNED, T.RUNNING),  # nothing runs unchecked
        (T.BLOCKED, T.RUNNING),
        (T.RUNNING, T.RUNNING),
        (T.RETRY_WAIT, T.DONE),
    ],
)
def test_forbidden_moves_raise_a_typed_error(current: T, new: T) -> None:
    with pytest.raises(StateError) as caught:
        check_move(current, new)
    assert caught.value.key == "wft-error-state"
    assert caught.value.params == (current.value, new.value)


def test_allowed_moves_pass_and_retries_go_back_to_the_queue() -> None:
    for state in (T.DONE, T.FAILED, T.CANCELLED, T.BLOCKED, T.RETRY_WAIT):
        check_move(state, T.QUEUED)
    check_move("running", "retry_wait")
    with pytest.raises(ValueError):
        check_move("running", "exploded")


def test_state_sets() -> None:
    assert {T.DONE, T.FAILED, T.CANCELLED} == FINISHED
    assert {T.QUEUED, T.RUNNING, T.RETRY_WAIT} == ACTIVE
    assert all(allowed(s, T.CANCELLED) for s in T if s not in FINISHED)


@pytest.mark.parametrize(
    ("states", "outcomes", "expected"),
    [
        ([], [], BatchState.DONE),
        ([T.DONE, T.DONE], [Outcome.DONE, Outcome.ALREADY_DONE], BatchState.DONE),
        ([T.DONE, T.FAILED], [Outcome.DONE, Outcome.FAILED], BatchState.PARTIAL),
        ([T.DONE, T.BLOCKED], [Outcome.DONE, Outcome.BLOCKED], BatchState.PARTIAL),
        ([T.FAILED, T.FAILED], [Outcome.FAILED, Outcome.FAILED], BatchState.FAILED),
        ([T.BLOCKED, T.BLOCKED], [None, Outcome.BLOCKED], BatchState.BLOCKED),
        ([T.BLOCKED, T.FAILED], [Outcome.BLOCKED, Outcome.FAILED], BatchState.FAILED),
        ([T.CANCELLED, T.CANCELLED], [None, None], BatchState.CANCELLED),
        ([T.CANCELLED, T.DONE], [None, Outcome.DONE], BatchState.PARTIAL),
        ([T.CANCELLED, T.FAILED], [None, Outcome.FAILED], BatchState.FAILED),
        ([T.CANCELLED, T.BLOCKED], [None, Outcome.BLOCKED], BatchState.BLOCKED),  # cancelled ones did not run
    ],
)
def test_batch_state_for(states: list[T], outcomes: list[Outcome | None], expected: BatchState) -> None:
    assert batch_state_for(states, outcomes) is expected


def test_batch_state_for_needs_one_outcome_per_item() -> None:
    with pytest.raises(ValueError):
        batch_state_for([T.DONE, T.FAILED], [Outcome.DONE])
