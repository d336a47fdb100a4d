"""Reading a page's latest revision id and a revision's text: the two questions the rule-page cache asks.

Why two requests and not one: the revision id alone (``prop=info``) is a few bytes and tells whether a
cached parse is still current; the text is fetched only for a revision not seen before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wikifile_transfer.wiki.edits import MissingPageError
from wikifile_transfer.wiki.lookups import query_titles
from wikifile_transfer.wiki.site import Wiki


def latest_revision(wiki: Wiki, title: str) -> int | None:
    """The latest revision id of ``title`` (normalised and redirects followed by the wiki), or None when
    the page does not exist."""
    answer = query_titles(wiki.api, [title], {"prop": "info", "redirects": True})
    page = answer.page(title)
    if page is None or page.get("missing") or page.get("invalid"):
        return None
    revid = page.get("lastrevid")
    return revid if isinstance(revid, int) and revid > 0 else None


def revision_text(wiki: Wiki, title: str, revision: int) -> str:
    """The wikitext of revision ``revision`` (of ``title``, named in errors only)."""
    body = wiki.api.get(
        {"action": "query", "revids": revision, "prop": "revisions", "rvprop": "content", "rvslots": "main"}
    )
    query = body.get("query")
    pages = query.get("pages") if isinstance(query, Mapping) else None
    for page in pages if isinstance(pages, list) else []:
        content = _content(page)
        if content is not None:
            return content
    raise MissingPageError(title, wiki.name, detail=f"revision {revision} has no readable text")


def _content(page: object) -> str | None:
    if not isinstance(page, Mapping):
        return None
    revisions: Any = page.get("revisions")
    if not isinstance(revisions, list) or not revisions or not isinstance(revisions[0], Mapping):
        return None
    slots = revisions[0].get("slots")
    main = slots.get("main") if isinstance(slots, Mapping) else None
    content = main.get("content") if isinstance(main, Mapping) else None
    return content if isinstance(content, str) else None
