"""Batches over the API: create one from a URL list, a category, a user's uploads or a page's files; the
dry-run table (filter, sort, pages); leave items out or rename them; run, cancel, retry; follow it.

Creating answers at once (202): the request writes the batch (and a URL list's lines as its items, a
form check only, no request to any wiki), then hands the batch to a Preparer (jobs/prepare.py) that lists
the source and dry-runs every item in the background. The table fills while it works; the batch's
``state`` goes expanding → planning → planned, and ``run`` is accepted from ``planned`` on.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, Response
from pydantic import BaseModel, Field, model_validator
from spectree import Response as Resp
from sqlalchemy import select
from sqlalchemy.orm import defer

from wikifile_transfer.errors import WftError
from wikifile_transfer.jobs import batches
from wikifile_transfer.jobs.batches import BatchSpec, Item
from wikifile_transfer.jobs.present import item_status
from wikifile_transfer.store import repo
from wikifile_transfer.store.models import TITLE, WIKI, Batch, Transfer
from wikifile_transfer.store.states import ACTIVE, BatchState, TransferState
from wikifile_transfer.web.api.common import (
    MAX_ID,
    BatchOut,
    EventOut,
    EventsOut,
    EventsQuery,
    TransferOut,
    batch_out,
    event_out,
    own_batch,
    own_transfer,
    require_sign_in,
    transfer_out,
)
from wikifile_transfer.web.auth import user_id
from wikifile_transfer.web.errors import ApiProblem, ErrorResponse
from wikifile_transfer.web.lang import request_lang
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.ratelimit import rate_limited
from wikifile_transfer.web.services import services
from wikifile_transfer.web.sse import batch_stream
from wikifile_transfer.wiki import listing

blueprint = Blueprint("batches", __name__, url_prefix="/api/v1")
blueprint.before_request(require_sign_in)
ERRORS: Any = {"HTTP_400": ErrorResponse, "HTTP_401": ErrorResponse, "HTTP_404": ErrorResponse}
MAX_LINES = 5000
"""Lines of one URL list: a batch is a unit a person can review in a table; split bigger lists."""
MAX_LINE = 2000


class BatchCreate(BaseModel):
    target: str = Field(min_length=1, max_length=WIKI)
    kind: Literal["urls", "category", "user", "page"]
    urls: list[str] | None = Field(
        default=None,
        max_length=MAX_LINES,
        description="kind urls: file page URLs or WIKI:File:Name, one per entry (blank and # lines skipped)",
    )
    spec: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="category: WIKI:Category:Name; user: WIKI:Name; page: WIKI:Title (or their URLs)",
    )
    depth: Literal[0, 1] = Field(default=0, description="category: 1 adds its direct subcategories")
    mark_source: bool = True

    @model_validator(mode="after")
    def _source(self) -> BatchCreate:
        if self.kind == "urls":
            if not self.urls:
                raise ValueError("kind urls needs urls")
            if any(len(line) > MAX_LINE for line in self.urls):
                raise ValueError(f"a line is longer than {MAX_LINE} characters")
        elif not self.spec or not self.spec.strip():
            raise ValueError(f"kind {self.kind} needs spec")
        return self


def _url_items(lines: list[str]) -> list[Item]:
    """The lines as items, with the form check only (no request): a line that is no URL and no
    ``WIKI:File:Name`` becomes a failed item saying why; the dry run resolves the rest."""
    items: list[Item] = []
    seen: set[str] = set()
    for entry in listing.parse_url_list(lines):
        if isinstance(entry, listing.ListError):
            items.append(Item(entry.text, error=WftError(*entry.params, key=entry.key, detail=entry.detail)))
        elif entry.text not in seen:
            seen.add(entry.text)
            items.append(Item(entry.text))
    return items


@blueprint.post("/batches")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_202=BatchOut, HTTP_200=BatchOut, **ERRORS), tags=["batches"])
def create_batch(json: BatchCreate) -> tuple[BatchOut, int]:
    """Create a batch (or continue your unfinished one with the same source and target, as the CLI
    does: 200 then); its expansion and dry run run in the background (202)."""
    svc, uid, lang = services(), user_id(), request_lang()
    options: dict[str, Any] = {"mark_source": json.mark_source}
    lines: list[str] | None = None
    if json.kind == "urls":
        lines = list(json.urls or [])
        spec = BatchSpec(json.target.strip(), "urls", None, options, batches.digest_lines(lines))
    else:
        if json.kind == "category":
            options["depth"] = json.depth
        spec = BatchSpec(json.target.strip(), json.kind, (json.spec or "").strip(), options)
    with svc.db.session() as session:
        existing = batches.find_unfinished(session, uid, spec)
        batch = existing or batches.create_batch(session, uid, spec)
        batch_id, state = batch.id, BatchState(batch.state)
    if state is BatchState.EXPANDING and lines is not None:
        batches.expand(svc.db, batch_id, _url_items(lines))
    if state in (BatchState.EXPANDING, BatchState.PLANNING):
        svc.batch_preparer().prepare(batch_id)
    with svc.db.read_session() as session:
        out = batch_out(session, own_batch(session, uid, batch_id), lang)
    return out, 200 if existing is not None else 202


class BatchListQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=100)
    after: int | None = Field(default=None, ge=1, le=MAX_ID)


class BatchPage(BaseModel):
    items: list[BatchOut]
    next: int | None


@blueprint.get("/batches")
@api.validate(resp=Resp(HTTP_200=BatchPage, **ERRORS), tags=["batches"])
def list_batches(query: BatchListQuery) -> BatchPage:
    """Your batches, newest first (keyset pages: ``next`` → ``after``)."""
    uid, lang = user_id(), request_lang()
    with services().db.read_session() as session:
        stmt = select(Batch).where(Batch.user_id == uid)
        if query.after is not None:
            stmt = stmt.where(Batch.id < query.after)
        rows = list(session.scalars(stmt.order_by(Batch.id.desc()).limit(query.limit + 1)))
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        items = [batch_out(session, b, lang) for b in rows]
    return BatchPage(items=items, next=rows[-1].id if more and rows else None)


@blueprint.get("/batches/<int:batch_id>")
@api.validate(resp=Resp(HTTP_200=BatchOut, **ERRORS), tags=["batches"])
def get_batch(batch_id: int) -> BatchOut:
    """A batch with its counts by state."""
    with services().db.read_session() as session:
        return batch_out(session, own_batch(session, user_id(), batch_id), request_lang())


# --- the dry-run table --------------------------------------------------------------------------------

StatusWord = Literal[
    "done",
    "already_done",
    "blocked",
    "failed",
    "cancelled",
    "excluded",
    "ready",
    "warn",
    "planned",
    "queued",
    "running",
    "retry_wait",
]


def _sort_key(sort: str, transfer: Transfer, status: str) -> tuple[Any, ...]:
    if sort == "source":
        return ((transfer.source_title or transfer.source_input).lower(), transfer.position)
    if sort == "target":
        return ((transfer.target_title or "").lower(), transfer.position)
    if sort == "status":
        return (status, transfer.position)
    if sort == "updated":
        return (transfer.updated_at, transfer.position)
    return (transfer.position,)


class ItemsQuery(BaseModel):
    status: list[StatusWord] = Field(default_factory=list, description="repeat for several")
    q: str | None = Field(default=None, max_length=TITLE, description="text in the source or target title")
    sort: Literal["position", "source", "target", "status", "updated"] = "position"
    order: Literal["asc", "desc"] = "asc"
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=100, ge=1, le=500)


class ItemsPage(BaseModel):
    items: list[TransferOut]
    total: int = Field(description="items matching the filters")
    offset: int
    limit: int
    statuses: dict[str, int] = Field(description="every item of the batch by status (for the filter chips)")


@blueprint.get("/batches/<int:batch_id>/items")
@api.validate(resp=Resp(HTTP_200=ItemsPage, **ERRORS), tags=["batches"])
def batch_items(batch_id: int, query: ItemsQuery) -> ItemsPage:
    """The items with their status chips, checks (warnings and blocks) and target titles; filtered,
    sorted and paged on the server (offset pages: a batch is a bounded list, and sorting by status needs
    each item's check report)."""
    uid, lang = user_id(), request_lang()
    needle = (query.q or "").replace("_", " ").strip().lower()
    with services().db.read_session() as session:
        own_batch(session, uid, batch_id)
        rows = list(
            session.scalars(
                select(Transfer)
                .options(defer(Transfer.plan))
                .where(Transfer.batch_id == batch_id, Transfer.user_id == uid)
                .order_by(Transfer.position)
            )
        )
        tagged = [(t, item_status(t)) for t in rows]
        statuses: dict[str, int] = {}
        for _, status in tagged:
            statuses[status] = statuses.get(status, 0) + 1
        wanted = set(query.status)
        chosen = [
            (t, s)
            for t, s in tagged
            if (not wanted or s in wanted)
            and (
                not needle
                or needle in (t.source_title or t.source_input).replace("_", " ").lower()
                or needle in (t.target_title or "").lower()
            )
        ]
        chosen.sort(key=lambda pair: _sort_key(query.sort, *pair), reverse=query.order == "desc")
        page = chosen[query.offset : query.offset + query.limit]
        items = [transfer_out(t, lang) for t, _ in page]
    return ItemsPage(
        items=items, total=len(chosen), offset=query.offset, limit=query.limit, statuses=statuses
    )


class ItemPatch(BaseModel):
    excluded: bool | None = Field(default=None, description="leave it out of the run, or take it back")
    title: str | None = Field(default=None, max_length=TITLE, description="another target title")
    reset_title: bool = Field(default=False, description="back to the source's own name")


def _own_item(session: Any, uid: int, batch_id: int, transfer_id: int) -> Transfer:
    own_batch(session, uid, batch_id)
    transfer = own_transfer(session, uid, transfer_id)
    if transfer.batch_id != batch_id:
        raise ApiProblem(404, "wft-error-no-such-transfer", str(transfer_id))
    return transfer


@blueprint.patch("/batches/<int:batch_id>/items/<int:transfer_id>")
@api.validate(resp=Resp(HTTP_200=TransferOut, HTTP_409=ErrorResponse, **ERRORS), tags=["batches"])
def patch_item(batch_id: int, transfer_id: int, json: ItemPatch) -> TransferOut:
    """Exclude, include or rename an item before the batch runs; a renamed item is dry-run again in the
    background (its status goes back to ``planned``, then ``ready`` or ``blocked``)."""
    svc, uid = services(), user_id()
    with svc.db.read_session() as session:
        _own_item(session, uid, batch_id, transfer_id)
    if json.title is not None or json.reset_title:
        batches.rename(svc.db, uid, transfer_id, None if json.reset_title else json.title)
        svc.batch_preparer().prepare(batch_id)
    if json.excluded is not None:
        batches.set_excluded(svc.db, uid, transfer_id, json.excluded)
    with svc.db.read_session() as session:
        return transfer_out(own_transfer(session, uid, transfer_id), request_lang())


class BulkExclude(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=MAX_LINES)
    excluded: bool = True


class BulkResult(BaseModel):
    changed: list[int]
    refused: list[int] = Field(description="items that already ran (or are not in this batch)")


@blueprint.post("/batches/<int:batch_id>/items/exclude")
@api.validate(resp=Resp(HTTP_200=BulkResult, **ERRORS), tags=["batches"])
def bulk_exclude(batch_id: int, json: BulkExclude) -> BulkResult:
    """Exclude (or include, ``excluded: false``) many items at once: the table's checkboxes."""
    svc, uid = services(), user_id()
    with svc.db.session() as session:
        own_batch(session, uid, batch_id)
        rows = session.scalars(
            select(Transfer).where(
                Transfer.batch_id == batch_id, Transfer.user_id == uid, Transfer.id.in_(set(json.ids))
            )
        )
        changed: list[int] = []
        for transfer in rows:
            if TransferState(transfer.state) in (
                TransferState.PLANNED,
                TransferState.READY,
                TransferState.BLOCKED,
            ):
                transfer.excluded = json.excluded
                changed.append(transfer.id)
    refused = sorted(set(json.ids) - set(changed))
    return BulkResult(changed=sorted(changed), refused=refused)


# --- run, cancel, retry -------------------------------------------------------------------------------


@blueprint.post("/batches/<int:batch_id>/prepare")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_202=BatchOut, HTTP_409=ErrorResponse, **ERRORS), tags=["batches"])
def prepare_batch(batch_id: int) -> tuple[BatchOut, int]:
    """Start the expansion and dry run again for a batch still ``expanding`` or ``planning`` (its worker
    was lost, or a worker restarted): it continues where it stopped."""
    svc, uid = services(), user_id()
    with svc.db.read_session() as session:
        state = BatchState(own_batch(session, uid, batch_id).state)
    if state not in (BatchState.EXPANDING, BatchState.PLANNING):
        raise ApiProblem(409, "wft-api-batch-prepared", str(batch_id), state.value)
    svc.batch_preparer().prepare(batch_id)
    with svc.db.read_session() as session:
        return batch_out(session, own_batch(session, uid, batch_id), request_lang()), 202


