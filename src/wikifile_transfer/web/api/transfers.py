"""One transfer over the API: create it (planned and checked in the request, run by the workers), list
the history (filters, keyset pages, CSV, statistics), read one with its events, follow its progress, retry
it, cancel it, change it before it runs, and ask for the post-transfer edits afterwards.

Creating plans and checks in the request on purpose: the user has just seen the preview (the same work),
a blocked file gets its report at once instead of a queued item that fails a second later, and the page
text the user edited is stored in the plan, re-checked, and never rebuilt behind their back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any, Literal

from flask import Blueprint, Response, stream_with_context
from pydantic import BaseModel, Field, field_validator
from spectree import Response as Resp
from sqlalchemy import func, select

from wikifile_transfer.jobs import batches
from wikifile_transfer.jobs.planning import item_options, record_plan
from wikifile_transfer.jobs.present import EDITABLE_STATES
from wikifile_transfer.store import history, repo
from wikifile_transfer.store.models import TITLE, WIKI, Event, Transfer, utcnow
from wikifile_transfer.store.states import ACTIVE, FINISHED, Outcome, TransferState
from wikifile_transfer.transfer.model import ArticleUse, CheckReport, TransferPlan
from wikifile_transfer.transfer.serialize import options_to_data, plan_from_data, report_from_data
from wikifile_transfer.transfer.service import TransferOptions, TransferService
from wikifile_transfer.web.api.common import (
    MAX_ID,
    CheckOut,
    EventOut,
    EventsOut,
    EventsQuery,
    FollowUpOut,
    TransferOut,
    checks_of,
    event_out,
    follow_up_out,
    own_batch,
    own_transfer,
    require_sign_in,
    transfer_out,
)
from wikifile_transfer.web.api.planning import (
    ArticleUseIn,
    PageTextField,
    checked_plan,
    edited_text_check,
    options_from,
)
from wikifile_transfer.web.auth import user_id
from wikifile_transfer.web.errors import ApiProblem, ErrorResponse
from wikifile_transfer.web.lang import request_lang
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.ratelimit import rate_limited
from wikifile_transfer.web.services import services
from wikifile_transfer.web.sse import transfer_stream

blueprint = Blueprint("transfers", __name__, url_prefix="/api/v1")
blueprint.before_request(require_sign_in)

StateName = Literal[
    "planned", "checked", "blocked", "ready", "queued", "running", "retry_wait", "done", "failed", "cancelled"
]
MAX_EXPORT_ROWS = 50_000
"""Rows of one CSV export: a year of heavy use; narrow the filters for more."""
MAX_WEEKS = 104
ERRORS = {"HTTP_400": ErrorResponse, "HTTP_401": ErrorResponse, "HTTP_404": ErrorResponse}


# --- create -------------------------------------------------------------------------------------------


class TransferCreate(BaseModel):
    source: str = Field(min_length=1, max_length=2000, description="file page URL or WIKI:File:Name")
    target: str = Field(min_length=1, max_length=WIKI, description="configured name, Wikimedia name or URL")
    title: str | None = Field(default=None, max_length=TITLE, description="another file name on the target")
    mark_source: bool = Field(
        default=True, description="tag the source with NowCommons when moved to Commons"
    )
    use_in: ArticleUseIn | None = None
    rules_page: str | None = Field(default=None, max_length=1000, description="WIKI:Page of rules to layer")
    page_text: PageTextField = None


class TransferDetail(TransferOut):
    """A transfer with everything its details view shows."""

    checks_all: list[CheckOut] = Field(default_factory=list, description="every check, passes too")
    follow_ups: list[FollowUpOut] = Field(default_factory=list)
    steps_done: list[str] = Field(default_factory=list)
    page_text: str | None = Field(default=None, description="the planned description page")
    options: dict[str, Any] = Field(
        default_factory=dict, description="mark_source, use_in, title, rules_page"
    )
    events: list[EventOut] = Field(default_factory=list, description="the newest 200, oldest first")
    last_event_id: int | None = None


def _detail(transfer: Transfer, lang: str, events: list[Any]) -> TransferDetail:
    base = transfer_out(transfer, lang)
    plan = plan_from_data(transfer.plan) if transfer.plan else None
    report = report_from_data(transfer.report)
    options = {
        k: v for k, v in transfer.options.items() if k in ("mark_source", "use_in", "title", "rules_page")
    }
    return TransferDetail(
        **base.model_dump(),
        checks_all=[CheckOut(**c) for c in checks_of(report, lang)],
        follow_ups=[follow_up_out(f, lang) for f in plan.follow_ups] if plan else [],
        steps_done=[str(s) for s in transfer.steps_done],
        page_text=plan.page_text if plan else None,
        options=options,
        events=[event_out(e, lang) for e in events],
        last_event_id=events[-1].id if events else None,
    )


def _load_detail(transfer_id: int) -> TransferDetail:
    with services().db.read_session() as session:
        transfer = own_transfer(session, user_id(), transfer_id)
        newest = list(
            session.scalars(
                select(Event)
                .where(Event.transfer_id == transfer_id, Event.user_id == user_id())
                .order_by(Event.id.desc())
                .limit(200)
            )
        )
        return _detail(transfer, request_lang(), list(reversed(newest)))


@blueprint.post("/transfers")
@rate_limited("expensive")
@api.validate(
    resp=Resp(HTTP_201=TransferDetail, HTTP_409=ErrorResponse, HTTP_502=ErrorResponse, **ERRORS),
    tags=["transfers"],
)
def create_transfer(json: TransferCreate) -> tuple[TransferDetail, int]:
    """Plan and check one file now; unless a check blocks, queue it for the workers.

    A blocked transfer is kept (state ``blocked``) with its report: fix the cause, then ``retry``. The
    ``page_text`` you edited replaces the planned description page and is re-checked; ``use_in`` with the
    ``base_revid`` of the preview saves exactly the previewed article change or nothing."""
    svc = services()
    uid = user_id()
    service = svc.context.service_for(uid)
    opts = options_from(json.title, json.mark_source, json.use_in, json.rules_page)
    plan, report = checked_plan(service, json.source, json.target, opts, json.page_text)
    with svc.db.session() as session:
        transfer = Transfer(
            user_id=uid,
            source_input=json.source.strip(),
            target_wiki=plan.target_wiki,
            requested_title=json.title.strip() if json.title and json.title.strip() else None,
            options=_stored_options(opts),
        )
        session.add(transfer)
        session.flush()
        record_plan(transfer, plan, report)
        repo.transfer_event(session, transfer, "info", "wft-event-transfer-created")
        if report.blocked:
            repo.move(session, transfer, TransferState.BLOCKED, outcome=Outcome.BLOCKED.value)
        else:
            repo.move(session, transfer, TransferState.QUEUED)
        transfer_id, blocked = transfer.id, report.blocked
    if not blocked:
        svc.dispatcher.dispatch([transfer_id])
    return _load_detail(transfer_id), 201


def _stored_options(opts: TransferOptions) -> dict[str, Any]:
    data = options_to_data(opts)
    data.pop("dry_run", None)
    data.pop("rules_file", None)  # never from the web: a path on the server
    return data


# --- list, export, statistics ------------------------------------------------------------------------


class HistoryQuery(BaseModel):
    state: list[StateName] = Field(default_factory=list, description="repeat for several states")
    source_wiki: str | None = Field(default=None, max_length=WIKI)
    target_wiki: str | None = Field(default=None, max_length=WIKI)
    since: dt.date | None = Field(default=None, description="created on or after this day (UTC)")
    until: dt.date | None = Field(default=None, description="created on or before this day (UTC)")
    batch: int | None = Field(default=None, ge=1, le=MAX_ID)
    q: str | None = Field(default=None, max_length=TITLE, description="text in the source or target title")

    def to_filter(self) -> history.HistoryFilter:
        return history.HistoryFilter(
            states=tuple(self.state),
            source_wiki=self.source_wiki or None,
            target_wiki=self.target_wiki or None,
            created_from=dt.datetime.combine(self.since, dt.time(), tzinfo=dt.UTC) if self.since else None,
            created_to=(
                dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
                if self.until
                else None
            ),
            batch_id=self.batch,
            text=self.q or None,
        )


class ListQuery(HistoryQuery):
    limit: int = Field(default=50, ge=1, le=200)
    after: int | None = Field(default=None, ge=1, le=MAX_ID, description="the ``next`` of the previous page")


class TransferPage(BaseModel):
    items: list[TransferOut]
    next: int | None = Field(description="cursor of the next page (pass as ``after``); null on the last page")
    partial: bool = Field(
        description="the title search stopped at its window: the page may be short, ask ``next`` for more"
    )


@blueprint.get("/transfers")
@api.validate(resp=Resp(HTTP_200=TransferPage, **ERRORS), tags=["transfers"])
def list_transfers(query: ListQuery) -> TransferPage:
    """Your transfers, newest first, filtered; keyset pages (``next`` → ``after``)."""
    lang = request_lang()
    with services().db.read_session() as session:
        page = history.history_page(session, user_id(), query.to_filter(), query.after, query.limit)
        items = [transfer_out(t, lang) for t in page.rows]
    return TransferPage(items=items, next=page.next_after_id, partial=page.partial)


CSV_COLUMNS = (
    "id",
    "batch_id",
    "created_at",
    "finished_at",
    "status",
    "source_wiki",
    "source_title",
    "source_url",
    "target_wiki",
    "target_title",
    "target_url",
    "error_key",
    "error",
    "attempts",
    "versions",
    "uploaded",
)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet will not run: a title may start with ``=``, ``+``, ``-`` or ``@`` (formula
    injection), so such text gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@blueprint.get("/transfers/export.csv")
@rate_limited("expensive")
@api.validate(resp=Resp(**ERRORS), tags=["transfers"])
def export_transfers(query: HistoryQuery) -> Response:
    """The filtered history as CSV (UTF-8, newest first, at most 50,000 rows), for spreadsheets."""
    db, uid, lang, flt = services().db, user_id(), request_lang(), query.to_filter()
    flt.validated()  # bad filters answer 400 here, not in the middle of the stream

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        sent, after = 0, None
        while sent < MAX_EXPORT_ROWS:
            with db.read_session() as session:
                page = history.history_page(session, uid, flt, after, history.MAX_LIMIT)
                for t in page.rows:
                    out = transfer_out(t, lang)
                    writer.writerow(
                        [
                            csv_cell(v)
                            for v in (
                                t.id,
                                t.batch_id,
                                t.created_at.isoformat(),
                                t.finished_at.isoformat() if t.finished_at else "",
                                out.status,
                                t.source_wiki,
                                t.source_title or t.source_input,
                                t.source_url,
                                t.target_wiki,
                                t.target_title,
                                t.target_url,
                                t.error_key,
                                out.error.message if out.error else "",
                                t.attempts,
                                t.version_count,
                                t.uploaded_count,
                            )
                        ]
                    )
                sent += len(page.rows)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if page.next_after_id is None:
                return
            after = page.next_after_id

    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="wikifile-transfers-{stamp}.csv"'},
    )


class StatsQuery(BaseModel):
    weeks: int = Field(default=12, ge=1, le=MAX_WEEKS, description="ISO weeks back from this one")


class WeekOut(BaseModel):
    week: str = Field(description="ISO week, e.g. 2026-W49")
    start: dt.date = Field(description="its Monday")
    total: int
    by_state: dict[str, int]


class StatsOut(BaseModel):
    by_state: dict[str, int] = Field(description="all your transfers, by state")
    by_status: dict[str, int] = Field(description="finished ones by outcome: done, already_done, blocked…")
    total: int
    weeks: list[WeekOut] = Field(description="oldest first, empty weeks included")


@blueprint.get("/transfers/stats")
@api.validate(resp=Resp(HTTP_200=StatsOut, **ERRORS), tags=["transfers"])
def transfer_stats(query: StatsQuery) -> StatsOut:
    """Counts by state and outcome, and per ISO week (created), for the history dashboard."""
    uid = user_id()
    today = utcnow().date()
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=query.weeks - 1)
    with services().db.read_session() as session:
        by_state = {
            str(s): int(n)
            for s, n in session.execute(
                select(Transfer.state, func.count()).where(Transfer.user_id == uid).group_by(Transfer.state)
            ).all()
        }
        by_outcome = {
            str(o): int(n)
            for o, n in session.execute(
                select(Transfer.outcome, func.count())
                .where(Transfer.user_id == uid, Transfer.outcome.is_not(None))
                .group_by(Transfer.outcome)
            ).all()
        }
        since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
        recent = session.execute(
            select(Transfer.created_at, Transfer.state).where(
                Transfer.user_id == uid, Transfer.created_at >= since
            )
        ).all()
        per_week: dict[dt.date, Counter[str]] = {
            first + dt.timedelta(weeks=n): Counter() for n in range(query.weeks)
        }
        for created, state in recent:
            monday = created.date() - dt.timedelta(days=created.weekday())
            if monday in per_week:
                per_week[monday][str(state)] += 1
    weeks = []
    for monday, counts in sorted(per_week.items()):
        year, number, _ = monday.isocalendar()
        weeks.append(
            WeekOut(
                week=f"{year}-W{number:02d}", start=monday, total=sum(counts.values()), by_state=dict(counts)
            )
        )
    return StatsOut(by_state=by_state, by_status=by_outcome, total=sum(by_state.values()), weeks=weeks)


# --- one transfer -------------------------------------------------------------------------------------


@blueprint.get("/transfers/<int:transfer_id>")
@api.validate(resp=Resp(HTTP_200=TransferDetail, **ERRORS), tags=["transfers"])
def get_transfer(transfer_id: int) -> TransferDetail:
    """A transfer with its checks, follow-up edits, planned page text and its newest 200 events."""
    return _load_detail(transfer_id)


@blueprint.get("/transfers/<int:transfer_id>/events")
@api.validate(resp=Resp(HTTP_200=EventsOut, **ERRORS), tags=["transfers"])
def transfer_events(transfer_id: int, query: EventsQuery) -> EventsOut:
    """The transfer's events oldest first; poll with ``after`` = the last id you have."""
    lang = request_lang()
    with services().db.read_session() as session:
        own_transfer(session, user_id(), transfer_id)
        events = repo.events_for_transfer(
            session, user_id(), transfer_id, after_id=query.after, limit=query.limit
        )
        out = [event_out(e, lang) for e in events]
    return EventsOut(events=out, last_event_id=out[-1].id if out else query.after)


