"""Many SourceFiles in few requests: the reader of a batch (issue 5) within the API budget of issue 8.

``fetch_source`` costs two requests a file (the page with its versions, then the page history). For a
batch that would be two requests per item before a single byte moves, so here the first request is
made for 50 titles at once, and the second is only sent where it can change the answer.

What MediaWiki 1.39 does with several titles in one request (all seen on the testbed):

* ``prop=imageinfo&iilimit=max``: every version of every file, **but a history longer than the limit
  is cut without a continuation** (``ApiQueryImageInfo`` only continues a file's history when one title
  was asked). ``limits.imageinfo`` in the answer says what ``max`` meant (500, 5000 with
  ``apihighlimits``); a file that shows that many versions is read again on its own with
  :func:`fetch_source`, which follows ``iistart``. A result larger than ``$wgAPIMaxResultSize`` is
  continued with ``iicontinue`` as usual.
* ``prop=revisions`` with content: with several titles only the **latest** revision of each page (with
  its text) is returned; ``rvlimit``, ``rvdir``, ``rvstart``… are refused (``invalidparammix``). Text
  beyond the 8 MiB result limit comes in a continuation (``rvcontinue``, with the finished modules
  skipped), so 50 long pages still arrive whole.
* ``prop=categories`` / ``prop=templates``: ``cllimit``/``tllimit`` count over all titles together and
  continue with ``clcontinue``/``tlcontinue``; the lists are merged per page.
* ``prop=contributors`` works for many titles (``pclimit`` counts over all of them, ``pccontinue``),
  but names only registered users, **ordered by user id**, and anonymous editors only as a count
  (``anoncontributors``). It cannot give "authors in the order of their first edit"
  (``SourceFile.authors``), so it serves only as a cross-check (below).
* ``revids=…`` (50 a request) with ``prop=revisions`` without content answers any revisions, of any
  pages, each with its ``parentid``; an unknown id comes back in ``badrevids``.

So the page history (``SourceFile.revisions``, and ``authors`` from it) is built for many pages at once
by walking back from the latest revision, which comes with every page: each round asks for the parent
of every page still walking, 50 a request. A history is accepted when its walk ends at a revision
without parent and the users met are exactly the page's ``contributors`` (registered names, and as
many distinct anonymous ones as ``anoncontributors``); a one-revision history also needs the page to be
``new``. Any other page (a walk that meets a deleted revision, another page's revision or a loop, a
mismatch with ``contributors``, or still walking after ``history_rounds`` rounds or when it is the last
one walking) gets ``fetch_source``'s own history request (``rvlimit=max``, one title). What the
cross-check cannot see: revisions that sit outside the parent chain *and* add no new user (after a
history merge or an import of older revisions into an existing page, a page may hold revisions that no
``parentid`` leads to); such a page would show fewer ``revisions`` than ``fetch_source`` gives, with the
same authors unless the missing revision is an earlier edit of a user already in the chain.
``history_rounds=0`` turns the walk off: then every history is ``fetch_source``'s, at one request per
page edited after its creation.

A batch of freshly uploaded files therefore costs one request per 50 files; pages edited a few times
(a bot's category, a licence review) cost a few requests per 50 files instead of one per file; every
``SourceFile`` equals the one ``fetch_source`` builds (tested on the testbed, both ways of reading the
history).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from wikifile_transfer.errors import MissingFileError
from wikifile_transfer.transfer.model import PageRevision, SourceFile
from wikifile_transfer.transfer.source import (
    HISTORY_PARAMS,
    SOURCE_PARAMS,
    fetch_source,
    parse_revisions,
    parse_versions,
    source_from_page,
)
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.titlebatch import BATCH, chunks, effective_limit, query_batches

REVIDS_PER_REQUEST = 50
"""``revids`` a request without ``apihighlimits``."""
HISTORY_ROUNDS = 3
"""Rounds of the parent walk: pages with up to four revisions (an upload and a few bot edits, the usual
file page) are read without a request of their own; longer histories get one."""

BATCH_PARAMS: dict[str, object] = {
    **SOURCE_PARAMS,
    "prop": f"{SOURCE_PARAMS['prop']}|contributors",
    "pclimit": "max",
}
WALK_PARAMS: dict[str, object] = {"prop": "revisions", "rvprop": "ids|timestamp|user|comment"}

SourceOrMissing = SourceFile | MissingFileError


def fetch_sources(
    wiki: Wiki,
    titles: Iterable[str],
    *,
    batch_size: int = BATCH,
    iilimit: int | str = "max",
    history_rounds: int = HISTORY_ROUNDS,
) -> Iterator[SourceOrMissing]:
    """For each title of ``titles`` (File titles on ``wiki``), in input order, its SourceFile or the
    MissingFileError ``fetch_source`` would raise.

    Lazy: ``titles`` is read ``batch_size`` at a time and a batch is requested only when the caller
    wants its first item, so a generator of thousands of titles never sits in memory. Other errors
    (the wiki unreachable, an API error) are raised, not yielded: they concern the whole batch, and
    the items already yielded stay valid. ``iilimit`` is for tests that want to see a cut version list
    read again; ``history_rounds`` bounds the parent walk (0: one history request per edited page).
    """
    params = {**BATCH_PARAMS, "iilimit": iilimit}
    for batch in query_batches(wiki.api, titles, params, batch_size=batch_size):
        cut_at = effective_limit(iilimit, batch.limits.get("imageinfo"))
        walking: dict[str, dict[str, Any]] = {}
        for asked in batch.asked:
            page = batch.page(asked)
            if page is None or not _readable(page) or page.get("missing"):
                continue
            if len(page.get("imageinfo", [])) < cut_at:
                walking.setdefault(str(page.get("title", asked)), page)
        histories = read_histories(wiki, walking, rounds=history_rounds)
        for asked in batch.asked:
            try:
                yield _source(wiki, asked, batch.page(asked), cut_at, histories)
            except MissingFileError as err:
                yield err


def _readable(page: dict[str, Any] | None) -> bool:
    """A page with a file whose versions can be read (else ``fetch_source`` raises MissingFileError)."""
    if page is None or page.get("invalid"):
        return False
    return bool(page.get("imagerepository")) and bool(parse_versions(page))


def _source(
    wiki: Wiki,
    asked: str,
    page: dict[str, Any] | None,
    cut_at: int,
    histories: Mapping[str, list[PageRevision]],
) -> SourceFile:
    if page is None or not _readable(page):
        raise MissingFileError(asked, wiki.name)
    if len(page.get("imageinfo", [])) >= cut_at:
        return fetch_source(wiki, asked)  # the version list may have been cut: ask for this file alone
    revisions: list[PageRevision] = []
    if not page.get("missing"):
        revisions = histories[str(page.get("title", asked))]
    return source_from_page(wiki, asked, page, revisions)


# --- page histories -------------------------------------------------------------------------------


@dataclass
class _Walk:
    """The walk back from one page's latest revision."""

    title: str
    page: dict[str, Any]
    revisions: list[dict[str, Any]] = field(default_factory=list)
    next_revid: int = 0  # the parent still to fetch; 0 when the walk reached the first revision
    broken: bool = False

    def add(self, revision: Mapping[str, Any]) -> None:
        revid = revision.get("revid")
        if any(r.get("revid") == revid for r in self.revisions):
            self.broken = True  # a loop: never trust it
            return
        self.revisions.append(dict(revision))
        parent = revision.get("parentid")
        self.next_revid = parent if isinstance(parent, int) and not isinstance(parent, bool) else 0

    @property
    def walking(self) -> bool:
        return self.next_revid != 0 and not self.broken


