"""Reading a wiki and a page title out of whatever a user pastes. Pure: no I/O.

Why so many forms: users copy URLs from the address bar of desktop and mobile sites, from the history
tab (``index.php?title=…&oldid=…``), from MediaViewer (``#/media/File:…``), from a Chinese or Serbian
wiki in a script variant (``/zh-hans/…``), or the file itself from upload.wikimedia.org. Other tools
crashed with an IndexError on forms they did not expect (ANCHORS §4.1 items 3, 4, 7); here every input
ends either in a :class:`PageUrl` or in an :class:`InputError` that says what was wrong.

This module only knows the URL layouts MediaWiki uses by default and on Wikimedia. A wiki with another
article path (``/w/$1``, ``/$1``) yields ``title=None`` here; the registry then reads the wiki's real
article path from siteinfo and tries again (:func:`title_from_articlepath`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from wikifile_transfer.errors import InputError
from wikifile_transfer.wiki.wikimedia import (
    NOT_WIKIS,
    is_wikimedia_host,
    strip_mobile,
    upload_wiki_host,
)

MAX_INPUT_LENGTH = 8192
"""Longer input is not a URL a person pasted; refusing it early keeps the regexes cheap."""

VARIANT_CODES: frozenset[str] = frozenset(
    {
        *("zh", "zh-hans", "zh-hant", "zh-cn", "zh-tw", "zh-hk", "zh-mo", "zh-sg", "zh-my"),
        *("sr", "sr-ec", "sr-el", "sr-cyrl", "sr-latn"),
        *("kk", "kk-cyrl", "kk-latn", "kk-arab", "kk-kz", "kk-tr", "kk-cn"),
        *("ku", "ku-arab", "ku-latn"),
        *("gan", "gan-hans", "gan-hant"),
        *("ike-cans", "ike-latn", "iu"),
        *("shi", "shi-latn", "shi-tfng"),
        *("tg", "tg-cyrl", "tg-latn"),
        *("uz", "uz-cyrl", "uz-latn"),
        *("wuu", "wuu-hans", "wuu-hant"),
        *("crh", "crh-latn", "crh-cyrl"),
        *("sh", "sh-latn", "sh-cyrl"),
        *("ban", "ban-bali"),
        *("tly", "tly-cyrl"),
    }
)
"""Language-variant codes that MediaWiki's LanguageConverter uses as article-path prefixes
(``$wgVariantArticlePath = "/$2/$1"`` on Wikimedia): ``https://zh.wikipedia.org/zh-tw/File:X``."""

TITLE_SOURCES = ("path", "query-title", "index-path", "upload", "filepath", "mediaviewer", "articlepath")
"""Values of :attr:`PageUrl.title_source`; None means no title was found."""

PAGE_ID_PARAMS = ("curid", "oldid")
"""Query parameters that name a page by number instead of by title (the registry asks the wiki)."""