class ProgressQuery(BaseModel):
    after_event_id: int | None = Field(
        default=None, ge=0, le=MAX_ID, description="only events newer than this id"
    )


class TransferProgress(BaseModel):
    """A cheap poll: the row's state, step and bytes, plus the events since ``after_event_id``."""

    transfer: TransferOut
    events: list[EventOut]
    last_event_id: int | None


@blueprint.get("/transfers/<int:transfer_id>/progress")
@api.validate(resp=Resp(HTTP_200=TransferProgress, **ERRORS), tags=["transfers"])
def transfer_progress(transfer_id: int, query: ProgressQuery) -> TransferProgress:
    """State, current step, bytes and new events in one small answer (poll every second or two)."""
    lang = request_lang()
    with services().db.read_session() as session:
        transfer = own_transfer(session, user_id(), transfer_id)
        events = repo.events_for_transfer(
            session, user_id(), transfer_id, after_id=query.after_event_id, limit=repo.MAX_EVENTS
        )
        out = [event_out(e, lang) for e in events]
        return TransferProgress(
            transfer=transfer_out(transfer, lang),
            events=out,
            last_event_id=out[-1].id if out else query.after_event_id,
        )


@blueprint.get("/transfers/<int:transfer_id>/stream")
@api.validate(resp=Resp(**ERRORS), tags=["transfers"])
def stream_transfer(transfer_id: int, query: ProgressQuery) -> Response:
    """Server-Sent Events (``text/event-stream``) of the transfer: ``event: progress`` with the row,
    one ``event: <kind>`` per new event (id = event id, so ``Last-Event-ID`` resumes), ``: heartbeat``
    comments, and ``event: end`` when it has finished. See web/sse.py."""
    with services().db.read_session() as session:
        own_transfer(session, user_id(), transfer_id)
    return transfer_stream(transfer_id, query.after_event_id)


