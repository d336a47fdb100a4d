"""Which files of a wiki have a given SHA-1: the duplicate checks' look-ups.

``aisha1`` is a single-value parameter (``a|b`` gives ``invalidsha1hash``, the U+001F multi-value form
gives ``badvalue``) and ``prop=duplicatefiles`` only compares files *of the wiki asked*. But one request
may use ``allimages`` twice, as a list (``aisha1``) and as a generator (``gaisha1``): that answers **two
hashes a request**. :class:`Sha1Index` asks each distinct hash once per wiki, two a request, and with
``workers`` > 1 sends those requests a few at a time: on a remote wiki a look-up is mostly waiting, and
a batch of a thousand files asks hundreds of them before the first upload.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from wikifile_transfer.wiki.registry import api_key
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.titlebatch import chunks


class Sha1Index:
    """Which files of a wiki have a given SHA-1 as their current version (``list=allimages&aisha1``),
    asked at most once per (wiki, hash) and two hashes a request.

    ``lookup`` keeps the titles in the order the wiki lists them (by name), whether a hash was asked as
    the list or as the generator of its request. ``workers``: requests in flight at once to one wiki
    (the batch's dry run passes the per-wiki cap of the transfers, ``RunnerSettings.target_cap``).
    """

    def __init__(self, workers: int = 1) -> None:
        self._found: dict[tuple[str, str], list[str]] = {}
        self.requests = 0
        self.workers = max(1, workers)
        self._count_lock = threading.Lock()

    def lookup(self, wiki: Wiki, sha1s: Iterable[str]) -> None:
        """Ask ``wiki`` about every hash of ``sha1s`` not asked before."""
        key = api_key(wiki.api_url)
        todo = [s for s in dict.fromkeys(sha1s) if (key, s) not in self._found]
        pairs = list(chunks(todo, 2))
        if self.workers > 1 and len(pairs) > 1:
            with ThreadPoolExecutor(min(self.workers, len(pairs)), thread_name_prefix="sha1-lookup") as pool:
                answers = list(pool.map(lambda pair: self._ask(wiki, pair), pairs))
        else:
            answers = [self._ask(wiki, pair) for pair in pairs]
        for pair, found in zip(pairs, answers, strict=True):
            for sha1 in pair:
                self._found[(key, sha1)] = found.get(sha1, [])

    def _ask(self, wiki: Wiki, pair: Sequence[str]) -> dict[str, list[str]]:
        params: dict[str, object] = {"list": "allimages", "aisha1": pair[0], "ailimit": "max", "aiprop": ""}
        if len(pair) > 1:
            params.update({"generator": "allimages", "gaisha1": pair[1], "gailimit": "max"})
        found: dict[str, list[str]] = {sha1: [] for sha1 in pair}
        for body in wiki.api.query_continue(params):
            with self._count_lock:
                self.requests += 1
            query = body.get("query", {})
            for image in query.get("allimages", []):
                found[pair[0]].append(str(image.get("title", "")))
            if len(pair) > 1:
                found[pair[1]] += [str(page.get("title", "")) for page in query.get("pages", [])]
        if len(pair) > 1:
            # A generator's pages come in page-id order; the list comes by name (img_name, with
            # underscores, compared as bytes): put the generator's answer in the list's order.
            found[pair[1]] = sorted(dict.fromkeys(found[pair[1]]), key=_name_order)
        return found

    def find(self, wiki: Wiki, sha1s: Sequence[str], *, exclude: str | None = None) -> list[str]:
        """Titles of files on ``wiki`` whose current version has one of ``sha1s`` (other than
        ``exclude``), in the order the wiki lists them; asks for the hashes not known yet."""
        self.lookup(wiki, sha1s)
        key = api_key(wiki.api_url)
        result: list[str] = []
        for sha1 in dict.fromkeys(sha1s):
            for title in self._found[(key, sha1)]:
                if title and title != exclude and title not in result:
                    result.append(title)
        return result


def _name_order(title: str) -> str:
    """The sort key of ``img_name``: the name without namespace, spaces as underscores (code-point
    order is UTF-8 byte order)."""
    return title.split(":", 1)[-1].replace(" ", "_")
