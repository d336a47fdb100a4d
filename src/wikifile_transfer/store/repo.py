"""The queries the workers, the CLI and the web app call: short functions that take a ``Session``.

They never commit: the caller's ``with db.session() as s:`` is the transaction, so a caller can combine
several of them atomically (claim a lease and move the state, say). Whatever must hold when several
processes race (a lease, a wiki slot, a state change, a first sign-in) is decided by the database in one
conditional statement or under a row lock, never by reading in Python and writing afterwards:

* leases and slots are ONE conditional ``UPDATE … WHERE <free or expired>``; the row count says who won.
  InnoDB and PostgreSQL re-check the condition on the newest committed row after waiting for a concurrent
  writer, and SQLite runs one writer at a time (``BEGIN IMMEDIATE``), so exactly one claimer wins;
* state changes read the current state ``FOR UPDATE`` (the newest committed one, locked) before checking
  the move, so a cancel and a worker's "done" cannot both win;
* "create if missing" (a user's first sign-in, a credential, a wiki's slot rows) is one upsert
  (``INSERT … ON CONFLICT`` / ``ON DUPLICATE KEY UPDATE``) followed by a locking read.

Times come from the caller's clock (``now``, default :func:`~wikifile_transfer.store.models.utcnow`); the
hosts of the workers must keep their clocks in sync (NTP), as leases are tens of seconds or more.

Per-user isolation (DESIGN.md): every function that reads on behalf of a user takes ``user_id`` and
filters by it; a row of another user is "not found", never an error that would reveal it exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Update, and_, or_, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from wikifile_transfer.errors import InputError
from wikifile_transfer.store.crypto import SecretBox, Secrets
from wikifile_transfer.store.models import (
    CENTRAL_ID,
    KEY,
    STATE,
    TITLE,
    WIKI,
    Base,
    Batch,
    Credential,
    Event,
    Transfer,
    User,
    WikiSlot,
    utcnow,
)
from wikifile_transfer.store.states import ACTIVE, FINISHED, TransferState, check_move

Ttl = dt.timedelta | float
"""A lease or slot duration: a timedelta or seconds."""

EVENT_STATE_KEY = "wft-event-state"
MAX_EVENTS = 1000


def _ttl(ttl: Ttl) -> dt.timedelta:
    delta = ttl if isinstance(ttl, dt.timedelta) else dt.timedelta(seconds=ttl)
    if delta <= dt.timedelta(0):
        raise ValueError("a lease needs a positive duration")
    return delta


def _rowcount(session: Session, statement: Update) -> int:
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


def _check_length(value: str, limit: int) -> str:
    if not value or len(value) > limit:
        raise InputError(value[:50])
    return value


def _insert(
    session: Session,
    model: type[Base],
    rows: list[dict[str, Any]],
    keys: Sequence[str],
    update: Mapping[str, Any] | None = None,
) -> None:
    """INSERT rows, and on a conflict of the unique ``keys`` set ``update`` on the existing row (or leave it
    as it is): one statement, so racing callers never fail and never deadlock.

    Why not "try INSERT, catch IntegrityError, then SELECT … FOR UPDATE": on InnoDB the losers of a
    duplicate-key race hold shared locks on the row, and when two of them then ask for the exclusive one
    each waits for the other (deadlock, seen with three racing sign-ins). An upsert takes the exclusive
    lock at once. On MariaDB a conflict without ``update`` still "updates" a key column to itself for
    that reason (INSERT IGNORE would take the shared lock)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql_insert(model).values(rows)
        session.execute(
            pg.on_conflict_do_update(index_elements=list(keys), set_=dict(update))
            if update
            else pg.on_conflict_do_nothing(index_elements=list(keys))
        )
    elif dialect == "sqlite":
        lite = sqlite_insert(model).values(rows)
        session.execute(
            lite.on_conflict_do_update(index_elements=list(keys), set_=dict(update))
            if update
            else lite.on_conflict_do_nothing(index_elements=list(keys))
        )
    elif dialect in ("mysql", "mariadb"):
        my = mysql_insert(model).values(rows)
        session.execute(
            my.on_duplicate_key_update(dict(update) if update else {keys[0]: my.inserted[keys[0]]})
        )
    else:  # pragma: no cover - the three supported databases are handled above
        raise NotImplementedError(dialect)


