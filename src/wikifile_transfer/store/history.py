"""A user's transfer history: filters and keyset pagination, always scoped to one user.

Why keyset (``id < cursor ORDER BY id DESC``) and not OFFSET: page 20 of an OFFSET query reads and throws
away 950 rows, and rows inserted while the user pages (a batch is running) shift every page by one. A
cursor costs the same on every page and never repeats or skips a row. Ids grow with time, so "newest first
by id" is "newest first by creation".

Why ``user_id`` is a required argument and not a filter: per-user isolation is a security rule (DESIGN.md);
a query that forgot it would show someone else's files. Here it cannot be forgotten.

How each filter stays fast at 100,000+ rows (bench/history.py measures it on MariaDB, SQLite, PostgreSQL;
the figures below are from that run):

* every page is one ordered walk of an index ``(…, id)`` backwards from the cursor that stops after
  ``limit + 1`` matching rows. The index is that of the narrowest equality filter given: batch, else
  target wiki, else source wiki, else state, else ``(user_id, id)``; other filters are checked on the
  rows walked. On MariaDB the index is named in a ``FORCE INDEX`` hint (see :func:`_walk`): left to
  itself, MariaDB 10 walked from the user's newest row down to the cursor, so page 400 cost 70 ms;
* several states and nothing narrower: one walk of ``(user_id, state, id)`` per state, merged (``UNION
  ALL`` of ``limit + 1`` ids each), so rare states cost as little as common ones. A plain ``state IN
  (…)`` walked (user_id, id) through the user's whole history when the states were rare (SQLite: 30-45
  ms at 36,000 rows);
* a date range first becomes an id range: one index-only probe of ``(user_id, created_at, id)`` finds the
  smallest and largest id created in the range, and the walk is bounded by both. The dates are still
  checked on every row, so this is exact even where clocks and ids disagree. Without it a month two years
  back walked two years of rows (MariaDB p95 140 ms, PostgreSQL 130 ms);
* the title text (``%text%``) cannot use a B-tree at all. It walks the user's rows newest first, but at
  most :data:`TEXT_SCAN_ROWS` of them per page: when that window is used up before the page is full, the
  page comes back short with ``partial=True`` and a cursor to search further back. Every request stays
  bounded whatever the history's size (a rare text in 36,000 rows took 100-160 ms in one go on MariaDB
  and PostgreSQL; a 5,000-row window takes 15-30 ms). A trigram index (PostgreSQL pg_trgm) or a FULLTEXT
  index (MariaDB, whole words only) would each serve one backend; the window works the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, union_all
from sqlalchemy.orm import Session

from wikifile_transfer.errors import InputError
from wikifile_transfer.store.models import TITLE, WIKI, Transfer
from wikifile_transfer.store.states import TransferState

MAX_LIMIT = 500
TEXT_SCAN_ROWS = 5000
"""At most this many of a user's transfers are searched for a title text per page (see the module doc)."""
_LIKE_ESCAPE = "!"
S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """What the history shows; every field left empty means "any".

    ``created_from`` is inclusive and ``created_to`` exclusive (aware datetimes), so consecutive ranges
    never count a transfer twice. ``text`` matches the source or the target title anywhere,
    case-insensitively (on SQLite only for ASCII letters: its lower() knows no other); ``_`` in it means a
    space, as in MediaWiki titles.
    """

    states: Sequence[TransferState | str] = ()
    source_wiki: str | None = None
    target_wiki: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    batch_id: int | None = None
    text: str | None = None

    def validated(self) -> HistoryFilter:
        """The same filter with states as sorted values, checked. Raises InputError on nonsense (the web
        API validates at the edge too, but the CLI and library callers come straight here)."""
        states: set[str] = set()
        for state in [self.states] if isinstance(self.states, str) else self.states:  # "done" is one state
            try:
                states.add(TransferState(state).value)
            except ValueError:
                raise InputError(str(state)) from None
        for when in (self.created_from, self.created_to):
            if when is not None and when.tzinfo is None:
                raise InputError(when.isoformat())
        for wiki in (self.source_wiki, self.target_wiki):
            if wiki is not None and len(wiki) > WIKI:
                raise InputError(wiki[:50] + "…")
        if self.text is not None and len(self.text) > TITLE:
            raise InputError(self.text[:50] + "…")
        return HistoryFilter(
            states=tuple(sorted(states)),
            source_wiki=self.source_wiki,
            target_wiki=self.target_wiki,
            created_from=self.created_from,
            created_to=self.created_to,
            batch_id=self.batch_id,
            text=self.text.strip() if self.text else None,
        )


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page, newest first.

    ``next_after_id`` is the cursor of the next page (None on the last page). ``partial`` says the page is
    short because the title search window ended, not because nothing older matches: call again with the
    cursor to search further back.
    """

    rows: list[Transfer] = field(default_factory=list)
    next_after_id: int | None = None
    partial: bool = False


def _like_pattern(text: str) -> str:
    escaped = text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%").replace("_", " ")
    return f"%{escaped}%"


def _index(*columns: str) -> str:
    """The name of Transfer's index on exactly these columns (a KeyError here means models.py lost an
    index the history relies on)."""
    for index in Transfer.metadata.tables[Transfer.__tablename__].indexes:
        if tuple(c.name for c in index.columns) == columns:
            return str(index.name)
    raise KeyError(columns)


WALK_ALL = _index("user_id", "id")
WALK_STATE = _index("user_id", "state", "id")
WALK_SOURCE = _index("user_id", "source_wiki", "id")
WALK_TARGET = _index("user_id", "target_wiki", "id")
WALK_BATCH = _index("batch_id", "id")


def _walk(statement: S, index: str) -> S:
    """Tell MariaDB/MySQL which index to walk (a no-op elsewhere).

    Why: given ``user_id = ? AND id < ? ORDER BY id DESC LIMIT n``, MariaDB 10.x switches to the ordering
    index with a *ref* on user_id alone and drops the id range, so it walks from the user's newest row
    down to the cursor: page 400 of a history read 20,000 rows (70 ms), a month two years back 60-110 ms.
    Forcing the index makes it use the range on all its columns. PostgreSQL and SQLite plan this well."""
    hint = f"FORCE INDEX ({index})"
    return statement.with_hint(Transfer, hint, dialect_name="mysql").with_hint(
        Transfer, hint, dialect_name="mariadb"
    )


def _created_id_range(session: Session, user_id: int, flt: HistoryFilter) -> tuple[int, int] | None:
    """The smallest and largest id of the user's transfers created in the filter's date range (None when
    there is none): an exact bound, since it is taken over the very rows the date condition selects."""
    conditions: list[ColumnElement[bool]] = [Transfer.user_id == user_id]
    if flt.created_from is not None:
        conditions.append(Transfer.created_at >= flt.created_from)
    if flt.created_to is not None:
        conditions.append(Transfer.created_at < flt.created_to)
    # ``id + 0``: PostgreSQL rewrites a bare min(id)/max(id) into "walk the primary key from one end until
    # a row matches", which reads every row outside the range (90 ms for a month in 100,000 rows). The
    # expression keeps it on the (user_id, created_at, id) range, like MariaDB and SQLite do anyway.
    low, high = session.execute(
        select(func.min(Transfer.id + 0), func.max(Transfer.id + 0)).where(*conditions)
    ).one()
    return None if low is None else (int(low), int(high))


def _text_window_floor(session: Session, user_id: int, below: int | None, rows: int) -> int | None:
    """The id of the user's ``rows``-th newest transfer below ``below`` (None when fewer remain): the
    lower end of this page's title search window. An index-only walk of (user_id, id)."""
    stmt = select(Transfer.id).where(Transfer.user_id == user_id)
    if below is not None:
        stmt = stmt.where(Transfer.id < below)
    return session.scalar(_walk(stmt.order_by(Transfer.id.desc()).offset(rows - 1).limit(1), WALK_ALL))


