"""A batch's source → its items, lazily: a URL list, a category, a user's uploads, the files of a page.

Listings come from ``wiki/listing.py`` as generators; this module only turns each title into what the
item stores (the file page's URL, which ``resolve_source`` understands for any wiki, configured or not)
and each unusable line into a failed item that says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from wikifile_transfer.errors import InputError, WftError
from wikifile_transfer.jobs.batches import Item
from wikifile_transfer.wiki import listing
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki


def url_items(lines: Iterable[str], registry: WikiRegistry) -> Iterator[Item]:
    """One item per usable line; a bad line becomes a failed item carrying the line as the user wrote it
    and the reason (the item list keeps the lines' order, so the user finds it)."""
    for entry in listing.parse_url_list(lines, registry):
        if isinstance(entry, listing.ListError):
            yield Item(entry.text, error=WftError(*entry.params, key=entry.key, detail=entry.detail))
        elif entry.wiki is not None and entry.title is not None:
            yield Item(entry.wiki.page_url(entry.title))
        else:  # pragma: no cover - with a registry every item is resolved
            yield Item(entry.text)


def titles_items(wiki: Wiki, titles: Iterable[str]) -> Iterator[Item]:
    for title in titles:
        yield Item(wiki.page_url(title))


def source_items(kind: str, spec: str, registry: WikiRegistry, *, depth: int = 0) -> Iterator[Item]:
    """The items of a category (``WIKI:Category:Name``), a user (``WIKI:Name``) or a page (``WIKI:Title``);
    each also accepts the page's URL. Errors about the source itself (missing category, unknown wiki)
    are raised before the first item."""
    wiki, rest = registry.resolve_page(spec)
    if kind == "category":
        titles = listing.category_files(wiki, rest, depth)
    elif kind == "user":
        titles = listing.user_uploads(wiki, rest)
    elif kind == "page":
        titles = listing.page_files(wiki, rest)
    else:
        raise InputError(kind, detail="unknown batch source kind")
    iterator = iter(titles)
    try:
        first = next(iterator)
    except StopIteration:
        return
    yield Item(wiki.page_url(first))
    yield from titles_items(wiki, iterator)