@blueprint.post("/batches/<int:batch_id>/run")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=BatchOut, HTTP_409=ErrorResponse, **ERRORS), tags=["batches"])
def run_batch(batch_id: int) -> BatchOut:
    """Run the planned batch: every ready item not excluded is queued (each is checked again just
    before it runs); blocked and failed items stay as they are. 409 while it is still being prepared."""
    svc, uid = services(), user_id()
    with svc.db.read_session() as session:
        state = BatchState(own_batch(session, uid, batch_id).state)
    if state not in (BatchState.PLANNED, BatchState.RUNNING):
        raise ApiProblem(409, "wft-api-batch-not-planned", str(batch_id), state.value)
    ids = batches.start(svc.db, batch_id)
    svc.dispatcher.dispatch(ids)
    batches.refresh_state(svc.db, batch_id)
    with svc.db.read_session() as session:
        return batch_out(session, own_batch(session, uid, batch_id), request_lang())


@blueprint.post("/batches/<int:batch_id>/cancel")
@api.validate(resp=Resp(HTTP_200=BatchOut, **ERRORS), tags=["batches"])
def cancel_batch(batch_id: int) -> BatchOut:
    """Stop the batch: waiting items are cancelled now, running ones stop at their next step."""
    svc, uid = services(), user_id()
    with svc.db.read_session() as session:
        own_batch(session, uid, batch_id)
    batches.cancel(svc.db, batch_id)
    with svc.db.read_session() as session:
        return batch_out(session, own_batch(session, uid, batch_id), request_lang())


