"""The database tables: User, Credential, Batch, Transfer, Event, and the per-wiki slots of the workers.

The database is the source of truth of every transfer; the queue only dispatches ids. So a row holds all a
worker needs to resume after a crash: the plan, the state, the lease, the step it was at, and its events.

Portability (SQLite, MariaDB/ToolsDB, PostgreSQL) shapes the column types:

* every indexed string has an explicit length (MariaDB cannot index TEXT), sized for reality: MediaWiki
  titles are at most 255 *bytes* of UTF-8, which is at most 255 characters, and ``VARCHAR(255)`` counts
  characters in utf8mb4; wiki names (``zh-min-nan.wikipedia``, an API URL of a custom wiki) get 255 as
  well; language codes (``be-x-old``, ``zh-min-nan``, ``roa-tara``) fit 35 (the BCP 47 practical limit);
* times are stored as naive UTC (:class:`UtcDateTime`), since SQLite and MariaDB keep no zone;
* structured data (plans, check reports, parameters) is JSON, never queried inside by SQL;
* on MariaDB every table is utf8mb4 with the *binary* collation ``utf8mb4_bin`` (:data:`MYSQL_TABLE`). The
  server default ``utf8mb4_general_ci`` compares case-insensitively and treats every 4-byte character as
  equal (``'😀' = '😁'``), so the unique (domain, username) would merge the MediaWiki accounts "Foo bar" and
  "Foo Bar" into one user (who would then see the other's history and credentials) and slots of wikis
  whose names differ in case would be shared. SQLite and PostgreSQL compare exactly already; now all three
  agree. (``utf8mb4_bin`` still ignores trailing spaces; MediaWiki strips them from titles and names.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from wikifile_transfer.store.states import BatchState, TransferState

TITLE = 255
WIKI = 255
LANG = 35
KEY = 100  # message keys and step names
CENTRAL_ID = 64  # a Wikimedia central user id (``sub``): digits today, room for other forms
STATE = 16

# Deterministic constraint names, so that Alembic migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MYSQL_TABLE: dict[str, Any] = {
    f"{prefix}_{option}": value
    for prefix in ("mysql", "mariadb")  # mariadb+pymysql:// URLs read only the mariadb_ ones
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}
"""Table options for MariaDB/MySQL (ignored elsewhere): see the module docstring for why binary."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (the same on all three engines)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # MariaDB's DATETIME drops fractions unless told otherwise; leases and events want them.
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes only")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    """Someone who transfers files: a Wikimedia account (OAuth, ``domain='wikimedia'``), an account of a
    self-hosted wiki (bot password, ``domain`` = that wiki's name), or the local user of the CLI
    (``domain='local'``)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("domain", "username"),
        # a unique index, not a constraint: SQLite adds an index without rebuilding the table
        Index(None, "domain", "central_id", unique=True),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(WIKI))
    username: Mapped[str] = mapped_column(String(TITLE))
    central_id: Mapped[str | None] = mapped_column(String(CENTRAL_ID))
    """Wikimedia OAuth users: the account's central (SUL) id, the profile's ``sub``. The user *is* this id:
    a renamed account signs in as the same user (``username`` follows the new name, for display). None for
    other domains (and for Wikimedia users who have not signed in since the id was recorded)."""
    lang: Mapped[str | None] = mapped_column(String(LANG))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # default target, rules…
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column()

    credentials: Mapped[list[Credential]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class Credential(Base):
    """A secret that lets the tool act as a user on a wiki, encrypted at rest (see store.crypto).

    ``kind`` is ``oauth2`` (``wiki='*'``: every Wikimedia wiki through SUL) or ``botpassword`` (one wiki).
    ``secret`` is a Fernet token of a JSON object (``{"password": …}`` or ``{"access_token": …,
    "refresh_token": …}``); nothing readable is stored beside it but the account name.
    """

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("user_id", "kind", "wiki"), MYSQL_TABLE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(STATE))
    wiki: Mapped[str] = mapped_column(String(WIKI))
    account: Mapped[str] = mapped_column(String(TITLE))  # the login name (``Admin@transferbot``)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="credentials")