def read_histories(
    wiki: Wiki, pages: Mapping[str, dict[str, Any]], *, rounds: int = HISTORY_ROUNDS
) -> dict[str, list[PageRevision]]:
    """Page title → history (as ``fetch_source`` reads it) for ``pages``, answers of ``BATCH_PARAMS``
    (latest revision and ``contributors`` of each). See the module documentation for the walk."""
    walks: dict[str, _Walk] = {}
    for title, page in pages.items():
        walk = _Walk(title, page)
        latest = page.get("revisions")
        if isinstance(latest, list) and len(latest) == 1 and isinstance(latest[0], Mapping):
            walk.add(latest[0])
        else:
            walk.broken = True
        walks[title] = walk
    for _ in range(rounds):
        pending = [walk for walk in walks.values() if walk.walking]
        if len(pending) < 2:
            break  # one page alone: its own history request is cheaper than walking it
        _walk_round(wiki, pending)
    histories: dict[str, list[PageRevision]] = {}
    for title, walk in walks.items():
        if not walk.walking and not walk.broken and consistent(walk.page, walk.revisions):
            histories[title] = parse_revisions([{"revisions": walk.revisions}])
        else:
            histories[title] = parse_revisions(list(wiki.api.query_pages([title], HISTORY_PARAMS)))
    return histories


def _walk_round(wiki: Wiki, pending: list[_Walk]) -> None:
    """One step back for every walk in ``pending``: their parents, 50 revision ids a request."""
    by_revid = {walk.next_revid: walk for walk in pending}
    for chunk in chunks(list(by_revid), REVIDS_PER_REQUEST):
        for body in wiki.api.query_continue({**WALK_PARAMS, "revids": chunk}):
            query = body.get("query")
            if not isinstance(query, Mapping):
                continue
            for page in query.get("pages", []):
                for revision in page.get("revisions", []) if isinstance(page, Mapping) else []:
                    revid = revision.get("revid") if isinstance(revision, Mapping) else None
                    walk = by_revid.get(revid) if isinstance(revid, int) else None
                    if walk is None or walk.next_revid != revid:
                        continue
                    if page.get("pageid") != walk.page.get("pageid"):
                        walk.broken = True  # the parent belongs to another page (a history merge)
                        continue
                    walk.add(revision)
    for revid, walk in by_revid.items():
        if walk.next_revid == revid:
            walk.broken = True  # not answered: deleted (``badrevids``) or hidden from us


def consistent(page: Mapping[str, Any], revisions: list[dict[str, Any]]) -> bool:
    """True when the users of ``revisions`` are the page's ``contributors``: the registered names
    exactly, and as many distinct anonymous (or imported, ``en>Name``) users as ``anoncontributors``.
    Users hidden by an administrator count on neither side."""
    shown = [r for r in revisions if not r.get("userhidden") and isinstance(r.get("user"), str)]
    registered = {str(r["user"]) for r in shown if not r.get("anon")}
    anonymous = {str(r["user"]) for r in shown if r.get("anon")}
    contributors = page.get("contributors", [])
    names = {str(c.get("name")) for c in contributors if isinstance(c, Mapping)}
    anon_count = page.get("anoncontributors", 0)
    if registered != names or len(anonymous) != (anon_count if isinstance(anon_count, int) else -1):
        return False
    return len(revisions) > 1 or bool(page.get("new"))
