"""Per-user isolation: Bob gets 404 for Alice's transfers, batches, events, streams and exports — on every
endpoint that takes an id. The endpoints are read from the app's own URL map, so a new endpoint with an
id is covered (and must be listed in BODIES when it needs a body) without anyone remembering this test."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from wikifile_transfer.store.models import Batch

BODIES: dict[str, Any] = {
    "batches.bulk_exclude": {"ids": [1]},
}
"""A valid body for endpoints that refuse an empty one (validation answers before the ownership check)."""


def id_endpoints(app: Flask) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or not rule.arguments & {"transfer_id", "batch_id"}:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, rule.rule, method))
    return found


@pytest.fixture
def alices_objects(alice, web_db, make_transfer) -> dict[str, int]:
    with web_db.session() as session:
        batch = Batch(user_id=alice.user_id, target_wiki="commons", source_kind="urls", state="planned")
        session.add(batch)
        session.flush()
        batch_id = batch.id
    transfer_id = make_transfer(alice.user_id, "ready", batch_id=batch_id)
    return {"transfer_id": transfer_id, "batch_id": batch_id}


def test_every_endpoint_with_an_id_is_covered(app) -> None:
    endpoints = {e for e, _, _ in id_endpoints(app)}
    assert len(id_endpoints(app)) >= 19
    assert {"transfers.get_transfer", "transfers.stream_transfer", "batches.stream_batch"} <= endpoints


def test_bob_gets_404_for_alices_objects_everywhere(app, alice, bob, alices_objects, web_services) -> None:
    checked = 0
    for endpoint, rule, method in id_endpoints(app):
        path = rule.replace("<int:transfer_id>", str(alices_objects["transfer_id"])).replace(
            "<int:batch_id>", str(alices_objects["batch_id"])
        )
        kwargs: dict[str, Any] = {}
        if method != "GET":
            kwargs["json"] = BODIES.get(endpoint, {})
        response = getattr(bob, method.lower())(path, **kwargs)
        assert response.status_code == 404, (method, path, response.get_json())
        key = response.get_json()["error"]["key"]
        assert key in ("wft-error-no-such-transfer", "wft-error-no-such-batch"), (method, path)
        checked += 1
    assert checked >= 19
    assert web_services.dispatcher.sent == []
    assert web_services.preparer.asked == []


def test_alice_herself_reaches_the_same_objects(alice, alices_objects) -> None:
    tid, bid = alices_objects["transfer_id"], alices_objects["batch_id"]
    for path in (
        f"/api/v1/transfers/{tid}",
        f"/api/v1/transfers/{tid}/events",
        f"/api/v1/transfers/{tid}/progress",
        f"/api/v1/batches/{bid}",
        f"/api/v1/batches/{bid}/items",
        f"/api/v1/batches/{bid}/events",
        f"/api/v1/batches/{bid}/progress",
    ):
        assert alice.get(path).status_code == 200, path


def test_lists_exports_and_statistics_show_only_ones_own(alice, bob, alices_objects) -> None:
    bid = alices_objects["batch_id"]
    assert bob.get("/api/v1/transfers").get_json()["items"] == []
    assert bob.get(f"/api/v1/transfers?batch={bid}").get_json()["items"] == []
    assert bob.get("/api/v1/transfers/export.csv").get_data(as_text=True).count("\n") == 1  # header only
    assert bob.get("/api/v1/transfers/stats").get_json()["total"] == 0
    assert bob.get("/api/v1/batches").get_json()["items"] == []
    assert bob.post("/api/v1/transfers/retry", json={"batch": bid, "all": True}).status_code == 404
    assert len(alice.get("/api/v1/transfers").get_json()["items"]) == 1
