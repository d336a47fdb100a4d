"""The store's queries (store/repo.py) on real databases, including processes racing for the same row.

Racing threads each use their own session, hence their own connection. On MariaDB and PostgreSQL each
thread first reads the row (so MariaDB's REPEATABLE READ snapshot predates the other's write), then all
go at once, and the winner keeps its transaction open a little so the others really wait on its lock. On
SQLite the transactions queue at BEGIN IMMEDIATE, so the threads line up before they begin.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from wikifile_transfer.errors import InputError
from wikifile_transfer.store import repo
from wikifile_transfer.store.crypto import SecretBox, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Credential, Event, Transfer, User, WikiSlot, utcnow
from wikifile_transfer.store.states import StateError

NOW = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
BOX = SecretBox([generate_key()])


def new_user(db: Database, name: str = "Alice") -> int:
    with db.session() as s:
        return repo.get_or_create_user(s, "wikimedia", name).id


def new_transfer(db: Database, user_id: int, state: str = "queued", **fields: Any) -> int:
    with db.session() as s:
        t = Transfer(
            user_id=user_id, source_input="src:File:A.jpg", target_wiki="commons", state=state, **fields
        )
        s.add(t)
        s.flush()
        return t.id


def racing(
    db: Database,
    work: Callable[[Any, int], Any],
    first_read: Callable[[Any], Any] | None = None,
    hold: float = 0.05,
) -> Callable[[int, threading.Barrier], Any]:
    """A racer for ``race``: one transaction per thread that reads (servers), waits for the others, does
    ``work(session, i)`` and keeps its transaction (and locks) a moment before committing."""

    def racer(i: int, barrier: threading.Barrier) -> Any:
        if db.backend == "sqlite":
            barrier.wait()
        with db.session() as s:
            if db.backend != "sqlite":
                if first_read is not None:
                    first_read(s)
                barrier.wait()
            result = work(s, i)
            time.sleep(hold)
        return result

    return racer


# --- users -------------------------------------------------------------------------------------------


def test_get_or_create_user(db: Database) -> None:
    with db.session() as s:
        first = repo.get_or_create_user(s, "wikimedia", "Alice", lang="de")
    with db.session() as s:
        again = repo.get_or_create_user(s, "wikimedia", "Alice")
        other = repo.get_or_create_user(s, "wikimedia", "alice")
    assert again.id == first.id and again.lang == "de" and other.id != first.id
    with pytest.raises(InputError), db.session() as s:
        repo.get_or_create_user(s, "wikimedia", "x" * 256)


def test_first_sign_ins_racing_create_one_user(db: Database, race) -> None:
    query = select(func.count()).select_from(User)
    ids = race(
        4,
        racing(
            db,
            lambda s, i: repo.get_or_create_user(s, "wikimedia", "New 𝔘ser").id,
            first_read=lambda s: s.scalar(query),
        ),
    )
    assert len(set(ids)) == 1
    with db.session() as s:
        assert s.scalar(query) == 1


def test_a_wikimedia_user_is_its_central_id_and_its_name_follows_renames(db: Database) -> None:
    with db.session() as s:
        alice = repo.get_or_create_central_user(s, "wikimedia", "1001", "Alice").id
    with db.session() as s:  # renamed on Meta: the same user, the new name
        renamed = repo.get_or_create_central_user(s, "wikimedia", "1001", "Alice Example")
        assert (renamed.id, renamed.username, renamed.central_id) == (alice, "Alice Example", "1001")
    with db.session() as s:  # another account takes the name Alice gave up: a user of its own
        newcomer = repo.get_or_create_central_user(s, "wikimedia", "2002", "Alice")
        assert newcomer.id != alice
    with db.session() as s:  # the same central id on another domain is someone else
        assert repo.get_or_create_central_user(s, "elsewhere", "1001", "Alice").id not in (alice, newcomer.id)


def test_a_user_from_before_central_ids_is_adopted_by_its_first_sign_in(db: Database) -> None:
    with db.session() as s:
        old = repo.get_or_create_user(s, "wikimedia", "Bob").id
    with db.session() as s:
        user = repo.get_or_create_central_user(s, "wikimedia", "3003", "Bob")
        assert (user.id, user.central_id) == (old, "3003")


def test_a_name_held_by_an_account_renamed_since_is_put_aside(db: Database) -> None:
    """Carol (id 1) was renamed to Carla and has not signed in since; Dave (id 2) is renamed to Carol
    and signs in: Dave keeps his user and gets the name, Carol's row is renamed aside until she signs in
    again, and then has her new name."""
    with db.session() as s:
        carol = repo.get_or_create_central_user(s, "wikimedia", "1", "Carol").id
        dave = repo.get_or_create_central_user(s, "wikimedia", "2", "Dave").id
    with db.session() as s:
        assert repo.get_or_create_central_user(s, "wikimedia", "2", "Carol").id == dave
    with db.session() as s:
        aside = s.get(User, carol)
        assert aside is not None and aside.username == f"Carol (renamed, {carol})"
    with db.session() as s:
        back = repo.get_or_create_central_user(s, "wikimedia", "1", "Carla")
        assert (back.id, back.username) == (carol, "Carla")
    with db.session() as s:  # a brand-new account named like a stale row: that row is put aside too
        eve = repo.get_or_create_central_user(s, "wikimedia", "5", "Eve").id
    with db.session() as s:
        assert repo.get_or_create_central_user(s, "wikimedia", "6", "Eve").id != eve
        stale = s.get(User, eve)
        assert stale is not None and stale.username == f"Eve (renamed, {eve})"


def test_first_sign_ins_of_a_central_id_racing_create_one_user(db: Database, race) -> None:
    query = select(func.count()).select_from(User)
    ids = race(
        4,
        racing(
            db,
            lambda s, i: repo.get_or_create_central_user(s, "wikimedia", "777", "Racer").id,
            first_read=lambda s: s.scalar(query),
        ),
    )
    assert len(set(ids)) == 1
    with db.session() as s:
        assert s.scalar(query) == 1


def test_lookups_are_per_user(db: Database) -> None:
    alice, bob = new_user(db, "Alice"), new_user(db, "Bob")
    tid = new_transfer(db, alice)
    with db.session() as s:
        batch = Batch(user_id=alice, target_wiki="commons", source_kind="urls")
        s.add(batch)
        s.flush()
        assert repo.get_transfer(s, alice, tid) is not None and repo.get_transfer(s, bob, tid) is None
        assert repo.get_batch(s, alice, batch.id) is not None and repo.get_batch(s, bob, batch.id) is None
        assert repo.get_transfer(s, alice, 999999) is None


# --- credentials -------------------------------------------------------------------------------------


def test_save_replace_load_delete_credential(db: Database) -> None:
    user = new_user(db)
    expires = NOW + dt.timedelta(hours=4)
    with db.session() as s:
        repo.save_credential(s, BOX, user, "oauth2", "*", account="Alice", secret={"access_token": "a1"})
    with db.session() as s:
        repo.save_credential(
            s, BOX, user, "oauth2", "*", account="Alice", secret={"access_token": "a2"}, expires_at=expires
        )
        repo.save_credential(
            s, BOX, user, "botpassword", "src", account="Alice@bot", secret={"password": "p"}
        )
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Credential)) == 2
        loaded = repo.load_credential(s, BOX, user, "oauth2", "*")
        assert loaded is not None and loaded.secret == {"access_token": "a2"} and loaded.expires_at == expires
        assert repo.load_credential(s, BOX, user, "oauth2", "src") is None
        assert repo.load_credential(s, BOX, user + 1, "oauth2", "*") is None
    with db.session() as s:
        assert repo.delete_credential(s, user, "oauth2", "*") is True
        assert repo.delete_credential(s, user, "oauth2", "*") is False
        assert repo.load_credential(s, BOX, user, "oauth2", "*") is None


def test_credential_saved_twice_at_once_is_one_row(db: Database, race) -> None:
    user = new_user(db)
    query = select(func.count()).select_from(Credential)
    race(
        3,
        racing(
            db,
            lambda s, i: (
                repo.save_credential(
                    s, BOX, user, "oauth2", "*", account="Alice", secret={"access_token": f"t{i}"}
                ).id
            ),
            first_read=lambda s: s.scalar(query),
        ),
    )
    with db.session() as s:
        assert s.scalar(query) == 1
        loaded = repo.load_credential(s, BOX, user, "oauth2", "*")
        assert loaded is not None and loaded.secret["access_token"] in {"t0", "t1", "t2"}


# --- leases -------------------------------------------------------------------------------------------


def test_claim_renew_release(db: Database) -> None:
    user = new_user(db)
    tid = new_transfer(db, user)
    with db.session() as s:
        assert repo.claim(s, tid, "w1", 30, now=NOW)
        assert not repo.claim(s, tid, "w2", 30, now=NOW + dt.timedelta(seconds=29))  # still held
        assert not repo.claim(s, tid, "w1", 30, now=NOW)  # a second delivery to the same owner too
        assert repo.renew(s, tid, "w1", dt.timedelta(seconds=60), now=NOW + dt.timedelta(seconds=20))
        assert not repo.renew(s, tid, "w2", 60, now=NOW)
        assert not repo.claim(s, tid, "w2", 30, now=NOW + dt.timedelta(seconds=70))  # renewed until +80
        assert repo.claim(s, tid, "w2", 30, now=NOW + dt.timedelta(seconds=81))  # expired: taken over
        assert not repo.renew(s, tid, "w1", 30, now=NOW)  # the old owner learns it lost the lease
        assert not repo.release(s, tid, "w1")
        assert repo.release(s, tid, "w2")
        assert repo.claim(s, tid, "w3", 30, now=NOW)
        t = s.get_one(Transfer, tid)
        s.refresh(t)
        assert (t.lease_owner, t.lease_until) == ("w3", NOW + dt.timedelta(seconds=30))
    with pytest.raises(ValueError), db.session() as s:
        repo.claim(s, tid, "w4", 0)


@pytest.mark.parametrize("state", ["planned", "ready", "blocked", "done", "failed", "cancelled"])
def test_only_active_transfers_can_be_claimed(db: Database, state: str) -> None:
    tid = new_transfer(db, new_user(db), state=state)
    with db.session() as s:
        assert not repo.claim(s, tid, "w1", 30)


def test_claim_waits_for_not_before_and_renew_fails_once_cancelled(db: Database) -> None:
    user = new_user(db)
    waiting = new_transfer(db, user, state="retry_wait", not_before=NOW + dt.timedelta(minutes=5))
    running = new_transfer(db, user, state="running")
    with db.session() as s:
        assert not repo.claim(s, waiting, "w1", 30, now=NOW)
        assert repo.claim(s, waiting, "w1", 30, now=NOW + dt.timedelta(minutes=5))
        assert repo.claim(s, running, "w2", 30, now=NOW)
        repo.move(s, s.get_one(Transfer, running), "cancelled")
        assert not repo.renew(s, running, "w2", 30, now=NOW)  # the worker stops at the next step


def test_two_claimers_racing_exactly_one_wins(db: Database, race) -> None:
    user = new_user(db)
    for _ in range(3):
        tid = new_transfer(db, user)
        won = race(
            4,
            racing(
                db,
                lambda s, i, tid=tid: repo.claim(s, tid, f"worker-{i}", 60),
                first_read=lambda s, tid=tid: s.get(Transfer, tid),
            ),
        )
        assert sorted(won) == [False, False, False, True]
        with db.session() as s:
            assert s.get_one(Transfer, tid).lease_owner == f"worker-{won.index(True)}"


def test_expired_leases_and_unclaimed_items_for_the_reconciler(db: Database) -> None:
    user = new_user(db)
    old = NOW - dt.timedelta(hours=1)
    expired = new_transfer(
        db, user, state="running", lease_owner="dead", lease_until=NOW - dt.timedelta(seconds=1)
    )
    new_transfer(db, user, state="running", lease_owner="alive", lease_until=NOW + dt.timedelta(seconds=30))
    new_transfer(db, user, state="done", lease_owner="gone", lease_until=NOW - dt.timedelta(hours=1))
    lost = new_transfer(db, user, state="queued", updated_at=old)
    new_transfer(db, user, state="queued", updated_at=NOW)  # just queued: its message is on the way
    due = new_transfer(db, user, state="retry_wait", updated_at=old, not_before=old)
    new_transfer(db, user, state="retry_wait", updated_at=old, not_before=NOW + dt.timedelta(hours=1))
    with db.session() as s:
        assert repo.expired_leases(s, NOW) == [expired]
        assert repo.unclaimed(s, NOW - dt.timedelta(minutes=10)) == [lost, due]


# --- wiki slots ---------------------------------------------------------------------------------------


def test_slots_cap_expiry_release_and_renew(db: Database) -> None:
    with db.session() as s:
        assert [repo.acquire_slot(s, "commons", 2, f"w{i}", 30, now=NOW) for i in range(3)] == [0, 1, None]
        assert repo.acquire_slot(s, "de.wikipedia", 1, "w9", 30, now=NOW) == 0  # another wiki, its own slots
        assert repo.renew_slot(s, "commons", 0, "w0", 120, now=NOW)
        assert not repo.renew_slot(s, "commons", 0, "w1", 120, now=NOW)
        later = NOW + dt.timedelta(seconds=31)  # slot 1 expired, slot 0 was renewed
        assert repo.acquire_slot(s, "commons", 2, "w3", 30, now=later) == 1
        assert not repo.release_slot(s, "commons", 1, "w1")  # w1 lost it
        assert repo.release_slot(s, "commons", 0, "w0")
        assert repo.acquire_slot(s, "commons", 2, "w4", 30, now=later) == 0
        assert repo.acquire_slot(s, "commons", 3, "w5", 30, now=later) == 2  # the cap was raised
        assert s.scalar(select(func.count()).select_from(WikiSlot).where(WikiSlot.wiki == "commons")) == 3
    with pytest.raises(ValueError), db.session() as s:
        repo.acquire_slot(s, "commons", 0, "w", 30)


def test_pause_wiki(db: Database) -> None:
    until = NOW + dt.timedelta(minutes=2)
    with db.session() as s:
        assert repo.wiki_paused_until(s, "commons", now=NOW) is None
        repo.pause_wiki(s, "commons", until)
        repo.pause_wiki(s, "commons", NOW + dt.timedelta(seconds=10))  # shorter: does not cut it short
        assert repo.wiki_paused_until(s, "commons", now=NOW) == until
        assert repo.acquire_slot(s, "commons", 4, "w1", 30, now=NOW) is None
        assert repo.acquire_slot(s, "other", 4, "w1", 30, now=NOW) == 0
        assert repo.wiki_paused_until(s, "commons", now=until) is None
        assert repo.acquire_slot(s, "commons", 4, "w1", 30, now=until) == 0


def test_the_cap_holds_with_concurrent_acquirers(db: Database, race) -> None:
    """Six workers want the same new wiki at once (its slot rows do not exist yet): two get a slot."""
    got = race(
        6,
        racing(
            db,
            lambda s, i: repo.acquire_slot(s, "fresh.wiki", 2, f"worker-{i}", 60),
            first_read=lambda s: s.scalar(select(func.count()).select_from(WikiSlot)),
        ),
    )
    assert sorted(g for g in got if g is not None) == [0, 1]
    with db.session() as s:
        rows = s.execute(select(WikiSlot.slot, WikiSlot.holder).where(WikiSlot.wiki == "fresh.wiki")).all()
    assert {slot: holder for slot, holder in rows} == {
        0: f"worker-{got.index(0)}",
        1: f"worker-{got.index(1)}",
    }


# --- events and state changes -------------------------------------------------------------------------


def test_events_per_transfer_and_batch_oldest_first_and_per_user(db: Database) -> None:
    alice, bob = new_user(db, "Alice"), new_user(db, "Bob")
    with db.session() as s:
        batch = Batch(user_id=alice, target_wiki="commons", source_kind="urls")
        s.add(batch)
        s.flush()
        t = Transfer(user_id=alice, batch_id=batch.id, source_input="x", target_wiki="commons")
        s.add(t)
        s.flush()
        e1 = repo.add_event(
            s, user_id=alice, batch_id=batch.id, kind="info", key="wft-event-state", params=["a", 1]
        )
        e2 = repo.transfer_event(
            s, t, "api_error", "wft-error-api", ["ratelimited", None], detail="slow down"
        )
        e3 = repo.transfer_event(s, t, "step", "wft-step-page-text")
        ids = (batch.id, t.id, e1.id, e2.id, e3.id)
    batch_id, tid, e1_id, e2_id, e3_id = ids
    with db.session() as s:
        events = repo.events_for_transfer(s, alice, tid)
        assert [e.id for e in events] == [e2_id, e3_id]
        assert events[0].params == ["ratelimited", None] and events[0].detail == "slow down"
        assert events[0].batch_id == batch_id and events[0].time.tzinfo is dt.UTC
        assert [e.id for e in repo.events_for_batch(s, alice, batch_id)] == [e1_id, e2_id, e3_id]
        assert [e.id for e in repo.events_for_batch(s, alice, batch_id, after_id=e2_id)] == [e3_id]
        assert [e.id for e in repo.events_for_batch(s, alice, batch_id, limit=1)] == [e1_id]
        assert repo.events_for_transfer(s, bob, tid) == [] and repo.events_for_batch(s, bob, batch_id) == []
    with pytest.raises(InputError), db.session() as s:
        repo.events_for_transfer(s, alice, tid, limit=0)


def test_move_sets_fields_timestamps_and_records_an_event(db: Database) -> None:
    user = new_user(db)
    tid = new_transfer(db, user, state="planned")
    with db.session() as s:
        t = s.get_one(Transfer, tid)
        repo.move(s, t, "ready", now=NOW, report=[{"id": "x", "outcome": "pass"}])
        repo.move(s, t, "queued", now=NOW)
        repo.move(s, t, "running", now=NOW + dt.timedelta(seconds=1), current_step="download")
        assert (
            t.state == "running"
            and t.started_at == NOW + dt.timedelta(seconds=1)
            and t.current_step == "download"
        )
        repo.move(s, t, "retry_wait", not_before=NOW + dt.timedelta(minutes=1))
        repo.move(s, t, "running", now=NOW + dt.timedelta(minutes=1))
        repo.move(s, t, "done", now=NOW + dt.timedelta(minutes=2), outcome="done", detail="all versions")
    with db.session() as s:
        t = s.get_one(Transfer, tid)
        assert (t.state, t.outcome, t.report) == ("done", "done", [{"id": "x", "outcome": "pass"}])
        assert t.started_at == NOW + dt.timedelta(seconds=1)  # the first start is kept
        assert t.finished_at == NOW + dt.timedelta(minutes=2)
        events = repo.events_for_transfer(s, user, tid)
        assert [(e.kind, e.key, e.params) for e in events] == [
            ("state", "wft-event-state", ["planned", "ready"]),
            ("state", "wft-event-state", ["ready", "queued"]),
            ("state", "wft-event-state", ["queued", "running"]),
            ("state", "wft-event-state", ["running", "retry_wait"]),
            ("state", "wft-event-state", ["retry_wait", "running"]),
            ("state", "wft-event-state", ["running", "done"]),
        ]
        assert events[-1].detail == "all versions"
        repo.move(s, t, "queued")  # a retry
        assert t.finished_at is None and t.not_before is None


def test_forbidden_moves_change_nothing(db: Database) -> None:
    user = new_user(db)
    tid = new_transfer(db, user, state="done")
    with pytest.raises(StateError), db.session() as s:
        repo.move(s, s.get_one(Transfer, tid), "running")
    with pytest.raises(TypeError), db.session() as s:
        repo.move(s, s.get_one(Transfer, tid), "queued", user_id=2)
    with pytest.raises(TypeError), db.session() as s:
        repo.move(s, s.get_one(Transfer, tid), "queued", no_such_column=1)
    with db.session() as s:
        assert s.get_one(Transfer, tid).state == "done"
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_move_checks_the_state_in_the_database_not_the_one_in_memory(db: Database) -> None:
    user = new_user(db)
    tid = new_transfer(db, user, state="running")
    with db.session() as s:
        stale = s.get_one(Transfer, tid)  # a worker loaded it while running
    with db.session() as s:
        repo.move(s, s.get_one(Transfer, tid), "cancelled")  # the user cancels meanwhile
    with pytest.raises(StateError) as caught, db.session() as s:
        repo.move(s, s.merge(stale, load=False), "done")
    assert caught.value.params == ("cancelled", "done")


def test_cancel_and_finish_racing_exactly_one_wins(db: Database, race) -> None:
    user = new_user(db)
    tid = new_transfer(db, user, state="running")
    targets = ["cancelled", "done"]

    def work(s: Any, i: int) -> str:
        try:
            repo.move(s, s.get_one(Transfer, tid), targets[i])
        except StateError:
            return "refused"
        return targets[i]

    outcomes = race(2, racing(db, work, first_read=lambda s: s.get(Transfer, tid)))
    assert sorted(outcomes) in (["cancelled", "refused"], ["done", "refused"])
    with db.session() as s:
        assert s.get_one(Transfer, tid).state == next(o for o in outcomes if o != "refused")
        assert s.scalar(select(func.count()).select_from(Event)) == 1


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo is dt.UTC
