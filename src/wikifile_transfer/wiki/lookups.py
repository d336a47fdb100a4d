"""The ``Lookups`` the wikitext pipeline asks, answered by the source and target wikis and Wikidata.

Why here and not in the steps: steps stay pure (testable offline, ``convert --offline``); everything
that needs HTTP is batched in this one place, 50 titles a request, and remembered per transfer, so a
description with 30 categories costs one or two requests and not thirty.

Category ``Category:Sunsets`` on the source becomes ``Kategorie:Sonnenuntergänge`` on a German target
in two steps:

1. ``prop=langlinks`` on the source, with ``lllang`` set to the interwiki prefix that points at the
   target (found in the source's interwiki map, so only a link that really leads to the target wiki
   counts: an ``en:`` langlink from a German wiki is English Wikipedia, not Commons, even though
   Commons' language is ``en``). The same request follows redirects, so a redirected category or
   template is looked up under the title it redirects to.
2. For existing pages without such a langlink, and only with a WikidataClient: the Wikidata item of the
   source page (``wbgetentities&sites=<source dbname>&titles=…``) and its sitelink to the target's
   dbname (``general.wikiid``: ``commonswiki``, ``dewiki``).

An answer counts only when it is in the expected namespace on the target (a category item that links
to an article is ignored), and is written with the target's local namespace name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wikifile_transfer.errors import InputError
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.registry import api_key
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.wikidata import WikidataClient

BATCH = 50
"""Titles a request: the API's limit without ``apihighlimits``."""
CATEGORY_NS = 14
TEMPLATE_NS = 10
_MAX_RENAME_HOPS = 5  # normalised -> redirect -> converted; never loop on a strange answer


@dataclass
class TitleQuery:
    """Answer of a batched ``action=query&titles=…``: where each asked title ended up, and the pages."""

    final: dict[str, str] = field(default_factory=dict)  # asked title -> title of the page answered
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # page title -> page (merged)
    curtimestamp: str | None = None  # the wiki's clock, when ``curtimestamp=1`` was asked for

    def page(self, asked: str) -> dict[str, Any] | None:
        return self.pages.get(self.final.get(asked, asked))


def query_titles(api: ApiClient, titles: Sequence[str], params: Mapping[str, object]) -> TitleQuery:
    """``action=query`` for ``titles``, 50 a request, following ``continue``; lists in pages (langlinks…)
    are merged across continuations.

    Why not ``ApiClient.query_pages``: it reports one ``from_title`` per page, so when two asked titles
    end on one page (``Category:sunsets`` and ``Category:Sunsets``, or two redirects to one template)
    all but one asked title would get no answer. Here every asked title is mapped.
    """
    result = TitleQuery()
    for start in range(0, len(titles), BATCH):
        batch = list(titles[start : start + BATCH])
        renames: dict[str, str] = {}
        for body in api.query_continue({**params, "titles": batch}):
            if isinstance(body.get("curtimestamp"), str):
                result.curtimestamp = body["curtimestamp"]
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
                    _merge_page(result.pages, title, page)
        for asked in batch:
            final = asked
            for _ in range(_MAX_RENAME_HOPS):
                nxt = renames.get(final)
                if nxt is None or nxt == final:
                    break
                final = nxt
            result.final[asked] = final
    return result


def page_exists(page: Mapping[str, Any] | None) -> bool:
    """True for a page the wiki shows as existing: a real page, or one that is ``known`` without a local
    page (a file from the shared repository, a MediaWiki: message), since a link to it is blue."""
    if page is None or page.get("invalid"):
        return False
    return not page.get("missing") or bool(page.get("known"))


