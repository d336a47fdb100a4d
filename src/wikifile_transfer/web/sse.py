"""Server-Sent Events for live progress: the events of a transfer or a batch as they are written.

How it works: the stream is a generator that looks at the database every ``POLL`` seconds for events
newer than the last one sent (the ``(transfer_id, id)`` / ``(batch_id, id)`` indexes make that a tiny
index range read) and for the row's progress (step, bytes), and writes

* ``event: progress`` + ``data: {…}`` — the transfer (or the batch's counts) when it changed;
* ``id: <event id>`` + ``event: <kind>`` + ``data: {event}`` — one per new event (kind state|attempt|step|
  api_error|warning|error|info); the browser's ``EventSource`` sends the last id back as
  ``Last-Event-ID`` when it reconnects, and the stream resumes after it;
* ``: heartbeat`` comments every ``HEARTBEAT`` seconds, so proxies keep the connection open;
* ``event: end`` when the transfer or batch has finished — then it closes. A stream also ends after
  ``MAX_SECONDS``; ``EventSource`` reconnects by itself (``retry:`` says after how long).

No transaction stays open between polls, and nothing but the database is shared, so a stream works the
same whichever process or machine runs the workers. Deployment: every open stream holds one worker
thread of the web server. Under gunicorn use the threaded worker class (``--worker-class gthread
--threads 16`` or more) or an async one (gevent); the default ``sync`` worker would give each viewer a
whole process. ``MAX_SECONDS`` bounds how long one stream holds its thread; the embedded server
(``serve``, threaded Werkzeug) needs nothing special. Behind nginx, ``X-Accel-Buffering: no`` (sent)
stops the proxy from buffering the stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, current_app, request

from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Event, Transfer
from wikifile_transfer.web.api.common import batch_out, event_out, transfer_out
from wikifile_transfer.web.auth import user_id
from wikifile_transfer.web.lang import request_lang
from wikifile_transfer.web.services import services

POLL = 1.0
HEARTBEAT = 15.0
MAX_SECONDS = 300.0
RETRY_MS = 2000


def frame(data: Any, *, event: str | None = None, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    payload = json.dumps(data, ensure_ascii=False, default=str)
    lines += [f"data: {line}" for line in payload.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


def _resume_from(after: int | None) -> int | None:
    sent = request.headers.get("Last-Event-ID", "").strip()
    if sent.isdigit():
        return int(sent)
    return after


Snapshot = Callable[[Any], tuple[dict[str, Any], bool]]
"""(session) → (the progress payload, finished?)"""
Fetch = Callable[[Any, int | None], list[Event]]


def _stream(
    db: Database,
    snapshot: Snapshot,
    fetch: Fetch,
    render: Callable[[Event], dict[str, Any]],
    after: int | None,
    *,
    poll: float,
    max_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    started = last_beat = clock()
    last_progress: dict[str, Any] | None = None
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        with db.read_session() as session:
            events = fetch(session, after)
            progress, finished = snapshot(session)
            rendered = [(e.id, e.kind, render(e)) for e in events]
        for event_id, kind, data in rendered:
            after = event_id
            yield frame(data, event=kind, event_id=event_id)
        if progress != last_progress:
            last_progress = progress
            yield frame(progress, event="progress")
        if finished and not events:
            yield frame({"finished": True}, event="end")
            return
        now = clock()
        if now - started >= max_seconds:
            return  # the browser reconnects with Last-Event-ID
        if now - last_beat >= HEARTBEAT:
            last_beat = now
            yield ": heartbeat\n\n"
        sleep(poll)


def _response(stream: Iterator[str]) -> Response:
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Connection": "keep-alive"},
    )


def transfer_stream(transfer_id: int, after: int | None) -> Response:
    """The SSE response for a transfer (its owner was checked by the caller)."""
    svc, uid, lang = services(), user_id(), request_lang()
    settings = svc_settings()

    def snapshot(session: Any) -> tuple[dict[str, Any], bool]:
        transfer = session.get(Transfer, transfer_id)
        if transfer is None or transfer.user_id != uid:  # deleted meanwhile
            return {}, True
        out = transfer_out(transfer, lang)
        return out.model_dump(mode="json"), out.finished

    def fetch(session: Any, since: int | None) -> list[Event]:
        return repo.events_for_transfer(session, uid, transfer_id, after_id=since, limit=200)

    return _response(
        _stream(
            svc.db,
            snapshot,
            fetch,
            lambda e: event_out(e, lang).model_dump(mode="json"),
            _resume_from(after),
            poll=settings[0],
            max_seconds=settings[1],
        )
    )


def batch_stream(batch_id: int, after: int | None) -> Response:
    """The SSE response for a batch: its events and its items' events; ``progress`` is the batch with
    its counts (the owner was checked by the caller)."""
    svc, uid, lang = services(), user_id(), request_lang()
    settings = svc_settings()

    def snapshot(session: Any) -> tuple[dict[str, Any], bool]:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.user_id != uid:
            return {}, True
        out = batch_out(session, batch, lang)
        return out.model_dump(mode="json"), out.finished

    def fetch(session: Any, since: int | None) -> list[Event]:
        return repo.events_for_batch(session, uid, batch_id, after_id=since, limit=200)

    return _response(
        _stream(
            svc.db,
            snapshot,
            fetch,
            lambda e: event_out(e, lang).model_dump(mode="json"),
            _resume_from(after),
            poll=settings[0],
            max_seconds=settings[1],
        )
    )


def svc_settings() -> tuple[float, float]:
    """Poll interval and longest life of a stream; the app's config may shorten them (tests)."""
    return (
        float(current_app.config.get("WFT_SSE_POLL", POLL)),
        float(current_app.config.get("WFT_SSE_MAX_SECONDS", MAX_SECONDS)),
    )