ILLEGAL_TITLE_CHARS = frozenset("<>[]{}|#")
"""Characters MediaWiki never allows in a title: a URL carrying them is garbage, not a file."""

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_BARE_HOST = re.compile(
    r"(?:[\w-]+\.)+[\w-]+\.?(?::\d{1,5})?|localhost(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?"
)
_HOSTNAME = re.compile(r"[\w-]+(?:\.[\w-]+)*\.?|[0-9a-f]*:[0-9a-f:.]*")
_UPLOAD_WIKIMEDIA = re.compile(
    r"/(?P<project>[a-z]+)/(?P<code>[a-z0-9-]+)/(?:(?:thumb|transcoded)/)?(?:(?:archive|temp)/)?"
    r"[0-9a-f]/[0-9a-f]{2}/(?P<name>[^/]+)"
)
_UPLOAD_GENERIC = re.compile(
    r"(?:/[^/:?]+)*?/images/(?:(?:thumb|transcoded)/)?(?:(?:archive|temp)/)?[0-9a-f]/[0-9a-f]{2}/(?P<name>[^/]+)"
)
_ARCHIVE_STAMP = re.compile(r"\d{14}!")
_INDEX_PHP = re.compile(r"(?P<script>.*?)/index\.php(?P<rest>/.*)?")
_FILEPATH = re.compile(r"special:(?:filepath|redirect/file)(?:/(?P<name>.*))?", re.IGNORECASE | re.DOTALL)
_MEDIA_PREFIX = re.compile(r"media\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class PageUrl:
    """A URL on a wiki, taken apart.

    ``host`` is lower-case and, for Wikimedia, the desktop host (``en.m.wikipedia.org`` becomes
    ``en.wikipedia.org``; a file on upload.wikimedia.org becomes the wiki that owns it). ``title`` is
    decoded (percent-escapes, ``_`` → space) but not normalised: namespace names and first-letter case
    need the wiki's siteinfo. ``path`` and ``query`` are the raw, still encoded parts of the URL.
    """

    scheme: str
    host: str
    port: int | None
    path: str
    title: str | None
    title_source: str | None
    api_url_guess: str | None
    query: str = ""

    @property
    def netloc(self) -> str:
        """``host[:port]`` with IPv6 brackets: how the host appears in URLs of this wiki."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port is not None else host

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``: the part of the URL every page of the wiki shares."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def params(self) -> dict[str, str]:
        """The decoded query parameters (``+`` is a space there); for a repeated key the last one wins,
        as in PHP."""
        return query_params(self.query)


def _bad(text: str, why: str) -> InputError:
    shown = text if len(text) <= 200 else text[:200] + "…"
    return InputError(shown, detail=why)


def decode_component(text: str, *, plus_is_space: bool = False) -> str:
    """Percent-decode one URL component as MediaWiki does.

    UTF-8 first; bytes that are not UTF-8 come from very old links in a legacy 8-bit encoding, which
    MediaWiki reads as Latin-1-like, so we do the same instead of failing.
    """
    if plus_is_space:
        text = text.replace("+", " ")
    raw = unquote_to_bytes(text)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def query_params(query: str) -> dict[str, str]:
    """Decode ``a=1&b=2`` (``+`` is a space, the last of a repeated key wins, like PHP)."""
    params: dict[str, str] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        params[decode_component(key, plus_is_space=True)] = decode_component(value, plus_is_space=True)
    return params


def clean_title(text: str) -> str | None:
    """``_`` → space, surrounding space trimmed; None when nothing is left. InputError for characters no
    MediaWiki title may contain (``<>[]{}|#``, control characters)."""
    title = text.replace("_", " ").strip()
    if not title:
        return None
    if any(c in ILLEGAL_TITLE_CHARS or ord(c) < 32 or ord(c) == 127 for c in title):
        raise _bad(title, "characters that are not allowed in a page title")
    return title


def _special_file(title: str, params: dict[str, str]) -> str | None:
    """``Special:FilePath/X`` or ``Special:Redirect/file/X`` (or ``?file=X``/``?wpvalue=X``) → ``X``."""
    match = _FILEPATH.fullmatch(title)
    if match is None:
        return None
    name = match.group("name") or params.get("file") or params.get("wpvalue") or ""
    return name.replace("_", " ").strip() or None


def _split_upload(host: str, path: str) -> tuple[str, str] | None:
    """(wiki host, file name) for a URL of the file itself, or None when the path is no upload path."""
    if host == "upload.wikimedia.org":
        match = _UPLOAD_WIKIMEDIA.match(path)
        if match is None:
            return None
        owner = upload_wiki_host(match.group("project"), match.group("code"))
        if owner is None:
            return None
        host = owner
    else:
        match = _UPLOAD_GENERIC.match(path)
        if match is None:
            return None
    name = decode_component(match.group("name"))
    stamp = _ARCHIVE_STAMP.match(name)
    if stamp is not None:  # an old version: archive/a/ab/20200101000000!X.png
        name = name[stamp.end() :]
    return host, name


def _title_from_path(path: str, params: dict[str, str]) -> tuple[str | None, str | None]:
    """(raw title, how it was found) for MediaWiki's default layouts; (None, None) for others."""
    index = _INDEX_PHP.fullmatch(path)
    if index is not None:
        rest = index.group("rest")
        if rest and len(rest) > 1:
            return decode_component(rest[1:]), "index-path"
        if "title" in params:
            return params["title"], "query-title"
        return None, None
    if path.startswith("/wiki/"):
        return decode_component(path[len("/wiki/") :]), "path"
    first, sep, rest = path[1:].partition("/")
    if sep and first.lower() in VARIANT_CODES and rest:
        return decode_component(rest), "path"
    if "title" in params:
        return params["title"], "query-title"
    return None, None


def finish_title(
    raw: str | None, source: str | None, params: dict[str, str]
) -> tuple[str | None, str | None]:
    """Turn a raw title from a URL into the file page it names.

    Special:FilePath and Special:Redirect/file are links to the file itself; ``Media:X`` is a link to the
    file in every namespace layout. Both become ``File:X`` (the canonical name works on every wiki).
    """
    if raw is None:
        return None, None
    title = clean_title(raw)
    if title is None:
        return None, None
    special = _special_file(title, params)
    if special is not None:
        return f"File:{clean_title(special)}", "filepath"
    media = _MEDIA_PREFIX.match(title)
    if media is not None and title[media.end() :]:
        return f"File:{title[media.end() :]}", source
    return title, source


def _add_scheme(text: str) -> str:
    """``//host/…`` and ``host/…`` (no scheme) get https; anything else must have http(s) already."""
    if text.startswith("//"):
        return "https:" + text
    if "://" in text:
        return text
    head = re.split(r"[/?#]", text, maxsplit=1)[0]
    if _BARE_HOST.fullmatch(head):
        return "https://" + text
    scheme = _SCHEME.match(text)
    if scheme is not None:
        raise _bad(text, f"{scheme.group(1)}: is not a web address")
    raise _bad(text, "not a URL")


def parse_wiki_url(text: str) -> PageUrl:
    """Take any http(s) URL on a wiki apart; ``title`` is None when the URL names no page we can see.

    Lenient about the title (a wiki's root URL or its api.php is fine), strict about the URL itself:
    empty text, other schemes (``ftp:``, ``javascript:``), no host, a bad port or credentials in the
    URL raise :class:`InputError`.
    """
    stripped = text.strip()
    if not stripped:
        raise _bad(text, "empty input")
    if len(stripped) > MAX_INPUT_LENGTH:
        raise _bad(stripped, "too long for a URL")
    if any(ord(c) < 32 or ord(c) == 127 for c in stripped):
        raise _bad(stripped, "control characters in the URL")
    url = _add_scheme(stripped)
    scheme_match = _SCHEME.match(url)
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    if scheme not in ("http", "https"):
        raise _bad(stripped, f"{scheme or 'this'} is not an http or https address")
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname or ""
    except ValueError as err:
        raise _bad(stripped, f"malformed URL: {err}") from err
    if not hostname or not _HOSTNAME.fullmatch(hostname) or hostname.startswith("."):
        raise _bad(stripped, "no valid host name")
    if parts.username is not None or parts.password is not None:
        raise _bad(stripped, "a user name or password in the URL")
    host = strip_mobile(hostname)
    path = parts.path or "/"
    params = query_params(parts.query)

    upload = _split_upload(host, path)
    if upload is not None:
        host, name = upload
        title, source = finish_title("File:" + name, "upload", params)
    elif host == "upload.wikimedia.org":
        raise _bad(stripped, "not the URL of a file on upload.wikimedia.org")
    else:
        title, source = finish_title(*_title_from_path(path, params), params)
    if parts.fragment.startswith("/media/"):  # MediaViewer: …/wiki/Article#/media/File:X.jpg
        viewer_title, _ = finish_title(decode_component(parts.fragment[len("/media/") :]), None, params)
        if viewer_title is not None:
            title, source = viewer_title, "mediaviewer"
    guess = f"https://{host}/w/api.php" if is_wikimedia_host(host) and host not in NOT_WIKIS else None
    return PageUrl(
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        title=title,
        title_source=source,
        api_url_guess=guess,
        query=parts.query,
    )


def parse_page_url(text: str) -> PageUrl:
    """Like :func:`parse_wiki_url`, but the URL must point at a page.

    A bare host (``https://en.wikipedia.org/``) or an empty ``/wiki/`` raises InputError. The title may
    still be None when the page is named by a number (``curid=``, ``oldid=``) or when the wiki uses an
    article path this module cannot know (``/w/$1``): the registry resolves both with the wiki's help.
    """
    url = parse_wiki_url(text)
    params = url.params
    if url.title is None and not any(params.get(key, "").isdigit() for key in PAGE_ID_PARAMS):
        known_layout = (
            url.path in ("", "/") or url.path.startswith("/wiki/") or _INDEX_PHP.fullmatch(url.path)
        )
        if known_layout:
            raise _bad(text.strip(), "the URL names no page (copy the address of the file page)")
    return url


def title_from_articlepath(url: PageUrl, articlepath: str) -> str | None:
    """The title in ``url`` for a wiki whose article path (from siteinfo) is ``articlepath``.

    ``/index.php/$1``, ``/w/$1``, ``/$1`` or ``/index.php?title=$1``: whatever the wiki uses. None when
    the URL does not follow that path.
    """
    before, sep, after = articlepath.partition("$1")
    if not sep:
        return None
    before_path, qmark, before_query = before.partition("?")
    if qmark:  # "/index.php?title=$1"
        if url.path != before_path or not before_query.endswith("="):
            return None
        raw = url.params.get(before_query[:-1].rpartition("&")[2])
    else:
        if not url.path.startswith(before) or (after and not url.path.endswith(after)):
            return None
        raw = decode_component(url.path[len(before) : len(url.path) - len(after)])
    title, _ = finish_title(raw, "articlepath", url.params)
    return title


def split_wiki_prefix(text: str, known: Callable[[str], bool]) -> tuple[str, str] | None:
    """Split ``WIKI:File:Name`` into (``WIKI``, ``File:Name``) when ``known(WIKI)``; else None.

    Only the first colon separates: the title keeps its own (``commons:File:A:B.png``). URLs, an empty
    side and prefixes with ``/`` (a schemeless URL) are never split.
    """
    stripped = text.strip()
    if "://" in stripped or stripped.startswith("//"):
        return None
    prefix, sep, rest = stripped.partition(":")
    prefix, rest = prefix.strip(), rest.strip()
    if not sep or not prefix or not rest or "/" in prefix:
        return None
    if not known(prefix):
        return None
    return prefix, rest