@dataclass(frozen=True, slots=True)
class _Plan:
    statement: Select[Transfer] | None  # None: nothing can match
    window_floor: int | None  # the title search stopped here (exclusive of older rows)


def history_statement(
    session: Session,
    user_id: int,
    flt: HistoryFilter,
    after_id: int | None = None,
    *,
    limit: int = 50,
    text_scan_rows: int = TEXT_SCAN_ROWS,
) -> tuple[Select[Transfer] | None, int | None]:
    """The SELECT of one page (``limit + 1`` rows, so the caller knows whether another page follows) and
    the floor of the title search window, for EXPLAIN and the benchmark. ``flt`` must be
    :meth:`HistoryFilter.validated`. May run the small index probes described in the module docstring.
    Statement None: nothing can match."""
    plan = _plan(session, user_id, flt, after_id, limit=limit, text_scan_rows=text_scan_rows)
    return plan.statement, plan.window_floor


def _plan(
    session: Session,
    user_id: int,
    flt: HistoryFilter,
    after_id: int | None,
    *,
    limit: int,
    text_scan_rows: int,
) -> _Plan:
    conditions: list[ColumnElement[bool]] = [Transfer.user_id == user_id]
    upper = after_id  # exclusive
    lower: int | None = None  # inclusive
    if flt.created_from is not None or flt.created_to is not None:
        bounds = _created_id_range(session, user_id, flt)
        if bounds is None:
            return _Plan(None, None)
        lower = bounds[0]
        upper = bounds[1] + 1 if upper is None else min(upper, bounds[1] + 1)
        if flt.created_from is not None:
            conditions.append(Transfer.created_at >= flt.created_from)
        if flt.created_to is not None:
            conditions.append(Transfer.created_at < flt.created_to)
    window_floor: int | None = None
    if flt.text:
        floor = _text_window_floor(session, user_id, upper, text_scan_rows)
        if floor is not None and (lower is None or floor > lower):
            lower = window_floor = floor
        pattern = _like_pattern(flt.text)
        conditions.append(
            or_(
                Transfer.source_title.ilike(pattern, escape=_LIKE_ESCAPE),
                Transfer.target_title.ilike(pattern, escape=_LIKE_ESCAPE),
            )
        )
    if upper is not None:
        conditions.append(Transfer.id < upper)
    if lower is not None:
        conditions.append(Transfer.id >= lower)
    # The walk: the index of the most selective equality filter, newest first from the cursor.
    if flt.source_wiki is not None:
        conditions.append(Transfer.source_wiki == flt.source_wiki)
    if flt.target_wiki is not None:
        conditions.append(Transfer.target_wiki == flt.target_wiki)
    if flt.batch_id is not None:
        conditions.append(Transfer.batch_id == flt.batch_id)
    if flt.batch_id is not None:
        index = WALK_BATCH
    elif flt.target_wiki is not None:
        index = WALK_TARGET
    elif flt.source_wiki is not None:
        index = WALK_SOURCE
    elif flt.states:
        index = WALK_STATE
    else:
        index = WALK_ALL
    if len(flt.states) > 1 and index == WALK_STATE:
        # Several states and nothing narrower: one walk of (user_id, state, id) per state, then the newest
        # of their union, so rare states cost as little as common ones.
        walks = [
            _walk(
                select(Transfer.id)
                .where(*conditions, Transfer.state == state)
                .order_by(Transfer.id.desc())
                .limit(limit + 1),
                WALK_STATE,
            ).subquery()
            for state in flt.states
        ]
        ids = union_all(*(select(walk.c.id) for walk in walks)).subquery()
        statement = select(Transfer).join(ids, Transfer.id == ids.c.id)
    else:
        if len(flt.states) == 1:
            conditions.append(Transfer.state == flt.states[0])
        elif flt.states:
            conditions.append(Transfer.state.in_(list(flt.states)))
        statement = _walk(select(Transfer).where(*conditions), index)
    return _Plan(statement.order_by(Transfer.id.desc()).limit(limit + 1), window_floor)


def history_page(
    session: Session,
    user_id: int,
    flt: HistoryFilter | None = None,
    after_id: int | None = None,
    limit: int = 50,
    *,
    text_scan_rows: int = TEXT_SCAN_ROWS,
) -> HistoryPage:
    """One page of ``user_id``'s transfers matching ``flt``, newest first, after the cursor ``after_id``
    (the ``next_after_id`` of the previous page; None for the first page)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(str(limit))
    if text_scan_rows < 1:
        raise ValueError("text_scan_rows must be positive")
    plan = _plan(
        session,
        user_id,
        (flt or HistoryFilter()).validated(),
        after_id,
        limit=limit,
        text_scan_rows=text_scan_rows,
    )
    if plan.statement is None:
        return HistoryPage()
    rows = list(session.scalars(plan.statement))
    if len(rows) > limit:
        rows = rows[:limit]
        return HistoryPage(rows, rows[-1].id)
    if plan.window_floor is not None:
        return HistoryPage(rows, plan.window_floor, partial=True)
    return HistoryPage(rows)