# --- users ------------------------------------------------------------------------------------------


def get_or_create_user(session: Session, domain: str, username: str, *, lang: str | None = None) -> User:
    """The user ``username`` of ``domain`` (``wikimedia``, ``local``, a self-hosted wiki's name), created
    on first sight. Names compare exactly on every backend ("Foo bar" and "Foo Bar" are two MediaWiki
    accounts): see models.MYSQL_TABLE. Safe when two sign-ins of a new user race."""
    _check_length(domain, WIKI)
    _check_length(username, TITLE)
    query = select(User).where(User.domain == domain, User.username == username)
    user = session.scalar(query)
    if user is not None:
        return user
    _insert(session, User, [{"domain": domain, "username": username, "lang": lang}], ["domain", "username"])
    # A locking read is a "current" read: it sees a row another sign-in committed meanwhile, which a plain
    # SELECT under MariaDB's REPEATABLE READ would hide behind this transaction's snapshot.
    return session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()


def get_or_create_central_user(
    session: Session, domain: str, central_id: str, username: str, *, lang: str | None = None
) -> User:
    """The user with this central id (a Wikimedia account's ``sub``), created on first sight; its
    ``username`` follows the account's current name. Who the user is never depends on the name: a renamed
    account keeps its history and credentials, and a new account that takes a name someone gave up gets a
    user of its own, not theirs.

    * a row of this name without central id (made before the ids were recorded) is adopted: the name was
      that account's when it signed in then;
    * a row of this name with *another* central id belongs to an account renamed since (it has not signed
      in under its new name yet): its name is put aside (``Name (renamed, 42)``) until that account signs
      in again and gets its new name.

    Safe when two sign-ins of a new user race (upsert on the central id, then a locking read)."""
    _check_length(domain, WIKI)
    _check_length(central_id, CENTRAL_ID)
    _check_length(username, TITLE)
    # Plain reads first, then writes that take their locks at once (see _insert): locking reads of rows
    # that do not exist yet take gap locks on InnoDB, and two first sign-ins then deadlock on insert.
    by_id = select(User).where(User.domain == domain, User.central_id == central_id)
    found = session.scalar(by_id)
    if found is None:
        named = session.scalar(select(User).where(User.domain == domain, User.username == username))
        adopted = False
        if named is not None and named.central_id is None:
            adopted = (
                _rowcount(
                    session,
                    update(User)
                    .where(User.id == named.id, User.central_id.is_(None))
                    .values(central_id=central_id),
                )
                == 1
            )
        elif named is not None:
            _put_name_aside(session, domain, username, keep=None)
        if not adopted:
            _insert(
                session,
                User,
                [{"domain": domain, "username": username, "central_id": central_id, "lang": lang}],
                ["domain", "central_id"],
            )
    elif found.username != username:
        _put_name_aside(session, domain, username, keep=found.id)
        _rowcount(session, update(User).where(User.id == found.id).values(username=username))
    return session.scalars(by_id.with_for_update().execution_options(populate_existing=True)).one()


def _put_name_aside(session: Session, domain: str, username: str, *, keep: int | None) -> None:
    """The row holding ``username`` (an account renamed since, or an older sign-in) gets a placeholder
    name until that account signs in again; ``keep``: the user who is taking the name."""
    query = select(User.id).where(User.domain == domain, User.username == username)
    if keep is not None:
        query = query.where(User.id != keep)
    holder = session.scalar(query)
    if holder is not None:
        _rowcount(
            session,
            update(User)
            .where(User.id == holder, User.username == username)
            .values(username=f"{username[: TITLE - 30]} (renamed, {holder})"),
        )


