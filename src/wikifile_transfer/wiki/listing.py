"""Where the files of a batch come from: a category, a user's uploads, the files used on a page, a list.

Every source is a lazy generator: it follows the API's ``continue`` one page of results at a time and
yields File titles as they come, so a category of 100,000 files is never held in memory, and a caller
that stops early (a batch capped at 1,000 items) sends no further request. Titles are the wiki's own
normalised titles (local namespace name, ``File:X.png`` on an English wiki, ``Datei:X.png`` on a German
one), each yielded once. Remembering what was yielded costs a set of titles where a source can repeat
itself (subcategories, re-uploads); a single category or a page never needs one.

``limit`` is the number of results a request (``max`` by default: 500, or 5000 for accounts with
``apihighlimits``); tests set it low to see the continuation at work with a few files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wikifile_transfer.errors import (
    ApiError,
    HttpStatusError,
    InputError,
    NotJsonError,
    SsrfError,
    UnknownWikiError,
    WftError,
    WikiUnreachableError,
)
from wikifile_transfer.i18n import msg
from wikifile_transfer.wiki.registry import WikiRegistry, api_key
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import FILE_NS
from wikifile_transfer.wiki.urls import MAX_INPUT_LENGTH, clean_title, parse_page_url

CATEGORY_NS = 14
USER_NS = 2
Limit = int | str


class NotACategoryError(WftError):
    """A category listing was asked for a page in another namespace (``File:X``, ``Template:Y``)."""

    key = "wft-error-not-a-category"


class BadUserNameError(WftError):
    """A user's uploads were asked for something that cannot be a user name on that wiki."""

    key = "wft-error-bad-user-name"


def _items(body: Mapping[str, Any], module: str) -> list[Mapping[str, Any]]:
    query = body.get("query")
    items = query.get(module) if isinstance(query, Mapping) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


# --- a category -------------------------------------------------------------------------------------


def category_title(wiki: Wiki, category: str) -> str:
    """``Sunsets``, ``Category:sunsets`` or (on a German wiki) ``Kategorie:Sonnenuntergänge`` → the
    normalised category title. NotACategoryError for a title in another namespace, InputError for an
    empty or illegal one."""
    site = wiki.siteinfo()
    ns, rest = site.split_title(category)
    if ns == 0:
        return site.normalize(f"Category:{rest}")  # the English name works on every wiki
    if ns != CATEGORY_NS:
        raise NotACategoryError(category.strip(), wiki.name)
    return site.normalize(category)


def _members(wiki: Wiki, title: str, cmtype: str, limit: Limit) -> Iterator[str]:
    params = {
        "list": "categorymembers",
        "cmtitle": title,
        "cmtype": cmtype,
        "cmprop": "title",
        "cmlimit": limit,
    }
    for body in wiki.api.query_continue(params):
        for member in _items(body, "categorymembers"):
            name = member.get("title")
            if isinstance(name, str) and name:
                yield name


def category_files(wiki: Wiki, category: str, depth: int = 0, *, limit: Limit = "max") -> Iterator[str]:
    """The files in ``category`` (``list=categorymembers&cmtype=file``), and with ``depth=1`` also the
    files of its direct subcategories, each file once.

    Order: the category's own files by sort key, then each subcategory's files, subcategories by sort
    key. A category without a page can still have members, so a missing page is not an error; an
    empty result is. ``depth`` other than 0 or 1 is an InputError (deeper trees are how batches of
    unintended thousands happen).
    """
    if depth not in (0, 1):
        raise InputError(f"depth={depth}", detail="the category depth is 0 or 1")
    title = category_title(wiki, category)
    if depth == 0:
        yield from _members(wiki, title, "file", limit)
        return
    seen: set[str] = set()
    for name in _members(wiki, title, "file", limit):
        seen.add(name)
        yield name
    for subcategory in _members(wiki, title, "subcat", limit):
        if subcategory == title:
            continue  # a category in itself: MediaWiki allows it
        for name in _members(wiki, subcategory, "file", limit):
            if name not in seen:
                seen.add(name)
                yield name