@blueprint.post("/transfers/<int:transfer_id>/retry")
@api.validate(resp=Resp(HTTP_200=TransferDetail, HTTP_409=ErrorResponse, **ERRORS), tags=["transfers"])
def retry_transfer(transfer_id: int) -> TransferDetail:
    """Run a failed, blocked, cancelled or done transfer again: it is checked first, and its steps skip
    what the target already has (a done one reports ``already_done``)."""
    svc, uid = services(), user_id()
    with svc.db.read_session() as session:
        transfer = own_transfer(session, uid, transfer_id)
        state, batch_id = transfer.state, transfer.batch_id
    ids = batches.retry(svc.db, transfer_id=transfer_id, user_id=uid)
    if not ids:
        raise ApiProblem(409, "wft-api-not-retryable", str(transfer_id), state)
    svc.dispatcher.dispatch(ids)
    if batch_id is not None:
        batches.refresh_state(svc.db, batch_id)
    return _load_detail(transfer_id)


class RetryAllIn(BaseModel):
    batch: int | None = Field(default=None, ge=1, le=MAX_ID, description="only this batch's items")
    all: bool = Field(default=False, description="blocked and cancelled ones too, not only failed")


class RetriedOut(BaseModel):
    retried: list[int]


@blueprint.post("/transfers/retry")
@api.validate(resp=Resp(HTTP_200=RetriedOut, **ERRORS), tags=["transfers"])
def retry_all(json: RetryAllIn) -> RetriedOut:
    """Retry every failed transfer of yours (``all``: blocked and cancelled too), or of one batch."""
    svc, uid = services(), user_id()
    if json.batch is not None:
        with svc.db.read_session() as session:
            own_batch(session, uid, json.batch)
    ids = batches.retry(svc.db, batch_id=json.batch, only_failed=not json.all, user_id=uid)
    svc.dispatcher.dispatch(ids)
    return RetriedOut(retried=ids)


