"""Read everything about a file on its source wiki: SourceRef → SourceFile.

Two requests for a file with a short history: one for imageinfo of every version, the latest text,
categories and templates; one (continued when needed) for the list of page revisions, because the API
serves revision content only for the latest revision when many revisions are asked for.
"""

from __future__ import annotations

from typing import Any

from wikifile_transfer.errors import MissingFileError
from wikifile_transfer.transfer.model import FileVersion, PageRevision, SourceFile, SourceRef
from wikifile_transfer.wiki.site import Wiki

IMAGEINFO_PROPS = "timestamp|user|comment|sha1|size|dimensions|mime|url|commonmetadata"


def flatten_metadata(items: object) -> dict[str, str]:
    """imageinfo ``commonmetadata`` (a list of ``{name, value}``, values possibly nested lists) as a flat
    ``name → text`` map; nested values (GPS as degrees/minutes/seconds) are joined with spaces."""
    flat: dict[str, str] = {}
    if not isinstance(items, list):
        return flat
    for item in items:
        if not isinstance(item, dict) or "name" not in item:
            continue
        value = item.get("value")
        if isinstance(value, list):
            inner = flatten_metadata(value)
            flat[str(item["name"])] = " ".join(inner.values()) if inner else ""
        elif value is not None:
            flat[str(item["name"])] = str(value)
    return flat


def latest_metadata(page: dict[str, Any]) -> dict[str, str]:
    infos = sorted(page.get("imageinfo", []), key=lambda i: str(i.get("timestamp", "")))
    return flatten_metadata(infos[-1].get("commonmetadata")) if infos else {}


def parse_versions(page: dict[str, Any]) -> list[FileVersion]:
    """imageinfo lists newest first; the transfer needs oldest first."""
    versions = [
        FileVersion(
            timestamp=str(info.get("timestamp", "")),
            user=str(info.get("user", "")),
            comment=str(info.get("comment", "")),
            sha1=str(info.get("sha1", "")).lower(),
            size=int(info.get("size", 0)),
            width=int(info.get("width", 0) or 0),
            height=int(info.get("height", 0) or 0),
            mime=str(info.get("mime", "")),
            url=str(info.get("url", "")),
        )
        for info in page.get("imageinfo", [])
        if not info.get("filehidden") and info.get("url")
    ]
    versions.reverse()  # newest first → oldest first, so versions of the same second keep their order
    versions.sort(key=lambda v: v.timestamp)
    return versions


def parse_revisions(pages: list[dict[str, Any]]) -> list[PageRevision]:
    revisions = [
        PageRevision(
            revid=int(rev.get("revid", 0)),
            timestamp=str(rev.get("timestamp", "")),
            user=str(rev.get("user", "")),
            comment=str(rev.get("comment", "")),
        )
        for page in pages
        for rev in page.get("revisions", [])
        if not rev.get("userhidden")
    ]
    revisions.sort(key=lambda r: (r.timestamp, r.revid))
    return revisions


def latest_text(page: dict[str, Any]) -> str:
    for rev in page.get("revisions", []):
        slot = rev.get("slots", {}).get("main", {})
        content = slot.get("content", rev.get("content"))
        if isinstance(content, str):
            return content
    return ""


SOURCE_PARAMS: dict[str, object] = {
    "action": "query",
    "prop": "imageinfo|revisions|categories|templates|info",
    "iiprop": IMAGEINFO_PROPS,
    "iilimit": "max",
    "rvprop": "content|ids|timestamp|user|comment",
    "rvslots": "main",
    "cllimit": "max",
    "tllimit": "max",
}
"""The first request: every version, the latest text (with several titles too), categories, templates."""

HISTORY_PARAMS: dict[str, object] = {
    "action": "query",
    "prop": "revisions",
    "rvprop": "ids|timestamp|user|comment",
    "rvlimit": "max",
}
"""The page history (one title a request: MediaWiki refuses ``rvlimit`` with several titles)."""


def fetch_source(wiki: Wiki, title: str) -> SourceFile:
    """Build the SourceFile for ``title`` (already a normalised File title on ``wiki``)."""
    page = next(iter(wiki.api.query_pages([title], SOURCE_PARAMS)), None)
    if page is None or page.get("invalid"):
        raise MissingFileError(title, wiki.name)
    if not page.get("imagerepository") or not parse_versions(page):
        raise MissingFileError(title, wiki.name)  # before asking for the history of nothing
    revisions: list[PageRevision] = []
    if not page.get("missing"):
        page_title = str(page.get("title", title))
        revisions = parse_revisions(list(wiki.api.query_pages([page_title], HISTORY_PARAMS)))
    return source_from_page(wiki, title, page, revisions)


def source_from_page(
    wiki: Wiki, title: str, page: dict[str, Any], revisions: list[PageRevision]
) -> SourceFile:
    """The SourceFile for the asked ``title`` from its ``SOURCE_PARAMS`` page and its page history.

    Shared by :func:`fetch_source` and the batched reader (``transfer.batchsource``) so that both build
    exactly the same object from the same answer. MissingFileError when there is no file.
    """
    if page.get("invalid"):
        raise MissingFileError(title, wiki.name)
    repository = str(page.get("imagerepository") or "")
    versions = parse_versions(page)
    if not repository or not versions:
        raise MissingFileError(title, wiki.name)
    page_title = str(page.get("title", title))
    site = wiki.siteinfo()
    return SourceFile(
        ref=SourceRef(wiki.name, title),
        wiki_name=wiki.name,
        title=page_title,
        page_url=wiki.page_url(page_title),
        versions=versions,
        revisions=revisions,
        text=latest_text(page),
        categories=[str(c.get("title", "")) for c in page.get("categories", [])],
        templates=[str(t.get("title", "")) for t in page.get("templates", [])],
        repository=repository,
        lang=site.lang,
        metadata=latest_metadata(page),
    )
