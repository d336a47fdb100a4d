"""The JSON API against the real testbed wikis: preview (checks, texts, diff, facts, follow-ups), the
target's rendering, the live title check, creating a transfer with an edited page text and running it,
a blocked transfer, and a batch from a category with one blocked item.

The app's dispatcher only records ids; each test runs them inline with ``JobContext.runner()``, as a
worker would. Batches are prepared inline too (``InlinePreparer``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from test_batch_cli import new_files
from test_transfer import src_url, unique

from wikifile_transfer.config import load_config
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.prepare import InlinePreparer
from wikifile_transfer.jobs.runner import RunnerSettings
from wikifile_transfer.store import migrate
from wikifile_transfer.store.crypto import SecretBox, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings

pytestmark = pytest.mark.testbed


@dataclass
class Recorder:
    sent: list[int] = field(default_factory=list)

    def dispatch(self, transfer_ids: Iterable[int], *, countdown: float = 0.0) -> None:
        self.sent.extend(transfer_ids)


@dataclass
class Web:
    client: FlaskClient
    context: JobContext
    dispatcher: Recorder
    token: str = ""

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.client.post(path, headers={"X-CSRF-Token": self.token}, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.client.patch(path, headers={"X-CSRF-Token": self.token}, **kw)

    def run_dispatched(self) -> list[str]:
        """Run what the API queued, as a worker would; returns the run results."""
        results = []
        while self.dispatcher.sent:
            results.append(self.context.runner().run(self.dispatcher.sent.pop(0)).value)
        return results


@pytest.fixture
def web(testbed, write_config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Web:
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path / "data"))
    config = load_config(write_config("admin"))
    db = Database(f"sqlite:///{tmp_path / 'web.sqlite'}")
    migrate.upgrade(db)
    context = JobContext(db=db, config=config, settings=RunnerSettings(slot_wait=0.2, backoff=(0.5,)))
    dispatcher = Recorder()
    services = Services(
        db=db,
        config=config,
        context=context,
        dispatcher=dispatcher,
        box=SecretBox([generate_key()]),
        preparer=InlinePreparer(context),
    )
    app = create_app(WebSettings(secret_key="k" * 40, testing=True, bot_password_login=True), services)
    app.config.update(WFT_SSE_POLL=0.05, WFT_SSE_MAX_SECONDS=5)
    client = app.test_client()
    # Signed in as a web user is: with the admin's bot password on every testbed wiki (the first sign-in
    # makes the user, the next ones add that wiki's password to it). The configuration's own accounts are
    # never used for web users.
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    admin = testbed.users["admin"]
    for wiki in ("src", "commons", "other"):
        response = client.post(
            "/api/v1/auth/botpassword",
            json={"wiki": wiki, "username": admin["login"], "password": admin["password"]},
            headers={"X-CSRF-Token": token},
        )
        assert response.status_code == 200, response.get_json()
        token = response.get_json().get("csrf_token") or client.get("/api/v1/me").get_json()["csrf_token"]
    return Web(client, context, dispatcher, token)


def check(body: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in body["checks"] if c["id"] == check_id)


def test_preview_render_title_check_then_create_with_an_edited_text_and_run(testbed, web, one_file):
    source = one_file("png", text="{{Information|description=A web test file}}")
    title = unique("Web.png")
    preview = web.post(
        "/api/v1/transfers/preview",
        json={"source": src_url(testbed, source), "target": "commons", "title": title},
    )
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["status"] in ("ready", "warn")
    assert check(body, "title-free")["result"] == "pass"
    assert body["target"]["title"] == f"File:{title}"
    assert body["source"]["versions"][0]["user"] == "Alice"
    assert body["source"]["size"] == body["source"]["versions"][0]["size"] > 0
    assert body["source"]["url"] in body["target_text"]
    assert body["diff"].startswith(f"--- {source}")
    assert "A web test file" in body["source_text"]
    assert [f["id"] for f in body["follow_ups"]] == ["mark-source"]  # commons is src's shared repository
    assert body["follow_ups"][0]["status"] == "planned"

    rendered = web.post(
        "/api/v1/transfers/preview/render",
        json={
            "target": "commons",
            "title": title,
            "text": body["target_text"] + "\n<script>alert(1)</script>",
        },
    ).get_json()
    assert "A web test file" in rendered["html"]
    assert "<script" not in rendered["html"] and "<script" not in rendered["document"]
    assert rendered["base_url"] == testbed.url("commons")
    assert rendered["dir"] == "ltr"

    free = web.get(f"/api/v1/titles/check?wiki=commons&title={title}&extension=png").get_json()
    assert free["valid"] is True and free["exists"] is False and free["title"] == f"File:{title}"
    wrong = web.get(f"/api/v1/titles/check?wiki=commons&title={title[:-4]}.jpg&extension=png").get_json()
    assert wrong["valid"] is False and wrong["problem"]["key"] == "wft-api-title-extension"
    bad = web.get("/api/v1/titles/check?wiki=commons&title=File:A%7Cb.png").get_json()
    assert bad["valid"] is False and bad["problem"]["key"] == "wft-error-bad-input"

    edited = body["target_text"] + "\n<!-- checked in the wizard -->"
    created = web.post(
        "/api/v1/transfers",
        json={
            "source": src_url(testbed, source),
            "target": "commons",
            "title": title,
            "page_text": edited,
            "mark_source": False,
        },
    )
    assert created.status_code == 201, created.get_json()
    transfer = created.get_json()
    assert transfer["state"] == "queued" and transfer["page_text"] == edited
    assert web.dispatcher.sent == [transfer["id"]]
    assert web.run_dispatched() == ["finished"]

    done = web.get(f"/api/v1/transfers/{transfer['id']}").get_json()
    assert done["status"] == "done", done["error"]
    assert done["target_url"] and done["uploaded_count"] == 1
    assert "wft-step-check" in [e["key"] for e in done["events"]]
    assert [f["status"] for f in done["follow_ups"]] == ["skipped"]
    page = testbed.anon("commons").page(f"File:{title}")
    assert "<!-- checked in the wizard -->" in page["revisions"][0]["slots"]["main"]["content"]
    taken = web.get(f"/api/v1/titles/check?wiki=commons&title={title}").get_json()
    assert taken["exists"] is True and taken["file_exists"] is True

    # the file name autocomplete finds it by the start of its name, with or without the prefix, and with
    # a lower-case first letter (the wiki's first-letter case rule; the rest is case-sensitive there)
    for typed in (title[:12], f"File:{title[:12]}", title[0].lower() + title[1:12]):
        found = web.get("/api/v1/files/search", query_string={"wiki": "commons", "q": typed}).get_json()
        assert f"File:{title}" in [hit["title"] for hit in found["files"]], (typed, found)
    hit = next(h for h in found["files"] if h["title"] == f"File:{title}")
    assert hit["url"] == testbed.url("commons").rstrip("/") + "/wiki/File:" + title.replace(" ", "_")
    nothing = web.get("/api/v1/files/search", query_string={"wiki": "commons", "q": "File:"}).get_json()
    assert nothing == {"files": []}

    stream = web.get(f"/api/v1/transfers/{transfer['id']}/stream").get_data(as_text=True)
    assert "event: step" in stream and stream.rstrip().endswith('data: {"finished": true}')

    marks = web.post(f"/api/v1/transfers/{transfer['id']}/follow-ups/preview", json={"mark_source": True})
    assert [f["status"] for f in marks.get_json()["follow_ups"]] == ["planned"]
    again = web.post(f"/api/v1/transfers/{transfer['id']}/follow-ups", json={"mark_source": True}).get_json()
    assert again["state"] == "queued"
    web.run_dispatched()
    marked = web.get(f"/api/v1/transfers/{transfer['id']}").get_json()
    assert marked["status"] == "done" and marked["steps_done"][-1] == "mark-source"
    assert marked["uploaded_count"] == 1  # nothing uploaded the second time: only the edit
    assert [f["status"] for f in marked["follow_ups"]] == ["done"]
    assert "{{NowCommons" in testbed.anon("src").page(source)["revisions"][0]["slots"]["main"]["content"]


def test_use_in_article_is_previewed_with_its_diff_and_base_revision(testbed, web, one_file):
    article = f"WFT Web Artikel {unique('x.png')[4:12]}"
    testbed.client("other", "admin").edit(article, "{{Infobox}}\n'''Berg''' ist…\n", "Testartikel")
    source = one_file("png", text="{{Cc-by-sa-4.0}}")
    body = web.post(
        "/api/v1/transfers/preview",
        json={
            "source": src_url(testbed, source),
            "target": "other",
            "use_in": {"title": article, "caption": "Ein Berg"},
        },
    ).get_json()
    use = next(f for f in body["follow_ups"] if f["id"] == "use-in-article")
    assert use["status"] == "planned" and use["base_revid"] > 0
    assert "+[[Datei:" in use["diff"] and "Ein Berg" in use["diff"]
    stale = web.post(
        "/api/v1/transfers/preview",
        json={
            "source": src_url(testbed, source),
            "target": "other",
            "use_in": {"title": article, "base_revid": use["base_revid"] - 1 or 1},
        },
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["key"] == "wft-error-edit-conflict"


def test_a_blocked_transfer_is_kept_with_its_report_and_not_queued(testbed, web):
    source = src_url(testbed, testbed.files["non_free"])
    created = web.post(
        "/api/v1/transfers", json={"source": source, "target": "commons", "title": unique("Logo.png")}
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["state"] == "blocked" and body["status"] == "blocked"
    assert any(c["id"] == "licence" and c["result"] == "block" for c in body["checks"])
    assert web.dispatcher.sent == []
    # editing the non-free tag away does not make the file free: the licence gate judges the source
    edited = web.patch(f"/api/v1/transfers/{body['id']}", json={"page_text": "{{Information|description=x}}"})
    assert edited.status_code == 200, edited.get_json()
    after = edited.get_json()
    assert after["state"] == "blocked" and after["page_text"] == "{{Information|description=x}}"
    assert {c["id"] for c in after["checks"]} >= {"licence", "page-text"}
    retried = web.post(f"/api/v1/transfers/{body['id']}/retry").get_json()
    assert retried["state"] == "queued"
    assert web.run_dispatched() == ["finished"]
    assert (
        web.get(f"/api/v1/transfers/{body['id']}").get_json()["status"] == "blocked"
    )  # checked again: blocked
    missing = web.post(
        "/api/v1/transfers/preview",
        json={"source": src_url(testbed, "File:" + unique("Never.png")), "target": "commons"},
    )
    assert missing.status_code == 404
    assert missing.get_json()["error"]["key"] == "wft-error-missing-file"


def test_a_category_batch_with_one_blocked_item(testbed, web):
    category = "Category:" + unique("Web batch.x").rsplit(".", 1)[0]
    free = new_files(testbed, 2, text=f"{{{{Information|description=Free}}}}\n[[{category}]]")
    nonfree = new_files(testbed, 1, text=f"{{{{Non-free logo}}}}\n[[{category}]]")

    created = web.post(
        "/api/v1/batches", json={"target": "commons", "kind": "category", "spec": f"src:{category}"}
    )
    assert created.status_code == 202, created.get_json()
    batch = created.get_json()
    assert batch["state"] == "planned"  # prepared inline here; a worker does it in production
    table = web.get(f"/api/v1/batches/{batch['id']}/items?sort=source").get_json()
    by_title = {item["source_title"]: item for item in table["items"]}
    assert set(by_title) == set(free + nonfree)
    assert by_title[nonfree[0]]["status"] == "blocked"
    assert by_title[nonfree[0]]["checks"][0]["id"] == "licence"
    assert {by_title[t]["status"] for t in free} <= {"ready", "warn"}
    assert table["statuses"]["blocked"] == 1

    renamed = web.patch(
        f"/api/v1/batches/{batch['id']}/items/{by_title[free[0]]['id']}",
        json={"title": unique("Renamed.png")},
    ).get_json()
    assert renamed["status"] in ("ready", "warn")  # planned and checked again (inline here)
    assert renamed["target_title"].startswith("File:WFT")

    running = web.post(f"/api/v1/batches/{batch['id']}/run").get_json()
    assert running["state"] == "running" and len(web.dispatcher.sent) == 2
    assert web.run_dispatched() == ["finished", "finished"]
    final = web.get(f"/api/v1/batches/{batch['id']}").get_json()
    assert final["state"] == "partial" and final["finished"] is True
    assert final["outcomes"] == {"done": 2}
    assert final["counts"] == {"done": 2, "blocked": 1}
    progress = web.get(f"/api/v1/batches/{batch['id']}/progress").get_json()
    assert progress["running"] == []
    assert "wft-event-batch-finished" in [e["key"] for e in progress["events"]]
    stream = web.get(f"/api/v1/batches/{batch['id']}/stream").get_data(as_text=True)
    assert stream.rstrip().endswith('data: {"finished": true}')
    history = web.get(f"/api/v1/transfers?batch={batch['id']}&state=done").get_json()
    assert len(history["items"]) == 2


def test_resolve_a_file_page_url_of_a_configured_wiki(testbed, web):
    url = src_url(testbed, testbed.files["svg"])
    body = web.post("/api/v1/resolve", json={"url": url}).get_json()
    assert body["wiki"] == "src" and body["is_file"] is True and body["namespace"] == 6
    assert body["title"] == testbed.files["svg"]
