"""Preparing batches (jobs/prepare.py: expansion and the real dry run) against the MediaWiki testbed:
a category at depth 0 and 1, a user's uploads, the files used on a page, a URL list streamed through
the registry, and a dry run cut off half-way that a second preparer continues where it stopped.

The testbed is shared with other tests that add files, so listings are checked for what the seed put
there (inclusion), never for an exact count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobkit import batch_row
from sqlalchemy import select

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.jobs import batches, expand, planning
from wikifile_transfer.jobs.batches import INSERT_CHUNK, BatchSpec
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.prepare import prepare_batch
from wikifile_transfer.jobs.runner import new_owner
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer
from wikifile_transfer.store.states import BatchState

pytestmark = pytest.mark.testbed


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the wikis are what these tests are about (the jobs layer on MariaDB: the others)


@pytest.fixture
def job_context(testbed: Any, db: Database, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> JobContext:
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path / "data"))
    account = testbed.users["admin"]
    wikis = {
        name: WikiConfig(name=name, url=wiki["url"], username=account["login"], password=account["password"])
        for name, wiki in testbed.wikis.items()
    }
    config = Config(wikis=wikis, contact="tests@localhost", temp_dir=tmp_path)
    return JobContext(db=db, config=config)


def batch_of(db: Database, user_id: int, kind: str, spec: str, target: str, **options: Any) -> int:
    with db.session() as session:
        return batches.create_batch(session, user_id, BatchSpec(target, kind, spec, options)).id


def items_of(db: Database, batch_id: int) -> list[Transfer]:
    with db.read_session() as session:
        rows = list(
            session.scalars(select(Transfer).where(Transfer.batch_id == batch_id).order_by(Transfer.position))
        )
        for transfer in rows:
            session.expunge(transfer)
        return rows


def test_a_category_at_depth_0_and_1(
    testbed: Any, db: Database, user_id: int, job_context: JobContext
) -> None:
    """On commons, Category:Evening holds no file itself, only Category:Sunsets (seeded with the
    lighthouse): depth 0 gives an empty batch, depth 1 lists the subcategory's files and the dry run
    gives each a verdict."""
    shallow = batch_of(db, user_id, "category", "commons:Category:Evening", "src", depth=0)
    assert prepare_batch(job_context, shallow) is BatchState.PLANNED
    assert items_of(db, shallow) == [] and batch_row(db, shallow).item_count == 0

    deep = batch_of(db, user_id, "category", "commons:Category:Evening", "src", depth=1)
    assert prepare_batch(job_context, deep) is BatchState.PLANNED
    rows = items_of(db, deep)
    lighthouse = testbed.url("commons").split("/index.php")[0]
    assert any(t.source_input.endswith("Lighthouse_at_dusk_(testbed).png") for t in rows), [
        t.source_input for t in rows
    ]
    assert all(t.source_input.startswith(lighthouse.rsplit("/", 1)[0]) for t in rows)
    assert {t.state for t in rows} <= {"ready", "blocked", "failed"}  # every item has its verdict
    assert batch_row(db, deep).prepare_owner is None


def test_a_users_uploads(db: Database, user_id: int, job_context: JobContext) -> None:
    batch_id = batch_of(db, user_id, "user", "other:User:Alice", "commons")
    assert prepare_batch(job_context, batch_id) is BatchState.PLANNED
    rows = items_of(db, batch_id)
    assert any("Sonnenuntergang_Berg.png" in t.source_input for t in rows), [t.source_input for t in rows]
    assert {t.state for t in rows} <= {"ready", "blocked", "failed"}


def test_the_files_of_a_page_and_the_licence_gate_in_the_dry_run(
    testbed: Any, db: Database, user_id: int, job_context: JobContext
) -> None:
    batch_id = batch_of(db, user_id, "page", "src:Sunset", "commons")
    assert prepare_batch(job_context, batch_id) is BatchState.PLANNED
    rows = {t.source_title: t for t in items_of(db, batch_id)}
    assert set(rows) == {testbed.files["non_free"], testbed.files["multi_version"]}
    assert rows[testbed.files["non_free"]].state == "blocked"  # non-free: never to Commons


def test_a_url_list_is_resolved_and_written_as_it_is_read(
    testbed: Any, db: Database, user_id: int, job_context: JobContext
) -> None:
    batch_id = batch_of(db, user_id, "urls", None, "commons")  # type: ignore[arg-type]
    total = 3 * INSERT_CHUNK + 5
    written_when_read: dict[int, int] = {}

    def lines() -> Iterator[str]:
        for n in range(total):
            if n % INSERT_CHUNK == INSERT_CHUNK - 1:
                written_when_read[n] = len(items_of(db, batch_id))
            yield f"src:File:Streamed {n}.png"
        yield "this is not a url"

    items = expand.url_items(lines(), job_context.registry_for(user_id))
    assert batches.expand(db, batch_id, items) == total + 1
    assert written_when_read == {199: 0, 399: 200, 599: 400}
    rows = items_of(db, batch_id)
    assert rows[0].source_input.endswith("/File:Streamed_0.png")
    assert rows[0].source_input.startswith(testbed.url("src").rsplit("/", 1)[0])
    assert (rows[-1].state, rows[-1].source_input) == ("failed", "this is not a url")


def test_a_dry_run_cut_off_half_way_is_continued_where_it_stopped(
    testbed: Any, db: Database, user_id: int, job_context: JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [testbed.files[k] for k in ("own_work", "copy_to_commons", "loose_text", "svg", "pdf", "audio")]
    batch_id = batch_of(db, user_id, "urls", None, "commons")  # type: ignore[arg-type]
    batches.expand(db, batch_id, [batches.Item(f"src:{title}") for title in files])
    planned: list[list[int]] = []
    real_chunk = planning.plan_chunk

    def recording(db_: Database, ids: list[int], service: Any, *rest: Any) -> None:
        planned.append(list(ids))
        real_chunk(db_, ids, service, *rest)

    monkeypatch.setattr(planning, "plan_chunk", recording)

    # the first preparer plans two chunks of two, then dies (its lease runs out)
    dead = new_owner("prepare/")
    assert batches.claim_preparation(db, batch_id, dead, ttl=0.01)
    beats = 0

    def dies() -> None:
        nonlocal beats
        beats += 1
        if beats == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        planning.plan_batch(db, batch_id, job_context.service_for(user_id), chunk=2, heartbeat=dies)
    first_verdicts = {t.id: (t.state, t.updated_at) for t in items_of(db, batch_id) if t.state != "planned"}
    assert len(first_verdicts) == 4

    assert prepare_batch(job_context, batch_id) is BatchState.PLANNED
    ids = [t.id for t in items_of(db, batch_id)]
    assert planned == [ids[0:2], ids[2:4], ids[4:6]]  # the second preparer: only what was left
    rows = items_of(db, batch_id)
    assert all(t.state in ("ready", "blocked", "failed") for t in rows)
    assert {t.id: (t.state, t.updated_at) for t in rows if t.id in first_verdicts} == first_verdicts
    assert [t.source_title for t in rows] == files


def test_items_that_cannot_be_planned_fail_each_with_its_reason(
    testbed: Any, db: Database, user_id: int, job_context: JobContext
) -> None:
    """The dry run of a mixed list: a file that exists, one that does not, a page that is no file, a wiki
    nobody knows. Each bad line fails on its own with its message key; the good one gets its verdict."""
    lines = [
        f"src:{testbed.files['own_work']}",
        "src:File:WFT no such file 7c1f.png",
        "src:File:" + testbed["pages"]["article"],
        "nowhere-wiki-x:File:X.png",
    ]
    batch_id = batch_of(db, user_id, "urls", None, "commons")  # type: ignore[arg-type]
    batches.expand(db, batch_id, [batches.Item(line) for line in lines])
    assert prepare_batch(job_context, batch_id) is BatchState.PLANNED
    rows = items_of(db, batch_id)
    assert rows[0].state in ("ready", "blocked") and rows[0].plan is not None
    assert [(t.state, t.error_key is not None) for t in rows[1:]] == [("failed", True)] * 3
    assert rows[1].error_key == "wft-error-missing-file"
    assert rows[3].error_key == "wft-error-bad-input"  # an unknown prefix: no WIKI:File:Name it can read
