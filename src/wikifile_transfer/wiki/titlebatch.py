"""``action=query&titles=…`` over a *stream* of titles: 50 a request, continuations merged, every asked
title mapped to its page.

Why another helper next to ``ApiClient.query_pages`` and ``lookups.query_titles``: batches read
thousands of titles coming out of a generator (a category listing, a URL list), so the input must be
consumed 50 at a time instead of being a Sequence held in memory; every *asked* title must find its
answer even when several of them end on one page (``File:a.png`` and ``File:A.png``), which
``query_pages`` does not do; and the callers need the ``limits`` the wiki reports for ``…limit=max``,
because ``prop=imageinfo`` with several titles cuts a long file history at ``iilimit`` **without** a
continuation (MediaWiki 1.39 only continues a file's history when one title was asked; observed on the
testbed, see ``transfer/batchsource.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wikifile_transfer.wiki.api import ApiClient

BATCH = 50
"""Titles a request: the API's limit without ``apihighlimits`` (bots get 500, but 50 is always safe)."""
DEFAULT_MAX_LIMIT = 500
"""What ``max`` means for a client without ``apihighlimits``: assumed when the answer has no ``limits``."""
_MAX_RENAME_HOPS = 5  # normalised -> redirect -> converted; never loop on a strange answer

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), reading only one list ahead."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


@dataclass
class TitleBatch:
    """The answer for one batch of asked titles (at most ``BATCH``)."""

    asked: list[str]
    final: dict[str, str] = field(default_factory=dict)  # asked title -> title of the page answered
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # page title -> page, merged
    limits: dict[str, int] = field(default_factory=dict)  # module -> the number "max" stood for
    requests: int = 0  # HTTP requests this batch took (continuations included)

    def page(self, asked: str) -> dict[str, Any] | None:
        """The page the wiki answered for ``asked`` (None when the answer has none, which MediaWiki
        does not do: missing and invalid titles come back as pages with a flag)."""
        return self.pages.get(self.final.get(asked, asked))


def effective_limit(asked: int | str, reported: int | None) -> int:
    """The number a ``…limit`` parameter stood for: itself when a number, else (``max``) what the wiki
    reported in ``limits``, else :data:`DEFAULT_MAX_LIMIT`."""
    if isinstance(asked, int):
        return asked
    if asked.isdigit():
        return int(asked)
    return reported if reported is not None else DEFAULT_MAX_LIMIT


def query_batch(api: ApiClient, titles: Sequence[str], params: Mapping[str, object]) -> TitleBatch:
    """One ``action=query`` for ``titles`` (at most 50), following ``continue`` to the end.

    Lists inside a page (``imageinfo``, ``categories``, ``revisions``…) are concatenated across
    continuations; MediaWiki does not repeat a finished module in a continuation, so nothing doubles.
    """
    batch = TitleBatch(asked=list(titles))
    renames: dict[str, str] = {}
    for body in api.query_continue({**params, "action": "query", "titles": batch.asked}):
        batch.requests += 1
        limits = body.get("limits")
        if isinstance(limits, Mapping):
            for module, value in limits.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    batch.limits[str(module)] = value
        query = body.get("query")
        if not isinstance(query, Mapping):
            continue
        for key in ("normalized", "converted", "redirects"):
            for item in _maps(query.get(key)):
                source, target = item.get("from"), item.get("to")
                if isinstance(source, str) and isinstance(target, str):
                    renames[source] = target
        for page in _maps(query.get("pages")):
            title = page.get("title")
            if isinstance(title, str):
                merge_page(batch.pages, title, page)
    for asked in batch.asked:
        final = asked
        for _ in range(_MAX_RENAME_HOPS):
            nxt = renames.get(final)
            if nxt is None or nxt == final:
                break
            final = nxt
        batch.final[asked] = final
    return batch


def query_batches(
    api: ApiClient, titles: Iterable[str], params: Mapping[str, object], *, batch_size: int = BATCH
) -> Iterator[TitleBatch]:
    """:func:`query_batch` for every ``batch_size`` titles of ``titles``, lazily: the next request is
    sent only when the caller asks for the next batch."""
    for chunk in chunks(titles, batch_size):
        yield query_batch(api, chunk, params)


def merge_page(pages: dict[str, dict[str, Any]], title: str, page: Mapping[str, Any]) -> None:
    """Keep one copy per page; a continuation's lists extend the ones seen before."""
    old = pages.get(title)
    if old is None:
        pages[title] = dict(page)
        return
    for key, value in page.items():
        if isinstance(old.get(key), list) and isinstance(value, list):
            old[key] = old[key] + value
        else:
            old[key] = value


def _maps(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]