@blueprint.post("/transfers/<int:transfer_id>/cancel")
@api.validate(resp=Resp(HTTP_200=TransferDetail, HTTP_409=ErrorResponse, **ERRORS), tags=["transfers"])
def cancel_transfer(transfer_id: int) -> TransferDetail:
    """Stop a transfer: one that waits is cancelled now; a running one stops at its next step (what it
    uploaded stays). A finished one answers 409."""
    svc, uid = services(), user_id()
    with svc.db.session() as session:
        transfer = own_transfer(session, uid, transfer_id)
        state = TransferState(transfer.state)
        if state in FINISHED:
            raise ApiProblem(409, "wft-api-not-cancellable", str(transfer_id), state.value)
        if state is TransferState.RUNNING or (state in ACTIVE and transfer.lease_owner is not None):
            transfer.cancel_requested = True
            repo.transfer_event(session, transfer, "info", "wft-event-cancel-requested")
        else:
            repo.move(session, transfer, TransferState.CANCELLED, lease_owner=None, lease_until=None)
        batch_id = transfer.batch_id
    if batch_id is not None:
        batches.refresh_state(svc.db, batch_id)
    return _load_detail(transfer_id)


class TransferPatch(BaseModel):
    """Changes to a transfer that has not run (blocked, or a batch item before its run)."""

    title: str | None = Field(default=None, max_length=TITLE, description="another target title")
    page_text: PageTextField = None
    mark_source: bool | None = None
    use_in: ArticleUseIn | None = None
    clear_use_in: bool = Field(default=False, description="drop the article edit")

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


