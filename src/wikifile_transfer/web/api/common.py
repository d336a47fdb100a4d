"""What the API's endpoints share: the JSON shapes of messages, checks, transfers and events, and the
lookups that make per-user isolation impossible to forget.

Why one module: a transfer looks the same in the history list, in a batch's table, in its details and in
a live event; and every endpoint that takes an id must answer 404 for another user's object (DESIGN.md:
"a row of another user is not found"), so all of them go through :func:`own_transfer` / :func:`own_batch`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import g, request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wikifile_transfer.i18n import msg, params_json
from wikifile_transfer.jobs.present import check_json, error_json, item_status
from wikifile_transfer.store import repo
from wikifile_transfer.store.models import Batch, Event, Transfer
from wikifile_transfer.store.states import ACTIVE, TransferState
from wikifile_transfer.transfer.model import CheckReport, FollowUp
from wikifile_transfer.transfer.serialize import report_from_data
from wikifile_transfer.web.auth import current_user_id
from wikifile_transfer.web.errors import ApiProblem

MessageParam = Any
"""A message parameter: text, or a nested message ``{key, params}`` (render it with banana-i18n)."""


class MessageOut(BaseModel):
    """Something said to the user: a stable ``key`` (decide by it), its ``params`` and the ``message`` in
    the response's language (show it, or render ``key`` + ``params`` yourself)."""

    key: str
    params: list[MessageParam] = Field(default_factory=list)
    message: str


class CheckOut(BaseModel):
    """The verdict of one check (``source-local``, ``title-free``, ``duplicates``, ``licence``…)."""

    id: str
    result: Literal["pass", "warn", "block"]
    key: str
    params: list[MessageParam] = Field(default_factory=list)
    message: str


class FollowUpOut(BaseModel):
    """A post-transfer edit: ``mark-source`` or ``use-in-article``; ``diff`` and ``base_revid`` come with
    an article edit (send ``base_revid`` back to save exactly the previewed change)."""

    id: str
    status: Literal["planned", "done", "already_done", "skipped"]
    key: str
    params: list[MessageParam] = Field(default_factory=list)
    message: str
    diff: str | None = None
    base_revid: int | None = None


class EventOut(BaseModel):
    """One entry of a transfer's or batch's timeline; ``kind`` is state|attempt|step|api_error|warning|
    error|info. ``detail`` is the wiki's own words, given for API errors only."""

    id: int
    time: dt.datetime
    kind: str
    transfer_id: int | None = None
    batch_id: int | None = None
    key: str
    params: list[MessageParam] = Field(default_factory=list)
    message: str
    detail: str | None = None


class TransferOut(BaseModel):
    """A transfer as the history and the batch table list it."""

    id: int
    batch_id: int | None = None
    position: int = 0
    status: str = Field(
        description="one word for people: done|already_done|blocked|failed|cancelled|excluded|ready|warn|"
        "planned|queued|running|retry_wait"
    )
    state: str = Field(description="the state machine's state (store/states.py)")
    source_input: str
    source_wiki: str | None = None
    source_title: str | None = None
    source_url: str | None = None
    target_wiki: str
    target_title: str | None = None
    target_url: str | None = None
    requested_title: str | None = None
    excluded: bool = False
    error: MessageOut | None = None
    checks: list[CheckOut] = Field(default_factory=list, description="warnings and blocks")
    step: MessageOut | None = Field(default=None, description="what it is doing now (running only)")
    bytes_done: int = 0
    bytes_total: int = 0
    attempts: int = 0
    version_count: int = 0
    uploaded_count: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    finished: bool = Field(description="true when no worker will change it any more (done, failed…)")


def message(key: str, params: list[Any] | tuple[Any, ...], lang: str) -> MessageOut:
    return MessageOut(key=key, params=params_json(list(params)), message=msg(key, *params, lang=lang))


def transfer_out(transfer: Transfer, lang: str) -> TransferOut:
    error = error_json(transfer.error_key, transfer.error_params, lang)
    state = TransferState(transfer.state)
    step = None
    if transfer.current_step and state is TransferState.RUNNING:
        step = message(transfer.current_step, transfer.step_params, lang)
    return TransferOut(
        id=transfer.id,
        batch_id=transfer.batch_id,
        position=transfer.position,
        status=item_status(transfer),
        state=transfer.state,
        source_input=transfer.source_input,
        source_wiki=transfer.source_wiki,
        source_title=transfer.source_title,
        source_url=transfer.source_url,
        target_wiki=transfer.target_wiki,
        target_title=transfer.target_title,
        target_url=transfer.target_url,
        requested_title=transfer.requested_title,
        excluded=transfer.excluded,
        error=MessageOut(**error) if error else None,
        checks=[CheckOut(**c) for c in checks_of(report_from_data(transfer.report), lang, passes=False)],
        step=step,
        bytes_done=transfer.bytes_done,
        bytes_total=transfer.bytes_total,
        attempts=transfer.attempts,
        version_count=transfer.version_count,
        uploaded_count=transfer.uploaded_count,
        created_at=transfer.created_at,
        updated_at=transfer.updated_at,
        started_at=transfer.started_at,
        finished_at=transfer.finished_at,
        finished=state not in ACTIVE and state is not TransferState.PLANNED,
    )


def checks_of(report: CheckReport, lang: str, *, passes: bool = True) -> list[dict[str, Any]]:
    return [check_json(r, lang) for r in report.results if passes or r.outcome.value != "pass"]


