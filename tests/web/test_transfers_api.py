"""The transfers endpoints on SQLite with rows made directly (no wiki): history, details, progress,
cancel, retry, CSV, statistics, the SSE stream, and the errors' keys."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from apihelpers import sample_plan
from sqlalchemy import select

from wikifile_transfer.store import repo
from wikifile_transfer.store.models import Transfer
from wikifile_transfer.web.api.transfers import csv_cell


def test_signed_out_gets_401_with_a_key(app) -> None:
    response = app.test_client().get("/api/v1/transfers")
    assert response.status_code == 401
    assert response.get_json()["error"]["key"] == "wft-http-unauthorized"


def test_history_filters_and_keyset_pages(alice, make_transfer) -> None:
    ids = [make_transfer(alice.user_id, "done", source_title=f"File:N{n}.png") for n in range(5)]
    failed = make_transfer(
        alice.user_id, "failed", error_key="wft-error-missing-file", error_params=["X", "src"]
    )
    first = alice.get("/api/v1/transfers?limit=4").get_json()
    assert [i["id"] for i in first["items"]] == [failed, ids[4], ids[3], ids[2]]
    assert first["next"] == ids[2] and first["partial"] is False
    second = alice.get(f"/api/v1/transfers?limit=4&after={first['next']}").get_json()
    assert [i["id"] for i in second["items"]] == [ids[1], ids[0]] and second["next"] is None
    only_failed = alice.get("/api/v1/transfers?state=failed").get_json()["items"]
    assert [i["id"] for i in only_failed] == [failed]
    assert only_failed[0]["status"] == "failed"
    assert only_failed[0]["error"]["key"] == "wft-error-missing-file"
    assert only_failed[0]["error"]["message"]
    by_text = alice.get("/api/v1/transfers?q=n3").get_json()["items"]
    assert [i["source_title"] for i in by_text] == ["File:N3.png"]
    both = alice.get("/api/v1/transfers?state=failed&state=done&limit=50").get_json()["items"]
    assert len(both) == 6


def test_history_validation_errors_are_400_with_a_key(alice) -> None:
    for query in ("state=nonsense", "limit=0", "limit=1000", "since=yesterday", "q=" + "x" * 300):
        response = alice.get(f"/api/v1/transfers?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["key"] == "wft-http-invalid-input"


def test_details_with_checks_follow_ups_page_text_and_events(alice, make_transfer) -> None:
    report = [
        {"id": "title-free", "outcome": "pass", "key": "wft-check-title-free", "params": ["File:A.png"]},
        {"id": "duplicates", "outcome": "warn", "key": "wft-check-duplicates", "params": ["File:B.png"]},
    ]
    tid = make_transfer(alice.user_id, "ready", plan=sample_plan(), report=report)
    body = alice.get(f"/api/v1/transfers/{tid}?uselang=de").get_json()
    assert body["status"] == "warn"
    assert [c["id"] for c in body["checks"]] == ["duplicates"]
    assert [c["id"] for c in body["checks_all"]] == ["title-free", "duplicates"]
    assert body["page_text"].startswith("{{Information")
    assert body["follow_ups"][0]["id"] == "mark-source"
    assert body["follow_ups"][0]["status"] == "skipped"
    assert body["events"][0]["key"] == "wft-event-state"
    assert body["last_event_id"] == body["events"][-1]["id"]
    assert body["finished"] is True


def test_events_and_progress_polls_return_only_newer_events(alice, make_transfer, web_db) -> None:
    tid = make_transfer(
        alice.user_id, "running", current_step="wft-step-upload-version", step_params=["1", "3"]
    )
    first = alice.get(f"/api/v1/transfers/{tid}/events").get_json()
    assert len(first["events"]) == 1
    with web_db.session() as session:
        transfer = session.get(Transfer, tid)
        repo.transfer_event(session, transfer, "step", "wft-step-page-text", [])
    newer = alice.get(f"/api/v1/transfers/{tid}/events?after={first['last_event_id']}").get_json()
    assert [e["key"] for e in newer["events"]] == ["wft-step-page-text"]
    progress = alice.get(
        f"/api/v1/transfers/{tid}/progress?after_event_id={first['last_event_id']}"
    ).get_json()
    assert progress["transfer"]["step"]["key"] == "wft-step-upload-version"
    assert progress["transfer"]["finished"] is False
    assert [e["key"] for e in progress["events"]] == ["wft-step-page-text"]
    again = alice.get(
        f"/api/v1/transfers/{tid}/progress?after_event_id={progress['last_event_id']}"
    ).get_json()
    assert again["events"] == [] and again["last_event_id"] == progress["last_event_id"]


def test_cancel_a_waiting_one_now_and_a_running_one_at_its_next_step(alice, make_transfer, web_db) -> None:
    waiting = make_transfer(alice.user_id, "queued")
    running = make_transfer(alice.user_id, "running", lease_owner="w1")
    done = make_transfer(alice.user_id, "done")
    assert alice.post(f"/api/v1/transfers/{waiting}/cancel").get_json()["state"] == "cancelled"
    body = alice.post(f"/api/v1/transfers/{running}/cancel").get_json()
    assert body["state"] == "running"
    with web_db.session() as session:
        assert session.get(Transfer, running).cancel_requested is True
    refused = alice.post(f"/api/v1/transfers/{done}/cancel")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["key"] == "wft-api-not-cancellable"


def test_retry_queues_and_dispatches_and_refuses_a_running_one(alice, make_transfer, web_services) -> None:
    failed = make_transfer(alice.user_id, "failed", error_key="wft-error-readonly", error_params=["x", "y"])
    body = alice.post(f"/api/v1/transfers/{failed}/retry").get_json()
    assert body["state"] == "queued" and body["error"] is None
    assert web_services.dispatcher.sent == [failed]
    refused = alice.post(f"/api/v1/transfers/{failed}/retry")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["key"] == "wft-api-not-retryable"
    assert refused.get_json()["error"]["params"] == [str(failed), "queued"]


def test_retry_all_failed(alice, bob, make_transfer, web_services) -> None:
    mine = [make_transfer(alice.user_id, "failed") for _ in range(2)]
    blocked = make_transfer(alice.user_id, "blocked", outcome="blocked")
    theirs = make_transfer(bob.user_id, "failed")
    assert alice.post("/api/v1/transfers/retry", json={}).get_json()["retried"] == mine
    assert alice.post("/api/v1/transfers/retry", json={"all": True}).get_json()["retried"] == [blocked]
    assert theirs not in web_services.dispatcher.sent


def test_patch_is_refused_once_it_ran_and_follow_ups_need_a_done_transfer(alice, make_transfer) -> None:
    queued = make_transfer(alice.user_id, "queued", plan=sample_plan())
    refused = alice.patch(f"/api/v1/transfers/{queued}", json={"page_text": "x"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["key"] == "wft-error-item-not-editable"
    not_done = alice.post(f"/api/v1/transfers/{queued}/follow-ups", json={"mark_source": False})
    assert not_done.status_code == 409
    assert not_done.get_json()["error"]["key"] == "wft-api-not-done"
    unplanned = make_transfer(alice.user_id, "failed")
    response = alice.post(f"/api/v1/transfers/{unplanned}/follow-ups/preview", json={})
    assert response.get_json()["error"]["key"] == "wft-api-not-planned"


def test_csv_export_is_the_filtered_history_and_defuses_formulas(alice, make_transfer) -> None:
    make_transfer(alice.user_id, "done", source_title="File:=HYPERLINK(1).png")
    make_transfer(alice.user_id, "failed", error_key="wft-error-missing-file", error_params=["X", "src"])
    response = alice.get("/api/v1/transfers/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["status"] for r in rows] == ["failed", "done"]
    assert rows[1]["source_title"] == "File:=HYPERLINK(1).png"  # a title, not a formula: it starts with F
    assert rows[0]["error"].startswith("The file")
    only_done = alice.get("/api/v1/transfers/export.csv?state=done").get_data(as_text=True)
    assert only_done.count("\n") == 2


def test_csv_cell_neutralises_formula_starts() -> None:
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("+x") == "'+x" and csv_cell("@x") == "'@x" and csv_cell("-x") == "'-x"
    assert csv_cell("File:X") == "File:X" and csv_cell(None) == ""


def test_statistics_by_state_and_iso_week(alice, make_transfer, web_db) -> None:
    make_transfer(alice.user_id, "done")
    make_transfer(alice.user_id, "failed")
    old = make_transfer(alice.user_id, "done", outcome="already_done")
    with web_db.session() as session:
        session.get(Transfer, old).created_at = dt.datetime.now(dt.UTC) - dt.timedelta(weeks=3)
    body = alice.get("/api/v1/transfers/stats?weeks=5").get_json()
    assert body["by_state"] == {"done": 2, "failed": 1}
    assert body["by_status"] == {"done": 1, "already_done": 1}
    assert body["total"] == 3
    assert len(body["weeks"]) == 5
    assert body["weeks"][-1]["total"] == 2 and body["weeks"][-4]["total"] == 1
    assert body["weeks"][-1]["week"].count("-W") == 1
    assert alice.get("/api/v1/transfers/stats?weeks=500").status_code == 400


def sse_frames(text: str) -> list[dict[str, str]]:
    frames = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            fields[name] = fields.get(name, "") + value
        if fields:
            frames.append(fields)
    return frames


def test_sse_of_a_finished_transfer_sends_events_progress_and_end(alice, make_transfer) -> None:
    tid = make_transfer(alice.user_id, "done")
    response = alice.get(f"/api/v1/transfers/{tid}/stream")
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    frames = sse_frames(response.get_data(as_text=True))
    assert frames[0] == {"retry": "2000"}
    assert frames[1]["event"] == "state" and frames[1]["id"].isdigit()
    assert json.loads(frames[1]["data"])["key"] == "wft-event-state"
    assert frames[2]["event"] == "progress" and json.loads(frames[2]["data"])["status"] == "done"
    assert frames[-1]["event"] == "end"


def test_sse_resumes_after_last_event_id_and_a_running_one_ends_by_time(alice, make_transfer, web_db) -> None:
    tid = make_transfer(alice.user_id, "running")
    with web_db.session() as session:
        transfer = session.get(Transfer, tid)
        later = repo.transfer_event(session, transfer, "step", "wft-step-page-text", []).id
        first = session.scalars(select(repo.Event.id).where(repo.Event.transfer_id == tid)).first()
    response = alice.get(f"/api/v1/transfers/{tid}/stream", headers={"Last-Event-ID": str(first)})
    frames = sse_frames(response.get_data(as_text=True))
    ids = [int(f["id"]) for f in frames if "id" in f]
    assert ids == [later]
    assert all(
        f.get("event") != "end" for f in frames
    )  # still running: closed by time, the browser reconnects


def test_errors_speak_the_requested_language(alice) -> None:
    english = alice.get("/api/v1/transfers/999").get_json()["error"]
    german = alice.get("/api/v1/transfers/999?uselang=de").get_json()["error"]
    assert english["key"] == german["key"] == "wft-error-no-such-transfer"
    assert english["params"] == ["999"]
    assert english["message"] == "There is no transfer 999."