class BatchRetry(BaseModel):
    all: bool = Field(default=False, description="blocked and cancelled items too, not only failed")


class BatchRetried(BatchOut):
    retried: list[int]


@blueprint.post("/batches/<int:batch_id>/retry")
@api.validate(resp=Resp(HTTP_200=BatchRetried, **ERRORS), tags=["batches"])
def retry_batch(batch_id: int, json: BatchRetry) -> BatchRetried:
    """Queue the failed items again (``all``: blocked and cancelled too); nothing is uploaded twice."""
    svc, uid = services(), user_id()
    with svc.db.read_session() as session:
        own_batch(session, uid, batch_id)
    ids = batches.retry(svc.db, batch_id=batch_id, only_failed=not json.all, user_id=uid)
    svc.dispatcher.dispatch(ids)
    with svc.db.read_session() as session:
        out = batch_out(session, own_batch(session, uid, batch_id), request_lang())
    return BatchRetried(**out.model_dump(), retried=ids)


# --- live progress ------------------------------------------------------------------------------------


@blueprint.get("/batches/<int:batch_id>/events")
@api.validate(resp=Resp(HTTP_200=EventsOut, **ERRORS), tags=["batches"])
def batch_events(batch_id: int, query: EventsQuery) -> EventsOut:
    """The batch's events and its items' events, oldest first; poll with ``after``."""
    uid, lang = user_id(), request_lang()
    with services().db.read_session() as session:
        own_batch(session, uid, batch_id)
        events = repo.events_for_batch(session, uid, batch_id, after_id=query.after, limit=query.limit)
        out = [event_out(e, lang) for e in events]
    return EventsOut(events=out, last_event_id=out[-1].id if out else query.after)


