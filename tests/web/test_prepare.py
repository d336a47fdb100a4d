"""The background half of a batch (jobs/prepare.py) without wikis: a source that cannot be listed fails
the batch with its reason; the thread preparer runs one thread per batch; the Celery task and preparer."""

from __future__ import annotations

import time
from typing import Any

from wikifile_transfer.errors import InputError
from wikifile_transfer.jobs import batches, queue
from wikifile_transfer.jobs.batches import BatchSpec
from wikifile_transfer.jobs.prepare import InlinePreparer, ThreadPreparer, prepare_batch
from wikifile_transfer.store.models import Batch
from wikifile_transfer.store.states import BatchState


def new_batch(db, user_id: int, spec: str | None = "Category:X", kind: str = "category") -> int:
    with db.session() as session:
        return batches.create_batch(session, user_id, BatchSpec("commons", kind, spec, {"depth": 0})).id


def state_of(db, batch_id: int) -> Batch:
    with db.read_session() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        session.expunge(batch)
        return batch


def test_a_source_that_cannot_be_listed_fails_the_batch_with_its_reason(
    web_db, web_services, make_user
) -> None:
    batch_id = new_batch(web_db, make_user())
    assert prepare_batch(web_services.context, batch_id) is BatchState.FAILED
    batch = state_of(web_db, batch_id)
    assert batch.state == "failed" and batch.error_key == "wft-error-bad-input"


def test_a_url_batch_whose_lines_all_failed_is_planned_without_any_request(
    web_db, web_services, make_user
) -> None:
    batch_id = new_batch(web_db, make_user(), spec=None, kind="urls")
    batches.expand(web_db, batch_id, [batches.Item("x", error=InputError("x"))])
    InlinePreparer(web_services.context).prepare(batch_id)
    assert state_of(web_db, batch_id).state == "planned"


def test_the_thread_preparer_runs_once_more_when_asked_while_working(
    web_db, web_services, make_user, monkeypatch
):
    calls: list[int] = []

    def slow(context: Any, batch_id: int) -> BatchState:
        calls.append(batch_id)
        time.sleep(0.2)
        if len(calls) == 1:
            raise RuntimeError("a bug: logged, the thread goes on")
        return BatchState.PLANNED

    monkeypatch.setattr("wikifile_transfer.jobs.prepare.prepare_batch", slow)
    preparer = ThreadPreparer(web_services.context)
    preparer.prepare(7)
    preparer.prepare(7)
    preparer.prepare(7)
    deadline = time.monotonic() + 5
    while preparer.busy() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert calls == [7, 7]  # the two extra asks while it worked became one more run


def test_the_celery_preparer_sends_the_id_and_the_task_prepares(web_db, web_services, make_user) -> None:
    sent: list[tuple[str, list[int], str]] = []

    class App:
        def send_task(self, name: str, args: list[int], queue: str) -> None:
            sent.append((name, args, queue))

    queue.CeleryPreparer(App()).prepare(5)  # type: ignore[arg-type]
    assert sent == [("wft.prepare_batch", [5], "wikifile-transfer")]
    batch_id = new_batch(web_db, make_user())
    queue.set_context(web_services.context)
    try:
        assert queue._prepare_batch_task(batch_id) == "failed"
    finally:
        queue.set_context(None)
    app = queue.make_celery("memory://")
    assert "wft.prepare_batch" in app.tasks


def test_prepare_again_only_while_not_prepared(alice, web_db, web_services) -> None:
    batch_id = new_batch(web_db, alice.user_id)
    response = alice.post(f"/api/v1/batches/{batch_id}/prepare")
    assert response.status_code == 202 and web_services.preparer.asked == [batch_id]
    prepare_batch(web_services.context, batch_id)
    refused = alice.post(f"/api/v1/batches/{batch_id}/prepare")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["key"] == "wft-api-batch-prepared"
