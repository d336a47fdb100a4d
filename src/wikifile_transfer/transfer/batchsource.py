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
  but names only registered users, **ordered by user id**, and anonymous editors only as a count. It
  cannot give "authors in the order of their first edit" (``SourceFile.authors``), so it is not used.

The page history, and with it ``SourceFile.revisions`` and ``authors``, is therefore exact this way:
the latest revision comes with every page; when it has ``parentid`` 0 and the page is ``new`` (the
latest revision created the page) it *is* the whole history, and no further request is sent. Only a
page edited after its creation costs one history request (continued when long), exactly as in
``fetch_source``. So a batch of freshly uploaded files costs one request per 50 files, and every
``SourceFile`` equals the one ``fetch_source`` builds (tested on the testbed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
from wikifile_transfer.wiki.titlebatch import BATCH, TitleBatch, query_batches

DEFAULT_MAX_LIMIT = 500
"""What ``max`` means for a client without ``apihighlimits``: assumed when the answer has no ``limits``."""

SourceOrMissing = SourceFile | MissingFileError


def fetch_sources(
    wiki: Wiki,
    titles: Iterable[str],
    *,
    batch_size: int = BATCH,
    iilimit: int | str = "max",
) -> Iterator[SourceOrMissing]:
    """For each title of ``titles`` (File titles on ``wiki``), in input order, its SourceFile or the
    MissingFileError ``fetch_source`` would raise.

    Lazy: ``titles`` is read ``batch_size`` at a time and a batch is requested only when the caller
    wants its first item, so a generator of thousands of titles never sits in memory. Other errors
    (the wiki unreachable, an API error) are raised, not yielded: they concern the whole batch, and
    the items already yielded stay valid. ``iilimit`` is for tests that want to see a cut history
    being read again with few versions.
    """
    params = {**SOURCE_PARAMS, "iilimit": iilimit}
    for batch in query_batches(wiki.api, titles, params, batch_size=batch_size):
        cut_at = _version_limit(iilimit, batch)
        histories: dict[str, list[PageRevision]] = {}
        for asked in batch.asked:
            try:
                yield _source(wiki, asked, batch.page(asked), cut_at, histories)
            except MissingFileError as err:
                yield err


def _version_limit(iilimit: int | str, batch: TitleBatch) -> int:
    """How many versions a file may show before its list may have been cut."""
    if isinstance(iilimit, int):
        return iilimit
    if iilimit.isdigit():
        return int(iilimit)
    return batch.limits.get("imageinfo", DEFAULT_MAX_LIMIT)


def _source(
    wiki: Wiki,
    asked: str,
    page: dict[str, Any] | None,
    cut_at: int,
    histories: dict[str, list[PageRevision]],
) -> SourceFile:
    if page is None or page.get("invalid"):
        raise MissingFileError(asked, wiki.name)
    if not page.get("imagerepository") or not parse_versions(page):
        raise MissingFileError(asked, wiki.name)
    if len(page.get("imageinfo", [])) >= cut_at:
        return fetch_source(wiki, asked)  # the history may have been cut: ask for this file alone
    revisions: list[PageRevision] = []
    if not page.get("missing"):
        page_title = str(page.get("title", asked))
        if page_title not in histories:
            histories[page_title] = _history(wiki, page_title, page)
        revisions = histories[page_title]
    return source_from_page(wiki, asked, page, revisions)


def only_revision(page: dict[str, Any]) -> bool:
    """True when the latest revision in ``page`` is the page's only one: it created the page (the
    page is ``new``) and has no parent. (A history merge could in theory leave older revisions behind
    such a revision; MediaWiki offers no revision count to rule that out without a request.)"""
    revisions = page.get("revisions")
    if not isinstance(revisions, list) or len(revisions) != 1 or not isinstance(revisions[0], dict):
        return False
    return bool(page.get("new")) and revisions[0].get("parentid") == 0


def _history(wiki: Wiki, page_title: str, page: dict[str, Any]) -> list[PageRevision]:
    if only_revision(page):
        return parse_revisions([page])
    return parse_revisions(list(wiki.api.query_pages([page_title], HISTORY_PARAMS)))