class WikiLookups:
    """``Lookups`` for one transfer from ``source`` to ``target``; every answer is cached per instance."""

    def __init__(self, source: Wiki, target: Wiki, wikidata: WikidataClient | None = None) -> None:
        self.source = source
        self.target = target
        self.wikidata = wikidata
        self._categories: dict[str, str | None] = {}
        self._templates: dict[str, str | None] = {}
        self._exists: dict[str, bool] = {}
        self._prefix: tuple[str | None] | None = None

    # --- Lookups ---------------------------------------------------------------------------------

    def category_links(self, titles: Iterable[str]) -> Mapping[str, str]:
        """Source category titles → target category titles with the target's namespace name."""
        wanted = _unique(titles)
        todo = [title for title in wanted if title not in self._categories]
        if todo:
            found = self._linked(todo, CATEGORY_NS)
            for title in todo:
                match = found.get(title)
                self._categories[title] = match[0] if match else None
        return {title: target for title in wanted if (target := self._categories[title]) is not None}

    def template_links(self, names: Iterable[str]) -> Mapping[str, str]:
        """Source template names (no namespace) → target template names (no namespace)."""
        wanted = _unique(names)
        todo = [name for name in wanted if name not in self._templates]
        if todo:
            asked = {f"Template:{name}": name for name in todo}
            found = self._linked(list(asked), TEMPLATE_NS)
            for title, name in asked.items():
                match = found.get(title)
                self._templates[name] = match[1] if match else None
        return {name: target for name in wanted if (target := self._templates[name]) is not None}

    def existing_on_target(self, titles: Iterable[str]) -> set[str]:
        """The titles (as given, ``Category:X`` too on a German wiki) that exist on the target."""
        wanted = _unique(titles)
        todo = [title for title in wanted if title not in self._exists]
        if todo:
            answer = query_titles(self.target.api, todo, {})
            for title in todo:
                self._exists[title] = page_exists(answer.page(title))
        return {title for title in wanted if self._exists[title]}

    # --- internals -------------------------------------------------------------------------------

    def langlink_prefix(self) -> str | None:
        """The interwiki prefix on the source whose URL is the target's article path (``de``), or None
        when the source has no interwiki link to the target (then langlinks cannot lead there)."""
        if self._prefix is None:
            self._prefix = (self._find_prefix(),)
        return self._prefix[0]

    def _find_prefix(self) -> str | None:
        if api_key(self.source.api_url) == api_key(self.target.api_url):
            return None
        source, target = self.source.siteinfo(), self.target.siteinfo()
        pattern = _without_scheme(target.server + target.articlepath)
        matches = sorted(p for p, url in source.interwiki.items() if _without_scheme(url) == pattern)
        if not matches:
            return None
        return target.lang if target.lang in matches else matches[0]

    def _linked(self, titles: list[str], namespace: int) -> dict[str, tuple[str, str]]:
        """Asked source title → (target title, its text without namespace) for the titles that have
        a counterpart in ``namespace`` on the target, by langlinks first and Wikidata second."""
        prefix = self.langlink_prefix()
        if prefix is None and self.wikidata is None:
            return {}  # no way to find a counterpart: no request at all
        params: dict[str, object] = {"redirects": True}
        if prefix is not None:
            params.update({"prop": "langlinks", "lllang": prefix, "lllimit": "max"})
        answer = query_titles(self.source.api, titles, params)
        found: dict[str, tuple[str, str]] = {}
        pending: dict[str, str] = {}  # asked -> the source page's own title, for Wikidata
        for asked in titles:
            page = answer.page(asked)
            if page is None or page.get("missing") or page.get("invalid"):
                continue  # no source page, so no langlinks and no Wikidata item either
            for link in _maps(page.get("langlinks")):
                target = self._on_target(link.get("title"), namespace)
                if link.get("lang") == prefix and target is not None:
                    found[asked] = target
                    break
            else:
                pending[asked] = str(page["title"])
        if pending and self.wikidata is not None:
            found.update(self._by_wikidata(self.wikidata, pending, namespace))
        return found

    def _by_wikidata(
        self, wikidata: WikidataClient, pending: Mapping[str, str], namespace: int
    ) -> dict[str, tuple[str, str]]:
        source_id, target_id = self.source.siteinfo().wikiid, self.target.siteinfo().wikiid
        if not source_id or not target_id:
            return {}  # a wiki without a dbname has no sitelinks
        links = wikidata.sitelinks_by_titles(source_id, list(dict.fromkeys(pending.values())))
        found: dict[str, tuple[str, str]] = {}
        for asked, title in pending.items():
            target = self._on_target(links.get(title, {}).get(target_id), namespace)
            if target is not None:
                found[asked] = target
        return found

    def _on_target(self, title: object, namespace: int) -> tuple[str, str] | None:
        """(normalised target title, text without namespace) if ``title`` is in ``namespace`` there."""
        if not isinstance(title, str) or not title:
            return None
        site = self.target.siteinfo()
        try:
            full = site.normalize(title)
        except InputError:
            return None
        ns, rest = site.split_title(full)
        return (full, rest) if ns == namespace else None


def _unique(items: Iterable[str]) -> list[str]:
    return [item for item in dict.fromkeys(items) if item and item.strip()]


def _maps(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _merge_page(pages: dict[str, dict[str, Any]], title: str, page: Mapping[str, Any]) -> None:
    """Keep one copy per page; a continuation's lists (langlinks) extend the ones seen before."""
    old = pages.get(title)
    if old is None:
        pages[title] = dict(page)
        return
    for key, value in page.items():
        if isinstance(old.get(key), list) and isinstance(value, list):
            old[key] = old[key] + value
        else:
            old[key] = value


def _without_scheme(url: str) -> str:
    """``https://de.wikipedia.org/wiki/$1`` and ``//de.wikipedia.org/wiki/$1`` compare equal."""
    rest = url.split("//", 1)[1] if "//" in url else url
    host, sep, path = rest.partition("/")
    return host.lower() + sep + path
