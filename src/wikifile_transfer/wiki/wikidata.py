"""Wikidata sitelinks: which page on wiki B is "the same" as a page on wiki A.

Why Wikidata and not only langlinks: Commons has no language links, many categories and templates are
connected only through their Wikidata item, and the NowCommons template of each wiki is known only
from the sitelinks of one item (Q5611955, as FileImporter does) instead of a hard-coded table that
goes stale (pywikibot's has about 22 languages).

Only ``wbgetentities`` with ``props=sitelinks`` is used: no labels, no claims, 50 titles or ids a
request (the limit without ``apihighlimits``). Requests go through the project's ApiClient, so
through the guarded HttpClient, with maxlag and backoff like every other wiki.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.siteinfo import clean_spaces

WIKIDATA_API = "https://www.wikidata.org/w/api.php"
BATCH = 50
NOW_COMMONS_ITEM = "Q5611955"
"""Template:Now Commons: its sitelinks name each wiki's local NowCommons template (FileImporter's item)."""


class WikidataClient:
    """Sitelink lookups on a Wikibase repository (Wikidata unless another API is given)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self._items: dict[str, dict[str, str]] = {}

    @classmethod
    def create(cls, http: HttpClient, api_url: str = WIKIDATA_API) -> WikidataClient:
        """A client on ``api_url`` (default Wikidata) sharing ``http`` (and so its guard and counters)."""
        return cls(ApiClient(api_url, http))

    def sitelinks_by_titles(self, site: str, titles: Iterable[str]) -> dict[str, dict[str, str]]:
        """``title`` on ``site`` (a dbname such as ``enwiki``) → all sitelinks of its item (``{siteid:
        title}``). Titles without an item are absent.

        Wikibase matches titles exactly, so pass them as the wiki writes them (normalised, redirects
        resolved). A single title is sent with ``normalize=1`` (Wikibase only normalises one title a
        request); its ``normalized`` answer is mapped back to the title asked for.
        """
        asked = list(dict.fromkeys(titles))
        found: dict[str, dict[str, str]] = {}
        for batch in _batches(asked):
            params: dict[str, object] = {
                "action": "wbgetentities",
                "sites": site,
                "titles": batch,
                "props": "sitelinks",
            }
            if len(batch) == 1:
                params["normalize"] = True
            body = self.api.get(params)
            wanted = {clean_spaces(title): title for title in batch}
            for original, normalised in _normalized(body).items():
                if clean_spaces(original) in wanted:
                    wanted[clean_spaces(normalised)] = wanted[clean_spaces(original)]
            for entity in _entities(body):
                links = _sitelinks(entity)
                title = links.get(site)
                if title is None:
                    continue
                asked_as = wanted.get(clean_spaces(title))
                if asked_as is not None:
                    found[asked_as] = links
        return found

    def sitelinks_of(self, item_id: str) -> dict[str, str]:
        """All sitelinks (``{siteid: title}``) of one item; ``{}`` when the item does not exist.

        A redirected item is answered under its target's id, so a single entity in the answer is taken
        whatever its key. Cached: items like Q5611955 are asked for once per transfer otherwise.
        """
        if item_id not in self._items:
            body = self.api.get({"action": "wbgetentities", "ids": item_id, "props": "sitelinks"})
            entities = body.get("entities")
            entity: object = None
            if isinstance(entities, Mapping):
                entity = entities.get(item_id)
                if entity is None and len(entities) == 1:
                    entity = next(iter(entities.values()))
            found = _sitelinks(entity) if isinstance(entity, Mapping) and "missing" not in entity else {}
            self._items[item_id] = found
        return dict(self._items[item_id])


def now_commons_template(wikidata: WikidataClient, source_dbname: str) -> str | None:
    """The name (no namespace) of the NowCommons template on the wiki ``source_dbname``, from the
    sitelinks of Q5611955 (``afwiki: Sjabloon:NouCommons`` → ``NouCommons``); None when that wiki has
    no sitelink, so the caller does not tag with a template that does not exist there."""
    title = wikidata.sitelinks_of(NOW_COMMONS_ITEM).get(source_dbname)
    if not title:
        return None
    # A template sitelink always carries the local Template namespace, so the first colon ends it.
    _prefix, sep, name = title.partition(":")
    return (name if sep else title).strip() or None


# --- parsing -------------------------------------------------------------------------------------


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _entities(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Found entities of a wbgetentities answer; missing ones (``"-1": {"missing": ""}``) are skipped."""
    entities = body.get("entities")
    if not isinstance(entities, Mapping):
        return
    for entity in entities.values():
        if isinstance(entity, Mapping) and "missing" not in entity:
            yield entity


def _sitelinks(entity: Mapping[str, Any]) -> dict[str, str]:
    """``{siteid: title}``; accepts the keyed form (``{"enwiki": {"title": …}}``) and a list form."""
    raw = entity.get("sitelinks")
    items: Iterable[tuple[str, object]]
    if isinstance(raw, Mapping):
        items = raw.items()
    elif isinstance(raw, list):
        items = [(str(link.get("site", "")), link) for link in raw if isinstance(link, Mapping)]
    else:
        return {}
    links: dict[str, str] = {}
    for site, link in items:
        title = link.get("title") if isinstance(link, Mapping) else None
        if site and isinstance(title, str) and title:
            links[site] = title
    return links


def _normalized(body: Mapping[str, Any]) -> dict[str, str]:
    """``from`` → ``to`` of Wikibase's ``normalized`` (``{"n": {"from", "to"}}``, or a list of pairs)."""
    raw = body.get("normalized")
    pairs: list[object]
    if isinstance(raw, Mapping):
        pairs = [raw] if "from" in raw else list(raw.values())
    elif isinstance(raw, list):
        pairs = list(raw)
    else:
        return {}
    out: dict[str, str] = {}
    for pair in pairs:
        if isinstance(pair, Mapping):
            source, target = pair.get("from"), pair.get("to")
            if isinstance(source, str) and isinstance(target, str):
                out[source] = target
    return out