def get_transfer(session: Session, user_id: int, transfer_id: int) -> Transfer | None:
    """A transfer of this user (None for a missing id or another user's transfer)."""
    return session.scalar(select(Transfer).where(Transfer.id == transfer_id, Transfer.user_id == user_id))


def get_batch(session: Session, user_id: int, batch_id: int) -> Batch | None:
    """A batch of this user (None for a missing id or another user's batch)."""
    return session.scalar(select(Batch).where(Batch.id == batch_id, Batch.user_id == user_id))


# --- credentials ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """A credential with its secret decrypted, for the code that signs requests. The secret never shows
    in ``repr`` (see crypto.Secrets)."""

    id: int
    user_id: int
    kind: str
    wiki: str
    account: str
    expires_at: dt.datetime | None
    secret: Secrets = field(repr=False)


def save_credential(
    session: Session,
    box: SecretBox,
    user_id: int,
    kind: str,
    wiki: str,
    *,
    account: str,
    secret: Mapping[str, Any],
    expires_at: dt.datetime | None = None,
) -> Credential:
    """Store (or replace) the user's credential of ``kind`` for ``wiki``, encrypted with the newest key.

    ``kind``: ``oauth2`` (``wiki='*'``, every Wikimedia wiki) or ``botpassword`` (one wiki); ``secret``:
    ``{"password": …}`` or ``{"access_token": …, "refresh_token": …}``."""
    _check_length(kind, STATE)
    _check_length(wiki, WIKI)
    _check_length(account, TITLE)
    token = box.encrypt(secret)
    now = utcnow()
    changes = {"account": account, "secret": token, "expires_at": expires_at, "updated_at": now}
    _insert(
        session,
        Credential,
        [{"user_id": user_id, "kind": kind, "wiki": wiki, "created_at": now, **changes}],
        ["user_id", "kind", "wiki"],
        update=changes,
    )
    query = select(Credential).where(
        Credential.user_id == user_id, Credential.kind == kind, Credential.wiki == wiki
    )
    return session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()


def load_credential(
    session: Session, box: SecretBox, user_id: int, kind: str, wiki: str, *, for_update: bool = False
) -> StoredCredential | None:
    """The user's credential of ``kind`` for ``wiki``, decrypted (None when there is none). Raises
    crypto.SecretUndecryptableError when its key is gone: the user must sign in again.

    ``for_update`` locks the row until the transaction ends and reads its newest committed version: an
    OAuth refresh holds it so that of two processes refreshing at once the second sees the first's new
    tokens instead of spending the (single-use) refresh token again."""
    query = select(Credential).where(
        Credential.user_id == user_id, Credential.kind == kind, Credential.wiki == wiki
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        return None
    return StoredCredential(
        id=row.id,
        user_id=row.user_id,
        kind=row.kind,
        wiki=row.wiki,
        account=row.account,
        expires_at=row.expires_at,
        secret=box.decrypt(row.secret),
    )


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """What may be shown of a credential: whose, which kind, for which wiki, which account. No secret."""

    kind: str
    wiki: str
    account: str
    expires_at: dt.datetime | None


def list_credentials(session: Session, user_id: int) -> list[CredentialInfo]:
    """The user's credentials without their secrets (nothing is decrypted), by kind and wiki."""
    rows = session.execute(
        select(Credential.kind, Credential.wiki, Credential.account, Credential.expires_at)
        .where(Credential.user_id == user_id)
        .order_by(Credential.kind, Credential.wiki)
    ).all()
    return [CredentialInfo(kind, wiki, account, expires) for kind, wiki, account, expires in rows]


