"""Expansion of a batch's source into items (jobs/batches.py, jobs/expand.py) on SQLite and MariaDB,
without wikis: items are written as the source is read, ``INSERT_CHUNK`` per transaction (a list of
thousands of lines never sits in memory, and the rows appear while the listing goes on); an expansion
cut off half-way is thrown away and done again; a bad line is kept as a failed item that says why.
Listings against real wikis are in test_jobs_prepare_testbed.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobkit import batch_row
from sqlalchemy import func, select

from wikifile_transfer.errors import InputError
from wikifile_transfer.jobs import batches
from wikifile_transfer.jobs.batches import INSERT_CHUNK, BatchSpec, Item
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer


def new_batch(db: Database, user_id: int) -> int:
    with db.session() as session:
        spec = BatchSpec("commons", "urls", None, {"mark_source": True}, "digest")
        return batches.create_batch(session, user_id, spec).id


def count(db: Database, batch_id: int) -> int:
    with db.read_session() as session:
        return int(session.scalar(select(func.count()).where(Transfer.batch_id == batch_id)) or 0)


def test_thousands_of_lines_are_written_chunk_by_chunk_as_they_are_read(db: Database, user_id: int) -> None:
    batch_id = new_batch(db, user_id)
    total = 5 * INSERT_CHUNK + 37
    seen_rows: dict[int, int] = {}

    def lines() -> Iterator[Item]:
        for n in range(total):
            if n % 50 == 0:  # what is in the database when line n is read
                seen_rows[n] = count(db, batch_id)
            yield Item(f"src:File:Line {n}.png")

    assert batches.expand(db, batch_id, lines()) == total

    # before line n is read, every full chunk before it is written, and nothing more is held back
    assert seen_rows == {n: (n // INSERT_CHUNK) * INSERT_CHUNK for n in range(0, total, 50)}
    assert count(db, batch_id) == total
    with db.read_session() as session:
        positions = session.scalars(
            select(Transfer.position).where(Transfer.batch_id == batch_id).order_by(Transfer.id)
        ).all()
    assert positions == list(range(1, total + 1))
    batch = batch_row(db, batch_id)
    assert (batch.state, batch.item_count) == ("planning", total)


def test_an_expansion_cut_off_half_way_is_done_again_from_scratch(db: Database, user_id: int) -> None:
    batch_id = new_batch(db, user_id)

    def broken() -> Iterator[Item]:
        for n in range(INSERT_CHUNK + 10):
            yield Item(f"src:File:First try {n}.png")
        raise ConnectionError("the wiki went away mid-listing")

    with pytest.raises(ConnectionError):
        batches.expand(db, batch_id, broken())
    assert count(db, batch_id) == INSERT_CHUNK  # the first chunk was written
    assert batch_row(db, batch_id).state == "expanding"

    again = [Item(f"src:File:Second try {n}.png") for n in range(3)]
    assert batches.expand(db, batch_id, again) == 3
    with db.read_session() as session:
        inputs = session.scalars(select(Transfer.source_input).where(Transfer.batch_id == batch_id)).all()
    assert sorted(inputs) == sorted(item.source_input for item in again)
    # expanding a batch that has left ``expanding`` changes nothing
    assert batches.expand(db, batch_id, [Item("src:File:Late.png")]) == 3
    assert count(db, batch_id) == 3


def test_a_bad_line_becomes_a_failed_item_in_its_place(db: Database, user_id: int) -> None:
    batch_id = new_batch(db, user_id)
    items = [Item("src:File:A.png"), Item("not a url", error=InputError("not a url")), Item("src:File:B.png")]
    batches.expand(db, batch_id, items)
    with db.read_session() as session:
        rows = session.execute(
            select(Transfer.position, Transfer.state, Transfer.error_key, Transfer.finished_at)
            .where(Transfer.batch_id == batch_id)
            .order_by(Transfer.position)
        ).all()
    assert [(p, s, e) for p, s, e, _f in rows] == [
        (1, "planned", None),
        (2, "failed", "wft-error-bad-input"),
        (3, "planned", None),
    ]
    assert rows[1][3] is not None
    assert batches.pending_plans(db, batch_id) == [
        tid for tid in _ids(db, batch_id) if tid != _ids(db, batch_id)[1]
    ]


def _ids(db: Database, batch_id: int) -> list[int]:
    with db.read_session() as session:
        return list(
            session.scalars(
                select(Transfer.id).where(Transfer.batch_id == batch_id).order_by(Transfer.position)
            )
        )