@blueprint.patch("/transfers/<int:transfer_id>")
@rate_limited("expensive")
@api.validate(
    resp=Resp(HTTP_200=TransferDetail, HTTP_409=ErrorResponse, HTTP_502=ErrorResponse, **ERRORS),
    tags=["transfers"],
)
def patch_transfer(transfer_id: int, json: TransferPatch) -> TransferDetail:
    """Change the title, the page text or the follow-up edits of a transfer that has not run; it is
    planned (new title) and checked again at once. Then ``retry`` (single) or run the batch."""
    svc, uid = services(), user_id()
    service = svc.context.service_for(uid)
    with svc.db.read_session() as session:
        transfer = own_transfer(session, uid, transfer_id)
        state = TransferState(transfer.state)
        if state not in EDITABLE_STATES:
            raise ApiProblem(409, "wft-error-item-not-editable", str(transfer_id), state.value)
        stored = dict(transfer.options)
        plan_data, source_input, target = transfer.plan, transfer.source_input, transfer.target_wiki
        old_title = transfer.requested_title
    opts = _patched_options(stored, json, old_title)
    if plan_data is None or json.title is not None:
        plan, report = checked_plan(service, source_input, target, opts, json.page_text)
    else:
        plan = plan_from_data(plan_data)
        if json.page_text is not None:
            plan.page_text = json.page_text
        report = _recheck(service, plan, opts, edited=json.page_text is not None)
    with svc.db.session() as session:
        transfer = own_transfer(session, uid, transfer_id)
        transfer.options = _stored_options(opts)
        transfer.requested_title = opts.title
        record_plan(transfer, plan, report)
        new = TransferState.BLOCKED if report.blocked else TransferState.READY
        if new.value != transfer.state:
            repo.move(session, transfer, new, outcome=Outcome.BLOCKED.value if report.blocked else None)
        else:
            transfer.outcome = Outcome.BLOCKED.value if report.blocked else None
        repo.transfer_event(session, transfer, "info", "wft-event-transfer-changed")
    return _load_detail(transfer_id)