def delete_credentials(session: Session, user_id: int) -> int:
    """Forget every credential of the user ("sign out and forget me"); returns how many there were."""
    rows = session.scalars(select(Credential).where(Credential.user_id == user_id)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def delete_credential(session: Session, user_id: int, kind: str, wiki: str) -> bool:
    """Forget a credential (sign-out, revoked token); True when there was one."""
    row = session.scalar(
        select(Credential).where(
            Credential.user_id == user_id, Credential.kind == kind, Credential.wiki == wiki
        )
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# --- leases -----------------------------------------------------------------------------------------

_ACTIVE = sorted(s.value for s in ACTIVE)


def _lease_free(now: dt.datetime) -> ColumnElement[bool]:
    return or_(Transfer.lease_owner.is_(None), Transfer.lease_until.is_(None), Transfer.lease_until < now)


def claim(
    session: Session, transfer_id: int, owner: str, ttl: Ttl, *, now: dt.datetime | None = None
) -> bool:
    """Take the lease of an active transfer (queued, running or retry_wait) whose lease is free or expired,
    and whose ``not_before`` has passed. True when this call won it.

    ``owner`` should be unique per attempt (worker host + pid + task id): a second delivery of the same
    message must not find the lease already its own. The caller commits right away, then works."""
    now = now or utcnow()
    _check_length(owner, KEY)
    statement = (
        update(Transfer)
        .where(
            Transfer.id == transfer_id,
            Transfer.state.in_(_ACTIVE),
            _lease_free(now),
            or_(Transfer.not_before.is_(None), Transfer.not_before <= now),
        )
        .values(lease_owner=owner, lease_until=now + _ttl(ttl), updated_at=now)
    )
    return _rowcount(session, statement) == 1


def renew(
    session: Session, transfer_id: int, owner: str, ttl: Ttl, *, now: dt.datetime | None = None
) -> bool:
    """Extend the lease while working. False means the lease is lost (taken over after it expired, or the
    item was cancelled or finished): stop at the next step boundary."""
    now = now or utcnow()
    statement = (
        update(Transfer)
        .where(Transfer.id == transfer_id, Transfer.lease_owner == owner, Transfer.state.in_(_ACTIVE))
        .values(lease_until=now + _ttl(ttl))
    )
    return _rowcount(session, statement) == 1


def release(session: Session, transfer_id: int, owner: str) -> bool:
    """Give the lease back (after the final state change). False when it was no longer ours."""
    statement = (
        update(Transfer)
        .where(Transfer.id == transfer_id, Transfer.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    return _rowcount(session, statement) == 1


def expired_leases(session: Session, now: dt.datetime | None = None, *, limit: int = 1000) -> list[int]:
    """Ids of active transfers whose lease ran out (the worker died): the reconciler re-queues them, and
    the next :func:`claim` takes the lease over. Served by the (state, lease_until) index."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Transfer.id)
            .where(Transfer.state.in_(_ACTIVE), Transfer.lease_until < now)
            .order_by(Transfer.id)
            .limit(limit)
        )
    )


def unclaimed(session: Session, before: dt.datetime, *, limit: int = 1000) -> list[int]:
    """Ids of queued or retry_wait transfers that nobody holds, untouched since ``before`` and due by then:
    their message was lost (a broker restart). The reconciler sends them again."""
    return list(
        session.scalars(
            select(Transfer.id)
            .where(
                Transfer.state.in_([TransferState.QUEUED.value, TransferState.RETRY_WAIT.value]),
                Transfer.lease_owner.is_(None),
                Transfer.updated_at < before,
                or_(Transfer.not_before.is_(None), Transfer.not_before < before),
            )
            .order_by(Transfer.id)
            .limit(limit)
        )
    )


# --- wiki slots -------------------------------------------------------------------------------------


def _ensure_slots(session: Session, wiki: str, count: int) -> None:
    """Create the slot rows 0..count-1 of ``wiki`` that do not exist yet. Two processes may do this at
    once: the insert leaves rows that exist by then alone (see :func:`_insert`)."""
    have = set(session.scalars(select(WikiSlot.slot).where(WikiSlot.wiki == wiki, WikiSlot.slot < count)))
    rows = [{"wiki": wiki, "slot": slot} for slot in range(count) if slot not in have]
    if rows:
        _insert(session, WikiSlot, rows, ["wiki", "slot"])


def acquire_slot(
    session: Session, wiki: str, cap: int, owner: str, ttl: Ttl, *, now: dt.datetime | None = None
) -> int | None:
    """Take one of the ``cap`` concurrent-work slots of ``wiki`` (free, or its holder's time ran out);
    returns the slot number, or None when all are taken or the wiki is paused (:func:`pause_wiki`).

    Commit right after: on MariaDB the rows tried stay locked until the transaction ends."""
    if cap < 1:
        raise ValueError("a wiki needs at least one slot")
    now = now or utcnow()
    _check_length(wiki, WIKI)
    _check_length(owner, KEY)
    _ensure_slots(session, wiki, cap)
    if wiki_paused_until(session, wiki, now=now) is not None:
        return None
    until = now + _ttl(ttl)
    for slot in range(cap):
        statement = (
            update(WikiSlot)
            .where(
                WikiSlot.wiki == wiki,
                WikiSlot.slot == slot,
                or_(WikiSlot.holder.is_(None), WikiSlot.until.is_(None), WikiSlot.until < now),
            )
            .values(holder=owner, until=until)
        )
        if _rowcount(session, statement) == 1:
            return slot
    return None


def renew_slot(
    session: Session, wiki: str, slot: int, owner: str, ttl: Ttl, *, now: dt.datetime | None = None
) -> bool:
    """Keep a slot during long work (a big upload). False: it expired and someone else took it."""
    now = now or utcnow()
    statement = (
        update(WikiSlot)
        .where(WikiSlot.wiki == wiki, WikiSlot.slot == slot, WikiSlot.holder == owner)
        .values(until=now + _ttl(ttl))
    )
    return _rowcount(session, statement) == 1


def release_slot(session: Session, wiki: str, slot: int, owner: str) -> bool:
    """Give a slot back; False when it was no longer ours (expired and taken)."""
    statement = (
        update(WikiSlot)
        .where(WikiSlot.wiki == wiki, WikiSlot.slot == slot, WikiSlot.holder == owner)
        .values(holder=None, until=None)
    )
    return _rowcount(session, statement) == 1


def pause_wiki(session: Session, wiki: str, until: dt.datetime) -> None:
    """No new work on ``wiki`` before ``until`` (after ``ratelimited``, ``maxlag``, read-only), for every
    worker. A pause only grows: a shorter one does not cut a longer one short."""
    _check_length(wiki, WIKI)
    _ensure_slots(session, wiki, 1)
    session.execute(
        update(WikiSlot)
        .where(
            WikiSlot.wiki == wiki,
            WikiSlot.slot == 0,
            or_(WikiSlot.pause_until.is_(None), WikiSlot.pause_until < until),
        )
        .values(pause_until=until),
        execution_options={"synchronize_session": False},
    )


def wiki_paused_until(session: Session, wiki: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Until when ``wiki`` is paused, or None when it is not (any more)."""
    now = now or utcnow()
    until = session.scalar(select(WikiSlot.pause_until).where(WikiSlot.wiki == wiki, WikiSlot.slot == 0))
    return until if until is not None and until > now else None


# --- events -----------------------------------------------------------------------------------------


def add_event(
    session: Session,
    *,
    user_id: int,
    kind: str,
    key: str,
    params: Sequence[object] = (),
    transfer_id: int | None = None,
    batch_id: int | None = None,
    detail: str | None = None,
    time: dt.datetime | None = None,
) -> Event:
    """Record something that happened. ``kind``: state|attempt|step|api_error|warning|error|info; ``key``
    and ``params`` render in the reader's language; ``detail`` is the wiki's own words (never a secret).
    Give an item's event its batch_id too, so the batch's timeline shows it (:func:`transfer_event`)."""
    _check_length(kind, STATE)
    _check_length(key, KEY)
    event = Event(
        user_id=user_id,
        transfer_id=transfer_id,
        batch_id=batch_id,
        kind=kind,
        key=key,
        params=[p if isinstance(p, int | float | bool) or p is None else str(p) for p in params],
        detail=detail,
        time=time or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def transfer_event(
    session: Session,
    transfer: Transfer,
    kind: str,
    key: str,
    params: Sequence[object] = (),
    *,
    detail: str | None = None,
    time: dt.datetime | None = None,
) -> Event:
    """:func:`add_event` for a transfer: user, transfer and batch come from it."""
    return add_event(
        session,
        user_id=transfer.user_id,
        kind=kind,
        key=key,
        params=params,
        transfer_id=transfer.id,
        batch_id=transfer.batch_id,
        detail=detail,
        time=time,
    )


def events_for_transfer(
    session: Session, user_id: int, transfer_id: int, *, after_id: int | None = None, limit: int = MAX_EVENTS
) -> list[Event]:
    """The user's events of one transfer, oldest first; ``after_id`` gives only newer ones (live
    progress polls with the last id it has)."""
    return _events(session, user_id, Event.transfer_id == transfer_id, after_id, limit)


def events_for_batch(
    session: Session, user_id: int, batch_id: int, *, after_id: int | None = None, limit: int = MAX_EVENTS
) -> list[Event]:
    """The user's events of a batch and of its items, oldest first (see :func:`events_for_transfer`)."""
    return _events(session, user_id, Event.batch_id == batch_id, after_id, limit)


def _events(
    session: Session, user_id: int, scope: ColumnElement[bool], after_id: int | None, limit: int
) -> list[Event]:
    if not 1 <= limit <= MAX_EVENTS:
        raise InputError(str(limit))
    conditions = [scope, Event.user_id == user_id]
    if after_id is not None:
        conditions.append(Event.id > after_id)
    return list(session.scalars(select(Event).where(and_(*conditions)).order_by(Event.id).limit(limit)))


# --- state changes ----------------------------------------------------------------------------------

_PROTECTED = frozenset({"id", "user_id", "state"})
_COLUMNS = frozenset(column.key for column in Transfer.__table__.columns)


def move(
    session: Session,
    transfer: Transfer,
    new_state: TransferState | str,
    *,
    detail: str | None = None,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Transfer:
    """Move ``transfer`` to ``new_state`` if the state machine allows it from its *current* state in the
    database, set ``fields`` (columns of Transfer) with it, and record a ``state`` event.

    Raises states.StateError when the move is forbidden, for instance when the item was cancelled since
    this process loaded it. The row is read ``FOR UPDATE``, so of two racing moves (a cancel and a
    worker's "done") the second sees the first's result and is checked against it.

    Besides ``fields``: entering running sets ``started_at`` (first time only), entering done, failed,
    cancelled or blocked sets ``finished_at``, entering queued clears ``finished_at`` and ``not_before``,
    unless the caller passes them.
    """
    unknown = set(fields) - _COLUMNS
    if unknown or set(fields) & _PROTECTED:
        raise TypeError(f"move() cannot set {sorted(unknown or set(fields) & _PROTECTED)}")
    now = now or utcnow()
    new = TransferState(new_state)
    session.flush()  # pending changes to this object go first, under the same lock
    row = session.execute(
        select(Transfer.state, Transfer.started_at).where(Transfer.id == transfer.id).with_for_update()
    ).one()
    current = TransferState(row.state)
    check_move(current, new)
    values: dict[str, Any] = {"updated_at": now, **fields, "state": new.value}
    if new is TransferState.RUNNING and row.started_at is None:
        values.setdefault("started_at", now)
    if new in FINISHED or new is TransferState.BLOCKED:
        values.setdefault("finished_at", now)
    if new is TransferState.QUEUED:
        values.setdefault("finished_at", None)
        values.setdefault("not_before", None)
    session.execute(
        update(Transfer).where(Transfer.id == transfer.id).values(**values),
        execution_options={"synchronize_session": False},
    )
    for name, value in values.items():
        set_committed_value(transfer, name, value)
    transfer_event(
        session, transfer, "state", EVENT_STATE_KEY, [current.value, new.value], detail=detail, time=now
    )
    return transfer