# --- a user's uploads -------------------------------------------------------------------------------


def user_name(wiki: Wiki, user: str) -> str:
    """``Alice``, ``User:Alice`` or ``Benutzer:Alice`` (on a German wiki) → ``Alice``."""
    site = wiki.siteinfo()
    ns, rest = site.split_title(user)
    if ns not in (0, USER_NS) or not rest or "/" in rest:
        raise BadUserNameError(user.strip(), wiki.name)
    return rest


def user_uploads(wiki: Wiki, user: str, *, reuploads: bool = True, limit: Limit = "max") -> Iterator[str]:
    """The files ``user`` uploaded on ``wiki``, newest upload first, each once.

    Why the upload log (``list=logevents&letype=upload&leuser=…``) and not
    ``list=allimages&aiuser=…``: allimages only knows who uploaded the *current* version, so it misses
    every file the user created that someone later overwrote (a re-crop, a bot's optimisation), and
    it lists other people's files the user last touched. The log records every upload action: first
    uploads (``upload/upload``), new versions (``upload/overwrite``) and reverts (``upload/revert``).
    With ``reuploads=False`` only first uploads count (``leaction=upload/upload``): "the files this user
    created", the usual meaning of "move my uploads".

    The log keeps the title of the time of the upload: a file deleted since then is still listed, and
    reading it yields MissingFileError for that item; a file renamed since is listed under its old
    title, a redirect. Entries whose title was hidden by an administrator are skipped.
    """
    name = user_name(wiki, user)
    params: dict[str, object] = {
        "list": "logevents",
        "letype": "upload",
        "leuser": name,
        "leprop": "title",
        "lelimit": limit,
    }
    if not reuploads:
        params["leaction"] = "upload/upload"
        del params["letype"]  # leaction names the type too (and would override letype)
    seen: set[str] = set()
    try:
        for body in wiki.api.query_continue(params):
            for event in _items(body, "logevents"):
                title = event.get("title")
                if isinstance(title, str) and title and event.get("ns") == FILE_NS and title not in seen:
                    seen.add(title)
                    yield title
    except ApiError as err:
        if err.code in ("baduser", "baduser_leuser"):
            raise BadUserNameError(name, wiki.name, detail=err.info) from err
        raise


# --- the files used on a page -----------------------------------------------------------------------


def page_files(wiki: Wiki, title: str, *, local_only: bool = False, limit: Limit = "max") -> Iterator[str]:
    """The files used on the page ``title`` (``generator=images``), each once; a redirect is followed.

    Files that exist nowhere (a red link) are left out. On a Wikipedia most images of an article live
    on Commons (the shared repository): they are included unless ``local_only``, and a transfer of one
    is then blocked by the "source is local" check, which tells the user why. ``imageinfo`` (with no
    properties) is asked along only for ``imagerepository``: ``local``, ``shared`` or empty.
    """
    params = {
        "generator": "images",
        "titles": title,
        "gimlimit": limit,
        "redirects": True,
        "prop": "imageinfo",
        "iiprop": "",
    }
    seen: set[str] = set()
    for body in wiki.api.query_continue(params):
        for page in _items(body, "pages"):
            name = page.get("title")
            repository = page.get("imagerepository")
            if not isinstance(name, str) or not repository or name in seen:
                continue
            if local_only and repository != "local":
                continue
            seen.add(name)
            yield name


# --- a list of URLs or WIKI:File:Name ---------------------------------------------------------------


@dataclass(frozen=True)
class ListItem:
    """One usable line: ``text`` as written (store it: ``resolve_source`` gives the same answer again),
    and, when a registry resolved it, the wiki and its normalised File title."""

    line: int
    text: str
    wiki: Wiki | None = None
    title: str | None = None


