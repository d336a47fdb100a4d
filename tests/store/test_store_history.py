"""History pages (store/history.py): every filter and combination against a plain-Python oracle, keyset
pagination without gaps or repeats, the title search window, and per-user isolation."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wikifile_transfer.errors import InputError
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.history import HistoryFilter, HistoryPage, history_page
from wikifile_transfer.store.models import Batch, Transfer, User

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STATES = ["done", "failed", "blocked", "queued", "done", "cancelled", "done"]
SOURCES = ["en.wikipedia", "de.wikipedia", "zh-min-nan.wikipedia"]
TARGETS = ["commons", "hi.wikipedia"]
WORDS = ["Sunset", "beach", "CATHEDRAL", "50%_off", "Straße in Köln", "𝔘nicode 🌅"]


@dataclass(frozen=True)
class Row:
    id: int
    user_id: int
    state: str
    source_wiki: str | None
    target_wiki: str
    batch_id: int | None
    created_at: dt.datetime
    source_title: str | None
    target_title: str | None


@dataclass
class Data:
    alice: int
    bob: int
    batches: list[int]
    rows: list[Row]


@pytest.fixture
def data(db: Database) -> Data:
    with db.session() as s:
        alice, bob = User(domain="wikimedia", username="Alice"), User(domain="wikimedia", username="Bob")
        s.add_all([alice, bob])
        s.flush()
        batches = [Batch(user_id=alice.id, target_wiki="commons", source_kind="urls") for _ in range(2)]
        bobs_batch = Batch(user_id=bob.id, target_wiki="commons", source_kind="urls")
        s.add_all([*batches, bobs_batch])
        s.flush()
        made: list[Transfer] = []
        for i in range(150):
            owner = alice if i % 6 else bob  # Bob's rows are interleaved with Alice's
            word = WORDS[i % len(WORDS)]
            title = f"File:{word} {i}.jpg"
            renamed = i % 5 == 0
            batch = (batches[i % 2] if owner is alice else bobs_batch) if i % 3 else None
            made.append(
                Transfer(
                    user_id=owner.id,
                    batch_id=batch.id if batch else None,
                    source_input=title,
                    source_wiki=None if i % 17 == 0 else SOURCES[i % 3],
                    source_title=None if i % 23 == 0 else title,
                    target_wiki=TARGETS[i % 2],
                    target_title=f"File:Renamed {i} (beach).jpg" if renamed else title,
                    state=STATES[i % len(STATES)],
                    # mostly in id order, but some rows' clocks disagree with their ids
                    created_at=T0 + dt.timedelta(hours=i if i % 10 else i + 30),
                )
            )
        s.add_all(made)
        s.flush()
        rows = [
            Row(
                t.id,
                t.user_id,
                t.state,
                t.source_wiki,
                t.target_wiki,
                t.batch_id,
                t.created_at,
                t.source_title,
                t.target_title,
            )
            for t in made
        ]
        return Data(alice.id, bob.id, [b.id for b in batches] + [bobs_batch.id], rows)


def oracle(data: Data, user_id: int, flt: HistoryFilter) -> list[int]:
    states = [flt.states] if isinstance(flt.states, str) else flt.states

    def matches(r: Row) -> bool:
        if r.user_id != user_id or (states and r.state not in states):
            return False
        if flt.source_wiki is not None and r.source_wiki != flt.source_wiki:
            return False
        if flt.target_wiki is not None and r.target_wiki != flt.target_wiki:
            return False
        if flt.batch_id is not None and r.batch_id != flt.batch_id:
            return False
        if flt.created_from is not None and r.created_at < flt.created_from:
            return False
        if flt.created_to is not None and r.created_at >= flt.created_to:
            return False
        if flt.text:
            needle = flt.text.replace("_", " ").lower()
            return any(t is not None and needle in t.lower() for t in (r.source_title, r.target_title))
        return True

    return sorted((r.id for r in data.rows if matches(r)), reverse=True)


def all_pages(db: Database, user_id: int, flt: HistoryFilter, limit: int, **kwargs: int) -> list[HistoryPage]:
    pages: list[HistoryPage] = []
    after: int | None = None
    while True:
        with db.read_session() as s:
            page = history_page(s, user_id, flt, after_id=after, limit=limit, **kwargs)
        pages.append(page)
        assert len(pages) < 200, "pagination does not end"
        if page.next_after_id is None:
            return pages
        assert page.rows or page.partial
        after = page.next_after_id


def ids(pages: list[HistoryPage]) -> list[int]:
    return [row.id for page in pages for row in page.rows]


def filters(data: Data) -> list[HistoryFilter]:
    return [
        HistoryFilter(),
        HistoryFilter(states=["failed"]),
        HistoryFilter(states=["done", "blocked", "cancelled"]),
        HistoryFilter(states=["running"]),
        HistoryFilter(states="failed"),  # one state as a plain string
        HistoryFilter(source_wiki="de.wikipedia"),
        HistoryFilter(target_wiki="hi.wikipedia"),
        HistoryFilter(batch_id=data.batches[0]),
        HistoryFilter(created_from=T0 + dt.timedelta(hours=40), created_to=T0 + dt.timedelta(hours=90)),
        HistoryFilter(created_from=T0 + dt.timedelta(hours=120)),
        HistoryFilter(created_to=T0 + dt.timedelta(hours=55)),
        HistoryFilter(created_from=T0 + dt.timedelta(days=400)),
        HistoryFilter(text="beach"),
        HistoryFilter(text="SUNSET 1"),
        HistoryFilter(text="50%_off"),  # % is literal, _ is a space
        HistoryFilter(text="renamed"),
        HistoryFilter(text="nothing like this"),
        HistoryFilter(
            states=["done", "failed"],
            target_wiki="commons",
            text="e",
            created_from=T0 + dt.timedelta(hours=10),
        ),
        HistoryFilter(states=["done"], source_wiki="en.wikipedia", batch_id=data.batches[1]),
    ]


def test_every_filter_pages_through_exactly_the_matching_rows(db: Database, data: Data) -> None:
    for flt in filters(data):
        expected = oracle(data, data.alice, flt)
        for limit in (7, 50):
            pages = all_pages(db, data.alice, flt, limit)
            assert ids(pages) == expected, (flt, limit)
            assert all(len(p.rows) == limit for p in pages[:-1]) and not any(p.partial for p in pages)


def test_title_search_window_keeps_every_request_bounded(db: Database, data: Data) -> None:
    """With a window of 10 rows per request a rare text comes back over several short pages marked
    partial, together exactly the matching rows."""
    for flt in (
        HistoryFilter(text="beach"),
        HistoryFilter(text="cathedral 14"),
        HistoryFilter(text="zzz"),
        HistoryFilter(text="e", states=["done", "failed"], created_from=T0 + dt.timedelta(hours=30)),
    ):
        pages = all_pages(db, data.alice, flt, 4, text_scan_rows=10)
        assert ids(pages) == oracle(data, data.alice, flt), flt
        assert any(p.partial for p in pages) and all(len(p.rows) <= 4 for p in pages)


def test_user_b_never_sees_alices_rows(db: Database, data: Data) -> None:
    alice_ids = {r.id for r in data.rows if r.user_id == data.alice}
    bob_ids = {r.id for r in data.rows if r.user_id == data.bob}
    assert alice_ids and bob_ids
    for flt in [*filters(data), HistoryFilter(batch_id=data.batches[2])]:
        seen = set(ids(all_pages(db, data.bob, flt, 50)))
        assert not seen & alice_ids, flt
        assert seen == set(oracle(data, data.bob, flt))
    # Bob asking for Alice's batch, or starting from a cursor inside Alice's range, still sees only his own
    assert ids(all_pages(db, data.bob, HistoryFilter(batch_id=data.batches[0]), 50)) == []
    with db.read_session() as s:
        page = history_page(s, data.bob, after_id=max(alice_ids) + 1, limit=500)
    assert {r.user_id for r in page.rows} == {data.bob}


def test_unicode_text_and_case_insensitivity_where_the_database_allows(db: Database, data: Data) -> None:
    with db.read_session() as s:
        assert len(history_page(s, data.alice, HistoryFilter(text="𝔘nicode 🌅"), limit=500).rows) == len(
            oracle(data, data.alice, HistoryFilter(text="𝔘nicode 🌅"))
        )
        assert history_page(s, data.alice, HistoryFilter(text="STRASSE"), limit=500).rows == []  # ß is not SS
        found = history_page(s, data.alice, HistoryFilter(text="KÖLN"), limit=500).rows
    if db.backend == "sqlite":
        assert found == []  # SQLite's lower() knows ASCII letters only: documented
    else:
        assert [r.id for r in found] == oracle(data, data.alice, HistoryFilter(text="köln")) != []


def test_bad_filters_are_input_errors(db: Database, data: Data) -> None:
    with db.read_session() as s:
        for flt, limit in [
            (HistoryFilter(states=["exploded"]), 50),
            (HistoryFilter(created_from=dt.datetime(2026, 1, 1)), 50),  # naive: which zone?
            (HistoryFilter(target_wiki="x" * 256), 50),
            (HistoryFilter(text="x" * 256), 50),
            (HistoryFilter(), 0),
            (HistoryFilter(), 501),
        ]:
            with pytest.raises(InputError):
                history_page(s, data.alice, flt, limit=limit)
        with pytest.raises(ValueError):
            history_page(s, data.alice, HistoryFilter(text="a"), text_scan_rows=0)
        assert history_page(s, data.alice, HistoryFilter(text="   ")).rows  # blank text: no text filter


def test_sqlite_read_sessions_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """SQLite takes a database-wide write lock: a history page must still be served while a worker's write
    transaction is open (WAL + deferred BEGIN); with BEGIN IMMEDIATE it would wait for the writer."""
    db = Database(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    db.create_all()
    with db.session() as s:
        user = User(domain="local", username="me")
        s.add(user)
        s.flush()
        s.add_all(Transfer(user_id=user.id, source_input=f"x{i}", target_wiki="commons") for i in range(60))
    writing, done = threading.Event(), threading.Event()

    def writer() -> None:
        with db.session() as s:
            s.add(Transfer(user_id=user.id, source_input="x", target_wiki="commons"))
            s.flush()
            writing.set()
            done.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        with db.read_session() as s:
            assert len(history_page(s, user.id).rows) == 50
            assert s.scalar(select(func.count()).select_from(Transfer)) == 60  # the open write is unseen
    finally:
        done.set()
        thread.join(10)
        db.dispose()
