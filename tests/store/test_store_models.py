"""The models on real SQLite, MariaDB and PostgreSQL: every column survives a round trip, sizes fit
reality, constraints and cascades hold."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, StatementError

from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import LANG, Batch, Credential, Event, Transfer, User, WikiSlot

UTC = dt.UTC
WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
TITLE_255_BYTES = "File:" + "é" * 125  # 5 + 250 bytes of UTF-8, 130 characters
TITLE_255_CHARS = "File:" + "𝔘" * 246 + "🌅🌅🌅🌅"  # 255 characters, 1,005 bytes
WIKI_255 = "https://" + "w" * 239 + "/api.php"  # a self-hosted wiki known by its API URL


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def make_user(db: Database, username: str = "Alice", domain: str = "wikimedia") -> int:
    with db.session() as s:
        user = User(domain=domain, username=username)
        s.add(user)
        s.flush()
        return user.id


def test_round_trip_of_every_model(db: Database) -> None:
    with db.session() as s:
        user = User(
            domain="wikimedia", username="Ünïcode 𝔘ser 😀", lang="zh-min-nan", settings={"target": "commons"}
        )
        s.add(user)
        s.flush()
        s.add(
            Credential(
                user_id=user.id, kind="botpassword", wiki="src", account="Alice@bot", secret=b"\x00\xffsecret"
            )
        )
        batch = Batch(
            user_id=user.id,
            target_wiki="commons",
            source_kind="category",
            source_spec="src:Category:X",
            options={"depth": 1},
            error_params=["a", 1],
        )
        s.add(batch)
        s.flush()
        transfer = Transfer(
            user_id=user.id,
            batch_id=batch.id,
            position=3,
            source_input="src:File:A.jpg",
            source_wiki="src",
            source_title="File:A.jpg",
            source_url="http://x/wiki/File:A.jpg",
            target_wiki="commons",
            requested_title="File:B.jpg",
            target_title="File:B.jpg",
            target_url="http://c/wiki/File:B.jpg",
            state="running",
            outcome=None,
            excluded=True,
            options={"mark_source": True},
            plan={"versions": [{"sha1": "a" * 40, "size": 5_000_000_000}]},
            report=[{"id": "title-free", "outcome": "pass"}],
            sha1s=["a" * 40],
            version_count=2,
            uploaded_count=1,
            steps_done=["upload:1"],
            attempts=2,
            lease_owner="worker-1",
            lease_until=WHEN,
            not_before=WHEN,
            current_step="upload",
            step_params=[1, 2],
            bytes_done=5_000_000_000,
            bytes_total=6_000_000_000,
            error_key="wft-error-api",
            error_params=["x"],
            started_at=WHEN,
            finished_at=WHEN,
        )
        s.add(transfer)
        s.flush()
        s.add(
            Event(
                user_id=user.id,
                transfer_id=transfer.id,
                batch_id=batch.id,
                kind="api_error",
                key="wft-error-api",
                params=["ratelimited", 3],
                detail="You've exceeded your rate limit",
                time=WHEN,
            )
        )
        s.add(WikiSlot(wiki="commons", slot=2, holder="w1", until=WHEN, pause_until=WHEN))
        ids = (user.id, batch.id, transfer.id)
    with db.session() as s:
        user = s.get_one(User, ids[0])
        assert (user.username, user.lang, user.settings) == (
            "Ünïcode 𝔘ser 😀",
            "zh-min-nan",
            {"target": "commons"},
        )
        assert user.created_at.tzinfo is UTC
        credential = s.scalars(select(Credential)).one()
        assert credential.secret == b"\x00\xffsecret" and credential.account == "Alice@bot"
        batch = s.get_one(Batch, ids[1])
        assert (batch.state, batch.cancel_requested, batch.item_count) == ("expanding", False, 0)
        assert batch.options == {"depth": 1} and batch.error_params == ["a", 1]
        transfer = s.get_one(Transfer, ids[2])
        assert transfer.plan == {"versions": [{"sha1": "a" * 40, "size": 5_000_000_000}]}
        assert transfer.bytes_done == 5_000_000_000 and transfer.excluded is True
        assert (transfer.lease_until, transfer.not_before, transfer.started_at) == (WHEN, WHEN, WHEN)
        assert transfer.steps_done == ["upload:1"] and transfer.step_params == [1, 2]
        assert [t.id for t in batch.transfers] == [transfer.id] and transfer.batch is batch
        event = s.scalars(select(Event)).one()
        assert (event.params, event.detail, event.time) == (
            ["ratelimited", 3],
            "You've exceeded your rate limit",
            WHEN,
        )
        slot = s.get_one(WikiSlot, ("commons", 2))
        assert (slot.holder, slot.until, slot.pause_until) == ("w1", WHEN, WHEN)


def test_defaults(db: Database) -> None:
    user_id = make_user(db)
    before = dt.datetime.now(UTC)
    with db.session() as s:
        transfer = Transfer(user_id=user_id, source_input="x", target_wiki="commons")
        s.add(transfer)
        s.flush()
        tid = transfer.id
    with db.session() as s:
        transfer = s.get_one(Transfer, tid)
        assert (
            transfer.state == "planned"
            and transfer.plan is None
            and transfer.report == []
            and transfer.attempts == 0
        )
        assert before - dt.timedelta(seconds=5) <= transfer.created_at <= dt.datetime.now(UTC)
        assert transfer.updated_at.tzinfo is UTC


TITLES = [
    TITLE_255_BYTES,
    TITLE_255_CHARS,
    "File:𝔘nicode 🌅 sunset.jpg",
    "File:Straße in Köln.jpg",
    "File:東京.png",
]


def test_titles_survive_exactly(db: Database) -> None:
    """Titles of 255 UTF-8 bytes and of 255 characters (4-byte ones too), and wiki names of 255."""
    assert len(TITLE_255_BYTES.encode()) == 255 and len(TITLE_255_CHARS) == 255 and len(WIKI_255) == 255
    user_id = make_user(db)
    with db.session() as s:
        for title in TITLES:
            s.add(
                Transfer(
                    user_id=user_id,
                    source_input=title,
                    source_title=title,
                    target_title=title,
                    requested_title=title,
                    target_wiki=WIKI_255,
                    source_wiki=WIKI_255,
                )
            )
    with db.session() as s:
        rows = s.scalars(select(Transfer).order_by(Transfer.id)).all()
        assert [(t.source_title, t.target_title, t.requested_title, t.source_input) for t in rows] == [
            (title,) * 4 for title in TITLES
        ]
        assert {t.target_wiki for t in rows} == {WIKI_255}
        # the indexed columns find them again by equality
        assert (
            s.scalar(
                select(func.count()).where(Transfer.user_id == user_id, Transfer.source_wiki == WIKI_255)
            )
            == 5
        )


def test_language_codes(db: Database) -> None:
    codes = ["be-x-old", "zh-min-nan", "roa-tara", "en", "x" * LANG]
    with db.session() as s:
        s.add_all(User(domain=f"{lang}.wikipedia", username="A", lang=lang) for lang in codes)
    with db.session() as s:
        assert s.scalars(select(User.lang).order_by(User.id)).all() == codes


def test_wiki_names_of_255_characters_in_every_indexed_place(db: Database) -> None:
    name = "𝔘" * 255
    user_id = make_user(db, domain=name, username="𝔘" * 255)
    with db.session() as s:
        s.add(Credential(user_id=user_id, kind="botpassword", wiki=name, account="x", secret=b"t"))
        s.add(WikiSlot(wiki=name, slot=0))
        s.add(Batch(user_id=user_id, target_wiki=name, source_kind="urls"))
    with db.session() as s:
        assert s.scalars(select(User.domain)).one() == name
        assert s.scalars(select(WikiSlot.wiki)).one() == name


def test_json_columns(db: Database) -> None:
    user_id = make_user(db)
    value = {
        "text": "{{Information|description=𝔘 🌅}}",
        "n": 1.5,
        "big": 2**53,
        "ok": True,
        "none": None,
        "nested": [{"a": []}, "ß"],
    }
    with db.session() as s:
        s.add(
            Transfer(
                user_id=user_id, source_input="a", target_wiki="c", plan=value, report=[value], options={}
            )
        )
        s.add(Transfer(user_id=user_id, source_input="b", target_wiki="c", plan=None))
    with db.session() as s:
        rows = s.scalars(select(Transfer).order_by(Transfer.id)).all()
        assert rows[0].plan == value and rows[0].report == [value] and rows[0].options == {}
        # "not planned yet" is SQL NULL, so a query can find it
        assert s.scalars(select(Transfer.source_input).where(Transfer.plan.is_(None))).all() == ["b"]


def test_aware_utc_datetimes_with_microseconds(db: Database) -> None:
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    local = dt.datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=india)
    user_id = make_user(db)
    with db.session() as s:
        s.add(
            Transfer(user_id=user_id, source_input="a", target_wiki="c", lease_until=local, created_at=local)
        )
    with db.session() as s:
        t = s.scalars(select(Transfer)).one()
        assert t.lease_until == local and t.lease_until.tzinfo is UTC
        assert t.lease_until.microsecond == 999999 and t.lease_until.hour == 18
        # comparisons in SQL use the same instant
        assert (
            s.scalar(select(func.count()).where(Transfer.lease_until > local - dt.timedelta(microseconds=1)))
            == 1
        )
        assert s.scalar(select(func.count()).where(Transfer.lease_until > local)) == 0


def test_naive_datetimes_are_refused(db: Database) -> None:
    user_id = make_user(db)
    with pytest.raises(StatementError, match="naive datetime"), db.session() as s:
        s.add(
            Transfer(user_id=user_id, source_input="a", target_wiki="c", lease_until=dt.datetime(2026, 1, 1))
        )
        s.flush()
    assert count(db, Transfer) == 0


def _populate(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        user = User(domain="wikimedia", username="Alice")
        other = User(domain="wikimedia", username="Bob")
        s.add_all([user, other])
        s.flush()
        batch = Batch(user_id=user.id, target_wiki="commons", source_kind="urls")
        s.add(batch)
        s.flush()
        items = [
            Transfer(user_id=user.id, batch_id=batch.id, position=i, source_input=f"x{i}", target_wiki="c")
            for i in range(3)
        ]
        single = Transfer(user_id=user.id, source_input="single", target_wiki="c")
        bobs = Transfer(user_id=other.id, source_input="bob", target_wiki="c")
        s.add_all([*items, single, bobs])
        s.flush()
        for t in [*items, single, bobs]:
            s.add(Event(user_id=t.user_id, transfer_id=t.id, batch_id=t.batch_id, kind="info", key="k"))
        s.add(Event(user_id=user.id, batch_id=batch.id, kind="info", key="batch"))
        s.add(Credential(user_id=user.id, kind="oauth2", wiki="*", account="Alice", secret=b"x"))
        return user.id, batch.id, single.id


def test_deleting_a_batch_deletes_its_items_and_events(db: Database) -> None:
    _, batch_id, _ = _populate(db)
    with db.session() as s:
        s.delete(s.get_one(Batch, batch_id))  # through the ORM: no orphan left with batch_id NULL
    assert count(db, Batch) == 0 and count(db, Transfer) == 2 and count(db, Event) == 2


def test_deleting_a_transfer_deletes_its_events(db: Database) -> None:
    _, _, single_id = _populate(db)
    with db.session() as s:
        s.execute(delete(Transfer).where(Transfer.id == single_id))
    assert count(db, Transfer) == 4 and count(db, Event) == 5


@pytest.mark.parametrize("how", ["orm", "sql"])
def test_deleting_a_user_deletes_everything_of_theirs(db: Database, how: str) -> None:
    user_id, _, _ = _populate(db)
    with db.session() as s:
        if how == "orm":
            s.delete(s.get_one(User, user_id))
        else:
            s.execute(delete(User).where(User.id == user_id))
    assert (count(db, User), count(db, Credential), count(db, Batch)) == (1, 0, 0)
    with db.session() as s:  # only Bob's transfer and event are left
        assert s.scalars(select(Transfer.source_input)).all() == ["bob"]
    assert count(db, Event) == 1


def test_unique_user_per_domain_and_exact_names(db: Database) -> None:
    make_user(db, "Alice")
    # Different MediaWiki accounts must stay different users, on MariaDB too (binary collation).
    for name in ("alice", "ALICE", "Alicé", "Alice 😀", "Alice 😁", "Alice 𝔘"):
        make_user(db, name)
    make_user(db, "Alice", domain="src")
    with pytest.raises(IntegrityError):
        make_user(db, "Alice")
    assert count(db, User) == 8


def test_unique_credential_per_user_kind_and_wiki(db: Database) -> None:
    user_id = make_user(db)
    with db.session() as s:
        s.add(Credential(user_id=user_id, kind="botpassword", wiki="src", account="a", secret=b"1"))
        s.add(Credential(user_id=user_id, kind="botpassword", wiki="Src", account="a", secret=b"1"))
        s.add(Credential(user_id=user_id, kind="oauth2", wiki="src", account="a", secret=b"1"))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(Credential(user_id=user_id, kind="botpassword", wiki="src", account="b", secret=b"2"))


def test_unique_wiki_slot(db: Database) -> None:
    with db.session() as s:
        s.add_all(
            [
                WikiSlot(wiki="commons", slot=0),
                WikiSlot(wiki="commons", slot=1),
                WikiSlot(wiki="Commons", slot=0),
            ]
        )
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(WikiSlot(wiki="commons", slot=0))


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(Transfer(user_id=12345, source_input="x", target_wiki="c"))