@dataclass(frozen=True)
class ListError:
    """One line that cannot be used, with the message key and parameters of the reason."""

    line: int
    text: str
    key: str
    params: tuple[str, ...] = ()
    detail: str | None = None

    def message(self, lang: str = "en") -> str:
        """``Line 12: <the reason>`` in ``lang``."""
        return msg("wft-batch-line-error", self.line, msg(self.key, *self.params, lang=lang), lang=lang)


SHOWN_CHARS = 200
"""Characters of a line kept in a ListError (a pasted megabyte must not travel through the batch)."""

# Errors that concern a whole wiki, not the line: the next line on the same wiki gets the same answer
# without asking again (a list of 2,000 lines on a wiki that is down must not take 2,000 timeouts).
_WIKI_ERRORS = (WikiUnreachableError, HttpStatusError, NotJsonError, UnknownWikiError, SsrfError)


def _wiki_key(text: str) -> str:
    """What a line's wiki is known by before resolving it: the ``WIKI:`` prefix or the URL's host."""
    if "://" in text or text.startswith("//"):
        try:
            return urlsplit(text if "://" in text else "https:" + text).netloc.lower()
        except ValueError:
            return text
    prefix, sep, _rest = text.partition(":")
    if sep and "/" not in prefix:
        return prefix.strip()
    return text.split("/", 1)[0].lower()  # a URL without its scheme: en.wikipedia.org/wiki/…


def check_source_text(text: str) -> None:
    """The offline part of ``WikiRegistry.resolve_source``: a page URL (``urls.parse_page_url``) or
    ``WIKI:Title`` with a plausible title. InputError otherwise. Whether the wiki exists and the page is
    a file needs the wiki itself."""
    if len(text) > MAX_INPUT_LENGTH:
        raise InputError(text[:SHOWN_CHARS] + "…", detail="too long for a URL or a title")
    if "://" in text or text.startswith("//"):
        parse_page_url(text)
        return
    prefix, sep, rest = text.partition(":")
    if sep and prefix.strip() and rest.strip() and "/" not in prefix:
        if clean_title(rest) is None:
            raise InputError(text, detail="no title after the wiki name")
        return
    if "/" in text:
        parse_page_url(text)  # a URL without scheme: en.wikipedia.org/wiki/File:X.jpg
        return
    raise InputError(text, detail="give the URL of the file page, or WIKI:File:Name")


def parse_url_list(
    lines: Iterable[str], registry: WikiRegistry | None = None
) -> Iterator[ListItem | ListError]:
    """One ListItem or ListError per line of ``lines`` (a file object works: it is read as it goes).

    Blank lines and lines starting with ``#`` are skipped (only whole lines: a URL may contain ``#``,
    MediaViewer's ``#/media/File:…``); a byte-order mark before the first line is ignored. Without a
    ``registry`` only the form of each line is checked, with no request. With one, each line is
    resolved like the ``transfer`` command's SOURCE (``resolve_source``): the wiki found, the title
    normalised, and a second line naming a file listed before is reported as a duplicate of that line.
    Line numbers count every line, from 1, as an editor shows them.
    """
    first_line: dict[tuple[str, str], int] = {}
    wiki_errors: dict[str, WftError] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.lstrip("\ufeff") if number == 1 else raw
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"
        try:
            if registry is None:
                check_source_text(text)
                yield ListItem(number, text)
                continue
            known = wiki_errors.get(_wiki_key(text))
            if known is not None:
                raise known
            try:
                wiki, title = registry.resolve_source(text)
            except _WIKI_ERRORS as err:
                wiki_errors[_wiki_key(text)] = err
                raise
        except WftError as err:
            yield ListError(number, shown, err.key, err.params, err.detail)
            continue
        key = (api_key(wiki.api_url), title)
        if key in first_line:
            yield ListError(number, shown, "wft-batch-line-duplicate", (str(first_line[key]), title))
            continue
        first_line[key] = number
        yield ListItem(number, text, wiki, title)
