"""The batch endpoints on SQLite without wikis: creation (URL lines become items at once, the rest is
handed to the preparer), the dry-run table, editing items, run/cancel/retry, progress and SSE."""

from __future__ import annotations

import pytest
from apihelpers import RecordingPreparer
from sqlalchemy import update

from wikifile_transfer.store.models import Batch, Transfer


def create(client, **body):
    return client.post("/api/v1/batches", json={"target": "commons", **body})


def test_a_url_list_becomes_items_at_once_and_the_dry_run_is_handed_over(alice, web_services) -> None:
    lines = [
        "# a comment",
        "src:File:A.png",
        "",
        "src:File:A.png",
        "nonsense",
        "https://x.example/wiki/File:B.png",
    ]
    response = create(alice, kind="urls", urls=lines)
    assert response.status_code == 202
    batch = response.get_json()
    assert batch["state"] == "planning" and batch["kind"] == "urls"
    assert batch["total"] == 3 and batch["counts"] == {"planned": 2, "failed": 1}
    preparer = web_services.preparer
    assert isinstance(preparer, RecordingPreparer) and preparer.asked == [batch["id"]]
    items = alice.get(f"/api/v1/batches/{batch['id']}/items").get_json()
    assert [i["source_input"] for i in items["items"]] == ["src:File:A.png", "nonsense", lines[-1]]
    assert items["items"][1]["status"] == "failed"
    assert items["items"][1]["error"]["key"] == "wft-error-bad-input"
    again = create(alice, kind="urls", urls=lines)
    assert again.status_code == 200 and again.get_json()["id"] == batch["id"]  # continued, as the CLI does


def test_a_category_batch_is_expanded_in_the_background(alice, web_services) -> None:
    response = create(alice, kind="category", spec="src:Category:Sunsets", depth=1)
    assert response.status_code == 202
    body = response.get_json()
    assert body["state"] == "expanding" and body["total"] == 0
    assert body["options"] == {"mark_source": True, "depth": 1}
    assert web_services.preparer.asked == [body["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "urls"},
        {"kind": "urls", "urls": []},
        {"kind": "category"},
        {"kind": "category", "spec": "src:Category:X", "depth": 2},
        {"kind": "nothing", "spec": "x"},
        {"kind": "urls", "urls": ["x" * 2001]},
        {"kind": "urls", "urls": ["src:File:X.png"] * 5001},
    ],
)
def test_bad_batch_requests_are_400(alice, body) -> None:
    response = create(alice, **body)
    assert response.status_code in (400, 413), response.get_json()
    assert response.get_json()["error"]["key"] in ("wft-http-invalid-input", "wft-http-too-large")


@pytest.fixture
def planned_batch(alice, web_db, make_transfer) -> tuple[int, list[int]]:
    """A planned batch of five items: ready, ready with a warning, blocked, failed, ready."""
    with web_db.session() as session:
        batch = Batch(
            user_id=alice.user_id, target_wiki="commons", source_kind="urls", state="planned", item_count=5
        )
        session.add(batch)
        session.flush()
        batch_id = batch.id
    warn = [{"id": "duplicates", "outcome": "warn", "key": "wft-check-duplicates", "params": ["File:Z.png"]}]
    block = [{"id": "licence", "outcome": "block", "key": "wft-check-licence-bad", "params": ["Non-free"]}]
    ids = [
        make_transfer(alice.user_id, "ready", batch_id=batch_id, position=1, source_title="File:Alpha.png"),
        make_transfer(
            alice.user_id, "ready", batch_id=batch_id, position=2, source_title="File:Beta.png", report=warn
        ),
        make_transfer(
            alice.user_id,
            "blocked",
            batch_id=batch_id,
            position=3,
            source_title="File:Gamma.png",
            report=block,
        ),
        make_transfer(
            alice.user_id,
            "failed",
            batch_id=batch_id,
            position=4,
            source_title="File:Delta.png",
            error_key="wft-error-missing-file",
        ),
        make_transfer(alice.user_id, "ready", batch_id=batch_id, position=5, source_title="File:Epsilon.png"),
    ]
    return batch_id, ids


def test_the_dry_run_table_filters_sorts_and_pages(alice, planned_batch) -> None:
    batch_id, ids = planned_batch
    url = f"/api/v1/batches/{batch_id}/items"
    table = alice.get(url).get_json()
    assert [i["status"] for i in table["items"]] == ["ready", "warn", "blocked", "failed", "ready"]
    assert table["statuses"] == {"ready": 2, "warn": 1, "blocked": 1, "failed": 1}
    assert table["items"][2]["checks"][0]["id"] == "licence"
    assert table["items"][2]["checks"][0]["result"] == "block"
    warn_or_blocked = alice.get(f"{url}?status=warn&status=blocked").get_json()
    assert [i["id"] for i in warn_or_blocked["items"]] == [ids[1], ids[2]] and warn_or_blocked["total"] == 2
    by_name = alice.get(f"{url}?sort=source&order=desc&limit=2&offset=1").get_json()
    assert [i["source_title"] for i in by_name["items"]] == ["File:Epsilon.png", "File:Delta.png"]
    assert by_name["total"] == 5
    assert [i["id"] for i in alice.get(f"{url}?q=gam").get_json()["items"]] == [ids[2]]
    assert alice.get(f"{url}?sort=nonsense").status_code == 400