class ProgressQuery(BaseModel):
    after_event_id: int | None = Field(default=None, ge=0, le=MAX_ID)


class BatchProgress(BaseModel):
    batch: BatchOut
    running: list[TransferOut] = Field(description="items queued, running or waiting to retry (first 50)")
    events: list[EventOut]
    last_event_id: int | None


@blueprint.get("/batches/<int:batch_id>/progress")
@api.validate(resp=Resp(HTTP_200=BatchProgress, **ERRORS), tags=["batches"])
def batch_progress(batch_id: int, query: ProgressQuery) -> BatchProgress:
    """Counts by state, the items at work (state, step, bytes) and the events since ``after_event_id``."""
    uid, lang = user_id(), request_lang()
    with services().db.read_session() as session:
        batch = own_batch(session, uid, batch_id)
        running = session.scalars(
            select(Transfer)
            .options(defer(Transfer.plan))
            .where(Transfer.batch_id == batch_id, Transfer.state.in_([s.value for s in ACTIVE]))
            .order_by(Transfer.position)
            .limit(50)
        )
        events = repo.events_for_batch(session, uid, batch_id, after_id=query.after_event_id, limit=500)
        out = [event_out(e, lang) for e in events]
        return BatchProgress(
            batch=batch_out(session, batch, lang),
            running=[transfer_out(t, lang) for t in running],
            events=out,
            last_event_id=out[-1].id if out else query.after_event_id,
        )


@blueprint.get("/batches/<int:batch_id>/stream")
@api.validate(resp=Resp(**ERRORS), tags=["batches"])
def stream_batch(batch_id: int, query: ProgressQuery) -> Response:
    """Server-Sent Events of the batch (see web/sse.py): ``progress`` = the batch with its counts, one
    event per new batch or item event, heartbeats, ``end`` when it has finished."""
    with services().db.read_session() as session:
        own_batch(session, user_id(), batch_id)
    return batch_stream(batch_id, query.after_event_id)