class Batch(Base):
    """Many transfers to one target wiki, from one source: a URL list, a category, a user's uploads, the
    files of a page. ``source_kind`` is ``urls|category|user|page|single``; ``source_spec`` what names it
    (``src:Category:Sunsets``); ``options`` the choices that apply to every item (depth, rules, marking)."""

    __tablename__ = "batches"
    __table_args__ = (
        Index(None, "user_id", "id"),
        Index(None, "user_id", "fingerprint"),
        # the reconciler: batches stuck in expanding/planning whose preparation lease ran out
        Index(None, "state", "prepare_until"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_wiki: Mapped[str] = mapped_column(String(WIKI))
    source_kind: Mapped[str] = mapped_column(String(STATE))
    source_spec: Mapped[str | None] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(STATE), default=BatchState.EXPANDING.value)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # the same command → the same batch
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    error_key: Mapped[str | None] = mapped_column(String(KEY))  # expansion failed (missing category…)
    error_params: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    # The preparation (expansion and dry run, jobs/prepare.py) has a lease like an item's: the process that
    # expands or plans the batch holds it and renews it every chunk; a prepare message on its way gives a
    # deadline with no owner. The reconciler sends prepare again for a batch still expanding or planning
    # whose lease or deadline ran out (a preparer killed mid-way, a message lost).
    prepare_owner: Mapped[str | None] = mapped_column(String(KEY))
    prepare_until: Mapped[dt.datetime | None] = mapped_column()

    # Deleting a batch deletes its items (the foreign key says ON DELETE CASCADE). Without ``delete`` here
    # the ORM would instead load every item and set its batch_id to NULL, leaving orphans in the history.
    transfers: Mapped[list[Transfer]] = relationship(
        back_populates="batch",
        order_by="Transfer.position",
        cascade="save-update, merge, delete",
        passive_deletes=True,
    )


class Transfer(Base):
    """One file from a source wiki to a target wiki, with everything needed to run, resume and explain it.

    ``plan`` is the serialised TransferPlan (source versions with sha1s, target title, page text…); a retry
    re-checks it against the target before any byte moves. ``lease_owner``/``lease_until`` say which
    worker runs it and until when that claim holds; the reconciler re-queues an expired claim.
    """

    __tablename__ = "transfers"
    __table_args__ = (
        # history (store.history): a user's transfers newest first (keyset on id), filtered by one column
        # at a time; each equality filter is walked backwards from the cursor on its (…, column, id) index.
        Index(None, "user_id", "id"),
        Index(None, "user_id", "state", "id"),
        Index(None, "user_id", "source_wiki", "id"),
        Index(None, "user_id", "target_wiki", "id"),
        # the date range → id range probe: with id in it the probe is index-only on PostgreSQL too
        # (InnoDB and SQLite add the primary key to every index anyway)
        Index(None, "user_id", "created_at", "id"),
        Index(None, "batch_id", "id"),  # history of one batch (a batch has one user)
        Index(None, "batch_id", "position"),  # a batch's items in order
        # the reconciler: active items whose lease ran out
        Index(None, "state", "lease_until"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order within the batch
    source_input: Mapped[str] = mapped_column(Text)  # what the user gave (URL, WIKI:File:X)
    source_wiki: Mapped[str | None] = mapped_column(String(WIKI))
    source_title: Mapped[str | None] = mapped_column(String(TITLE))
    source_url: Mapped[str | None] = mapped_column(Text)
    target_wiki: Mapped[str] = mapped_column(String(WIKI))
    requested_title: Mapped[str | None] = mapped_column(String(TITLE))  # the user's rename, if any
    target_title: Mapped[str | None] = mapped_column(String(TITLE))
    target_url: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(STATE), default=TransferState.PLANNED.value)
    outcome: Mapped[str | None] = mapped_column(String(STATE))  # done|already_done|blocked|failed
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)  # left out of the batch by the user
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)  # stop at the next step
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)  # per item: mark source, article…
    # none_as_null: "not planned yet" is SQL NULL (``plan IS NULL`` finds it), not the JSON value null.
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    report: Mapped[list[Any]] = mapped_column(default=list)  # check results: [{id, outcome, key, params}]
    sha1s: Mapped[list[Any]] = mapped_column(default=list)  # the source versions, oldest first
    version_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_count: Mapped[int] = mapped_column(Integer, default=0)
    steps_done: Mapped[list[Any]] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(KEY))
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    not_before: Mapped[dt.datetime | None] = mapped_column()  # retry_wait: not again before this time
    current_step: Mapped[str | None] = mapped_column(String(KEY))
    step_params: Mapped[list[Any]] = mapped_column(default=list)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    error_key: Mapped[str | None] = mapped_column(String(KEY))
    error_params: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()

    batch: Mapped[Batch | None] = relationship(back_populates="transfers")


class Event(Base):
    """Something that happened to a transfer or batch: a state change, an attempt, a step, an API error,
    a warning. Kept for the history's details view; ``key``/``params`` render in the reader's language."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "transfer_id", "id"), Index(None, "batch_id", "id"), MYSQL_TABLE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(STATE))  # state|attempt|step|api_error|warning|error|info
    key: Mapped[str] = mapped_column(String(KEY))
    params: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[str | None] = mapped_column(Text)  # the wiki's own words, for logs and experts


class WikiSlot(Base):
    """One of the N concurrent-work slots of a wiki, shared by every worker through the database.

    A worker takes a slot with a conditional UPDATE (free, or its holder's claim expired) before it talks
    to the wiki, and gives it back after; so the cap holds across processes and machines without Redis.
    ``pause_until`` (on slot 0) spaces all work on the wiki after a ``ratelimited`` or ``maxlag`` answer.
    """

    __tablename__ = "wiki_slots"
    __table_args__ = (MYSQL_TABLE,)

    wiki: Mapped[str] = mapped_column(String(WIKI), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(KEY))
    until: Mapped[dt.datetime | None] = mapped_column()
    pause_until: Mapped[dt.datetime | None] = mapped_column()


TRANSFER_STATES = tuple(s.value for s in TransferState)