def test_items_are_excluded_renamed_and_bulk_excluded_before_the_run(
    alice, planned_batch, web_services
) -> None:
    batch_id, ids = planned_batch
    item = f"/api/v1/batches/{batch_id}/items"
    assert alice.patch(f"{item}/{ids[0]}", json={"excluded": True}).get_json()["status"] == "excluded"
    assert alice.patch(f"{item}/{ids[0]}", json={"excluded": False}).get_json()["status"] == "ready"
    renamed = alice.patch(f"{item}/{ids[2]}", json={"title": "Better name.png"}).get_json()
    assert renamed["requested_title"] == "Better name.png" and renamed["state"] == "planned"
    assert web_services.preparer.asked == [batch_id]  # checked again in the background
    assert alice.get(f"/api/v1/batches/{batch_id}").get_json()["state"] == "planning"
    bulk = alice.post(f"{item}/exclude", json={"ids": [ids[1], ids[3], 999999]}).get_json()
    assert bulk == {"changed": [ids[1]], "refused": [ids[3], 999999]}
    refused = alice.patch(f"{item}/{ids[3]}", json={"excluded": True})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["key"] == "wft-error-item-not-editable"


def test_run_only_when_planned_then_cancel_and_retry(alice, planned_batch, web_services, web_db) -> None:
    batch_id, ids = planned_batch
    with web_db.session() as session:
        session.execute(update(Batch).where(Batch.id == batch_id).values(state="planning"))
    early = alice.post(f"/api/v1/batches/{batch_id}/run")
    assert early.status_code == 409
    assert early.get_json()["error"]["key"] == "wft-api-batch-not-planned"
    with web_db.session() as session:
        session.execute(update(Batch).where(Batch.id == batch_id).values(state="planned"))
        session.execute(update(Transfer).where(Transfer.id == ids[4]).values(excluded=True))
    running = alice.post(f"/api/v1/batches/{batch_id}/run").get_json()
    assert running["state"] == "running"
    assert web_services.dispatcher.sent == [ids[0], ids[1]]  # ready and not excluded; blocked/failed stay
    assert running["counts"]["queued"] == 2 and running["finished"] is False
    cancelled = alice.post(f"/api/v1/batches/{batch_id}/cancel").get_json()
    assert cancelled["cancel_requested"] is True
    assert cancelled["state"] == "cancelled" and cancelled["finished"] is True
    retried = alice.post(f"/api/v1/batches/{batch_id}/retry", json={}).get_json()
    assert retried["retried"] == [ids[3]]
    retried_all = alice.post(f"/api/v1/batches/{batch_id}/retry", json={"all": True}).get_json()
    assert set(retried_all["retried"]) == {ids[0], ids[1], ids[2], ids[4]}
    assert retried_all["state"] == "running"


def test_progress_events_and_stream_of_a_batch(alice, planned_batch) -> None:
    batch_id, ids = planned_batch
    alice.post(f"/api/v1/batches/{batch_id}/run")
    progress = alice.get(f"/api/v1/batches/{batch_id}/progress").get_json()
    assert [t["id"] for t in progress["running"]] == [ids[0], ids[1], ids[4]]
    assert progress["batch"]["counts"]["queued"] == 3
    keys = [e["key"] for e in progress["events"]]
    assert "wft-event-batch-started" in keys
    newer = alice.get(f"/api/v1/batches/{batch_id}/events?after={progress['last_event_id']}").get_json()
    assert newer["events"] == []
    alice.post(f"/api/v1/batches/{batch_id}/cancel")
    text = alice.get(f"/api/v1/batches/{batch_id}/stream").get_data(as_text=True)
    assert "event: wft" not in text and "event: state" in text
    assert text.rstrip().endswith('event: end\ndata: {"finished": true}')


def test_list_of_batches_newest_first(alice, bob) -> None:
    first = create(alice, kind="urls", urls=["src:File:A.png"]).get_json()["id"]
    second = create(alice, kind="urls", urls=["src:File:B.png"]).get_json()["id"]
    create(bob, kind="urls", urls=["src:File:C.png"])
    page = alice.get("/api/v1/batches?limit=1").get_json()
    assert [b["id"] for b in page["items"]] == [second] and page["next"] == second
    rest = alice.get(f"/api/v1/batches?after={page['next']}").get_json()
    assert [b["id"] for b in rest["items"]] == [first] and rest["next"] is None