def _patched_options(stored: dict[str, Any], patch: TransferPatch, old_title: str | None) -> TransferOptions:
    opts = item_options(stored, old_title)
    use_in: ArticleUse | None = opts.use_in
    if patch.clear_use_in:
        use_in = None
    elif patch.use_in is not None:
        use_in = patch.use_in.to_model()
    return TransferOptions(
        title=patch.title if patch.title is not None else opts.title,
        mark_source=opts.mark_source if patch.mark_source is None else patch.mark_source,
        use_in=use_in,
        rules_page=opts.rules_page,
    )


def _recheck(
    service: TransferService, plan: TransferPlan, opts: TransferOptions, *, edited: bool
) -> CheckReport:
    report = service.check(plan, opts)
    if edited:
        report.results += edited_text_check(plan)
    return report


# --- post-transfer edits ------------------------------------------------------------------------------


class FollowUpsIn(BaseModel):
    mark_source: bool = Field(default=True)
    use_in: ArticleUseIn | None = None


class FollowUpsPreview(BaseModel):
    follow_ups: list[FollowUpOut]


@blueprint.post("/transfers/<int:transfer_id>/follow-ups/preview")
@rate_limited("expensive")
@api.validate(
    resp=Resp(HTTP_200=FollowUpsPreview, HTTP_409=ErrorResponse, HTTP_502=ErrorResponse, **ERRORS),
    tags=["transfers"],
)
def preview_follow_ups(transfer_id: int, json: FollowUpsIn) -> FollowUpsPreview:
    """What marking the source and using the file in an article would change now, with the article's
    diff and the revision it is based on (send that ``base_revid`` to ``follow-ups``)."""
    plan, opts = _planned(transfer_id, json)
    services().context.service_for(user_id()).plan_follow_ups(plan, opts)
    lang = request_lang()
    return FollowUpsPreview(follow_ups=[follow_up_out(f, lang) for f in plan.follow_ups])


@blueprint.post("/transfers/<int:transfer_id>/follow-ups")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=TransferDetail, HTTP_409=ErrorResponse, **ERRORS), tags=["transfers"])
def run_follow_ups(transfer_id: int, json: FollowUpsIn) -> TransferDetail:
    """Mark the source and/or put the file into an article after the transfer (as ``transfer --use-in``
    run again): the transfer runs again, finds every version in place, and does only the edits."""
    svc, uid = services(), user_id()
    _planned(transfer_id, json)
    with svc.db.session() as session:
        transfer = own_transfer(session, uid, transfer_id)
        state = TransferState(transfer.state)
        if state is not TransferState.DONE:
            raise ApiProblem(409, "wft-api-not-done", str(transfer_id), state.value)
        options = dict(transfer.options)
        options["mark_source"] = json.mark_source
        options["use_in"] = json.use_in.to_model().__dict__ if json.use_in else None
        transfer.options = options
    ids = batches.retry(svc.db, transfer_id=transfer_id, user_id=uid)
    svc.dispatcher.dispatch(ids)
    return _load_detail(transfer_id)


def _planned(transfer_id: int, json: FollowUpsIn) -> tuple[TransferPlan, TransferOptions]:
    with services().db.read_session() as session:
        transfer = own_transfer(session, user_id(), transfer_id)
        if transfer.plan is None:
            raise ApiProblem(409, "wft-api-not-planned", str(transfer_id))
        plan = plan_from_data(transfer.plan)
    if transfer.target_title:
        plan.target_title = transfer.target_title  # the title the upload got
    opts = TransferOptions(
        mark_source=json.mark_source, use_in=json.use_in.to_model() if json.use_in else None
    )
    return plan, opts