def follow_up_out(follow_up: FollowUp, lang: str) -> FollowUpOut:
    return FollowUpOut(
        id=follow_up.id,
        status=follow_up.status.value,
        key=follow_up.key,
        params=params_json(follow_up.params),
        message=msg(follow_up.key, *follow_up.params, lang=lang),
        diff=follow_up.diff,
        base_revid=follow_up.revision,
    )


def event_out(event: Event, lang: str) -> EventOut:
    return EventOut(
        id=event.id,
        time=event.time,
        kind=event.kind,
        transfer_id=event.transfer_id,
        batch_id=event.batch_id,
        key=event.key,
        params=params_json(list(event.params)),
        message=msg(event.key, *event.params, lang=lang),
        detail=event.detail if event.kind == "api_error" else None,
    )


# --- per-user isolation ---------------------------------------------------------------------------


MAX_ID = 2**31 - 1
"""Ids above this exist nowhere (every database's INTEGER holds them); a bigger one is "not found" rather
than an overflow deep in the database driver."""


def refuse_nul() -> None:
    """``before_request`` of the API blueprints: a NUL character in the query or the body is refused
    (400) before it reaches a title filter or a database: PostgreSQL rejects NUL in text with an error,
    and no wiki title, URL or name contains one."""
    if "\x00" in request.query_string.decode("latin-1") or "%00" in request.query_string.decode("latin-1"):
        raise ApiProblem(400, "wft-http-invalid-input", "NUL")
    body = request.get_data(cache=True)
    if b"\x00" in body or b"\\u0000" in body:
        raise ApiProblem(400, "wft-http-invalid-input", "NUL")


def require_sign_in() -> None:
    """``before_request`` of every API blueprint but the session's own: 401 unless signed in, and the
    user's id in ``g.user_id`` for :func:`~wikifile_transfer.web.auth.user_id`.

    Why not the ``login_required`` decorator: spectree reads a view's type hints through the outermost
    wrapper's module globals, so a decorator from another module hides the request models; a blueprint
    hook also cannot be forgotten on a new endpoint."""
    uid = current_user_id()
    if uid is None:
        raise ApiProblem(401, "wft-http-unauthorized", "401")
    g.user_id = uid
    refuse_nul()


def own_transfer(session: Session, user_id: int, transfer_id: int) -> Transfer:
    """The user's transfer, or 404: a missing id and another user's transfer look the same."""
    transfer = repo.get_transfer(session, user_id, transfer_id) if transfer_id <= MAX_ID else None
    if transfer is None:
        raise ApiProblem(404, "wft-error-no-such-transfer", str(transfer_id))
    return transfer


def own_batch(session: Session, user_id: int, batch_id: int) -> Batch:
    """The user's batch, or 404 (see :func:`own_transfer`)."""
    batch = repo.get_batch(session, user_id, batch_id) if batch_id <= MAX_ID else None
    if batch is None:
        raise ApiProblem(404, "wft-error-no-such-batch", str(batch_id))
    return batch


class EventsQuery(BaseModel):
    after: int | None = Field(
        default=None, ge=0, le=MAX_ID, description="only events newer than this event id"
    )
    limit: int = Field(default=200, ge=1, le=repo.MAX_EVENTS)


class EventsOut(BaseModel):
    events: list[EventOut]
    last_event_id: int | None = Field(description="pass it as ``after`` to get only newer events")


# --- batches ----------------------------------------------------------------------------------------


class BatchOut(BaseModel):
    """A batch with its counts: ``counts`` by state (items the user excluded counted apart in
    ``excluded``), ``outcomes`` of the done ones (done / already_done)."""

    id: int
    target_wiki: str
    kind: str = Field(description="urls|category|user|page")
    spec: str | None = Field(default=None, description="what names the source (src:Category:X)")
    options: dict[str, Any]
    state: str = Field(description="expanding|planning|planned|running|done|partial|failed|blocked|cancelled")
    error: MessageOut | None = None
    total: int
    counts: dict[str, int]
    excluded: int
    outcomes: dict[str, int]
    bytes_done: int = Field(description="bytes moved so far by the items running now")
    bytes_total: int
    cancel_requested: bool
    finished: bool
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


BATCH_WORKING = ("expanding", "planning", "running")


def batch_out(session: Session, batch: Batch, lang: str) -> BatchOut:
    rows = session.execute(
        select(
            Transfer.state,
            Transfer.outcome,
            Transfer.excluded,
            func.count(),
            func.coalesce(func.sum(Transfer.bytes_done), 0),
            func.coalesce(func.sum(Transfer.bytes_total), 0),
        )
        .where(Transfer.batch_id == batch.id)
        .group_by(Transfer.state, Transfer.outcome, Transfer.excluded)
    ).all()
    counts: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    excluded = done_bytes = total_bytes = 0
    active = False
    for state, outcome, is_excluded, count, done, total in rows:
        counts[str(state)] = counts.get(str(state), 0) + int(count)
        if is_excluded:
            excluded += int(count)
        if outcome and state == TransferState.DONE.value:
            outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + int(count)
        if TransferState(state) in ACTIVE:
            active = True
            done_bytes += int(done)
            total_bytes += int(total)
    error = error_json(batch.error_key, batch.error_params, lang)
    return BatchOut(
        id=batch.id,
        target_wiki=batch.target_wiki,
        kind=batch.source_kind,
        spec=batch.source_spec,
        options=dict(batch.options),
        state=batch.state,
        error=MessageOut(**error) if error else None,
        total=sum(counts.values()),
        counts=counts,
        excluded=excluded,
        outcomes=outcomes,
        bytes_done=done_bytes,
        bytes_total=total_bytes,
        cancel_requested=batch.cancel_requested,
        finished=batch.state not in BATCH_WORKING and not active,
        created_at=batch.created_at,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
    )
