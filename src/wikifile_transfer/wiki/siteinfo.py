"""What a wiki says about itself (``meta=siteinfo|filerepoinfo``), and title rules built on it.

Why: every wiki names its namespaces in its own language (``Datei:`` on a German wiki, ``Bild:`` as an
old alias), may or may not upper-case the first letter, has its own upload limits and URL layout. The
tool must compare titles across wikis (``File:X.png`` on one is ``Datei:X.png`` on another) and never
guess these rules, so they all come from one siteinfo request per wiki, parsed here into plain data.
Parsing never trusts the answer: a field that is missing or of the wrong type falls back to MediaWiki's
default instead of raising KeyError/TypeError deep inside a transfer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from wikifile_transfer.errors import InputError, NotAFileError, UnknownWikiError

if TYPE_CHECKING:
    from wikifile_transfer.wiki.api import ApiClient

FILE_NS = 6
MEDIA_NS = -2
MAX_TITLE_BYTES = 255
DEFAULT_LEGAL_TITLE_CHARS = " %!\"$&'()*,\\-.\\/0-9:;=?@A-Z\\\\^_`a-z~\\x80-\\xFF+"
DEFAULT_MIN_CHUNK = 1024
CANONICAL_NAMESPACES: dict[str, int] = {
    "media": -2,
    "special": -1,
    "talk": 1,
    "user": 2,
    "user talk": 3,
    "project": 4,
    "project talk": 5,
    "file": 6,
    "image": 6,
    "file talk": 7,
    "image talk": 7,
    "mediawiki": 8,
    "mediawiki talk": 9,
    "template": 10,
    "template talk": 11,
    "help": 12,
    "help talk": 13,
    "category": 14,
    "category talk": 15,
}
"""English names every MediaWiki accepts, whatever its language (used when siteinfo lacks them)."""

SITEINFO_PARAMS: dict[str, str] = {
    "action": "query",
    "meta": "siteinfo|filerepoinfo",
    "siprop": "general|namespaces|namespacealiases|fileextensions|interwikimap",
}
"""One request for everything the tool needs to know about a wiki (ApiClient adds format etc.)."""

_DIRECTION_MARKS = re.compile("[\u200e\u200f\u202a-\u202e]")
_SPACES = re.compile("[ _\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_HTML_ENTITY = re.compile(r"&[A-Za-z0-9\x80-\uffff]+;")
URL_SAFE = ";@$!*(),/~:"
"""Characters MediaWiki's wfUrlencode leaves unescaped in page URLs (besides letters, digits, ``-_.``)."""


def clean_spaces(text: str) -> str:
    """What MediaWiki does before anything else with a title: bidi marks out, every kind of space and
    ``_`` to one plain space, trimmed."""
    return _SPACES.sub(" ", _DIRECTION_MARKS.sub("", text)).strip()


def ucfirst(text: str) -> str:
    """Upper-case the first character like MediaWiki: a character whose upper case is longer (``ß``) stays."""
    if not text:
        return text
    upper = text[0].upper()
    return (upper if len(upper) == 1 else text[0]) + text[1:]


@dataclass(frozen=True)
class Namespace:
    """One namespace: local ``name`` (``Datei``), English ``canonical`` (``File``), ``aliases`` (``Bild``)."""

    id: int
    name: str
    canonical: str | None
    aliases: tuple[str, ...]
    case: str


@dataclass(frozen=True)
class SiteInfo:
    """The parts of siteinfo the tool uses. ``server`` always has a scheme."""

    sitename: str
    lang: str
    server: str
    articlepath: str
    scriptpath: str
    wikiid: str
    base: str
    namespaces: Mapping[int, Namespace]
    file_extensions: frozenset[str]
    max_upload_size: int
    min_chunk_size: int
    uploads_enabled: bool
    readonly: bool
    readonly_reason: str | None
    legal_title_chars: str
    case: str
    shared_repos: tuple[str, ...]
    interwiki: Mapping[str, str]
    generator: str = field(default="", compare=False)
    shared_repo_apis: tuple[str, ...] = ()
    """The api.php of each shared file repository (Commons for a Wikipedia), from ``filerepoinfo``'s
    ``scriptDirUrl``: the duplicate checks ask those wikis too, without a request of their own."""

    @cached_property
    def _namespace_names(self) -> dict[str, int]:
        names: dict[str, int] = {}
        for ns in self.namespaces.values():
            for name in (ns.name, ns.canonical, *ns.aliases):
                if name:
                    names.setdefault(clean_spaces(name).lower(), ns.id)
        for name, ns_id in CANONICAL_NAMESPACES.items():
            names.setdefault(name, ns_id)
        return names

    @cached_property
    def _illegal_ascii(self) -> re.Pattern[str]:
        try:
            return re.compile(f"[^{self.legal_title_chars}]")
        except re.error:
            return re.compile(f"[^{DEFAULT_LEGAL_TITLE_CHARS}]")

    def namespace_id(self, prefix: str) -> int | None:
        """The namespace a prefix names (local name, canonical name or alias; any case; ``_`` = space)."""
        return self._namespace_names.get(clean_spaces(prefix).lower())

    def split_title(self, title: str) -> tuple[int, str]:
        """(namespace id, rest) with spaces cleaned; namespace 0 when there is no known prefix.

        The rest keeps its case: only :meth:`normalize` applies the wiki's capitalisation.
        """
        text = clean_spaces(title)
        if text.startswith(":"):  # [[:File:X]] link syntax
            text = text[1:].lstrip()
        prefix, sep, rest = text.partition(":")
        if sep:
            ns = self.namespace_id(prefix)
            if ns is not None and ns != 0:
                return ns, rest.strip()
        return 0, text

    def _namespace_name(self, ns: int) -> str:
        namespace = self.namespaces.get(ns)
        if namespace is not None and (namespace.name or ns == 0):
            return namespace.name
        return {FILE_NS: "File", MEDIA_NS: "Media"}.get(ns, namespace.canonical if namespace else "") or ""

    def _check_text(self, title: str, rest: str) -> None:
        if not rest:
            raise InputError(title, detail="the title is empty after its namespace")
        if any(ord(c) < 128 and self._illegal_ascii.match(c) for c in rest):
            raise InputError(title, detail="characters that are not allowed in a page title")
        if _PERCENT_ESCAPE.search(rest) or _HTML_ENTITY.search(rest):
            raise InputError(title, detail="percent escapes or HTML entities in a title")
        if len(rest.encode("utf-8")) > MAX_TITLE_BYTES:
            raise InputError(title, detail=f"a title longer than {MAX_TITLE_BYTES} bytes")

    def _compose(self, ns: int, rest: str, title: str) -> str:
        self._check_text(title, rest)
        namespace = self.namespaces.get(ns)
        case = namespace.case if namespace is not None else self.case
        if case == "first-letter":
            rest = ucfirst(rest)
        return f"{self._namespace_name(ns)}:{rest}" if ns != 0 else rest

    def normalize(self, title: str) -> str:
        """The title as this wiki writes it: local namespace name, first letter upper-cased when the
        namespace is ``first-letter``, spaces cleaned. ``Image:``, ``Bild:`` and ``Media:`` become the
        File namespace. InputError for an empty or illegal title.
        """
        ns, rest = self.split_title(title)
        if ns == MEDIA_NS:
            ns = FILE_NS
        return self._compose(ns, rest, title)

    def file_title(self, name_or_title: str) -> str:
        """The normalised File-namespace title for a file name (``X.png``) or a title (``Bild:X.png``).

        A title in another namespace (``Category:X``) raises NotAFileError: the user gave a page that is
        not a file, and guessing would transfer the wrong thing.
        """
        ns, rest = self.split_title(name_or_title)
        if ns == MEDIA_NS:
            ns = FILE_NS
        if ns == 0:  # a bare file name (its own colons stay: "Foo: bar.png")
            ns = FILE_NS
        if ns != FILE_NS:
            raise NotAFileError(clean_spaces(name_or_title))
        return self._compose(ns, rest, name_or_title)

    def page_url(self, title: str) -> str:
        """The URL of a page as MediaWiki builds it (spaces → ``_``, wfUrlencode's escaping)."""
        encoded = quote(clean_spaces(title).replace(" ", "_"), safe=URL_SAFE)
        return self.server + self.articlepath.replace("$1", encoded)

    def api_url(self) -> str:
        """The wiki's api.php."""
        return f"{self.server}{self.scriptpath}/api.php"


# --- parsing -------------------------------------------------------------------------------------


def _str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return value if isinstance(value, str) else default


def _int(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _flag(data: Mapping[str, Any], key: str) -> bool:
    """formatversion=2 sends booleans; formatversion=1 sends ``""`` for true and leaves false out."""
    value = data.get(key)
    return value is True or value == ""


def _list_of_maps(value: object) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):  # formatversion=1 keys lists by id
        value = list(value.values())
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _absolute_server(server: str, default_scheme: str) -> str:
    """``//en.wikipedia.org`` (protocol-relative, as Wikimedia sends it) → ``https://en.wikipedia.org``."""
    server = server.rstrip("/")
    if server.startswith("//"):
        return f"{default_scheme}:{server}"
    return server


def _parse_namespaces(query: Mapping[str, Any], default_case: str) -> dict[int, Namespace]:
    aliases: dict[int, list[str]] = {}
    for item in _list_of_maps(query.get("namespacealiases")):
        ns_id = item.get("id")
        alias = item.get("alias", item.get("*"))
        if isinstance(ns_id, int) and isinstance(alias, str) and alias:
            aliases.setdefault(ns_id, []).append(alias)
    namespaces: dict[int, Namespace] = {}
    for item in _list_of_maps(query.get("namespaces")):
        ns_id = item.get("id")
        if not isinstance(ns_id, int) or isinstance(ns_id, bool):
            continue
        name = item.get("name", item.get("*", ""))
        canonical = item.get("canonical")
        namespaces[ns_id] = Namespace(
            id=ns_id,
            name=name if isinstance(name, str) else "",
            canonical=canonical if isinstance(canonical, str) and canonical else None,
            aliases=tuple(aliases.get(ns_id, ())),
            case=_str(item, "case", default_case),
        )
    return namespaces


def parse_siteinfo(data: Mapping[str, Any], *, default_scheme: str = "https", source: str = "?") -> SiteInfo:
    """A SiteInfo from the JSON of ``meta=siteinfo|filerepoinfo`` (formatversion=2; 1 works too).

    ``default_scheme`` completes a protocol-relative ``server``; pass the scheme the API was reached by.
    An answer without ``query.general.server`` is not a MediaWiki siteinfo: UnknownWikiError(``source``).
    """
    query = data.get("query") if isinstance(data, Mapping) else None
    general = query.get("general") if isinstance(query, Mapping) else None
    if not isinstance(query, Mapping) or not isinstance(general, Mapping) or not _str(general, "server"):
        raise UnknownWikiError(source, detail="the answer to meta=siteinfo has no query.general.server")
    case = _str(general, "case", "first-letter")
    server = _absolute_server(_str(general, "server"), default_scheme)
    interwiki: dict[str, str] = {}
    for item in _list_of_maps(query.get("interwikimap")):
        prefix, url = item.get("prefix"), item.get("url")
        if isinstance(prefix, str) and isinstance(url, str):
            interwiki[prefix] = url
    readonly = _flag(general, "readonly")
    extensions = (item.get("ext") for item in _list_of_maps(query.get("fileextensions")))
    return SiteInfo(
        sitename=_str(general, "sitename"),
        lang=_str(general, "lang", "en"),
        server=server,
        articlepath=_str(general, "articlepath", "/index.php?title=$1"),
        scriptpath=_str(general, "scriptpath").rstrip("/"),
        wikiid=_str(general, "wikiid"),
        base=_str(general, "base"),
        namespaces=_parse_namespaces(query, case),
        file_extensions=frozenset(ext.lower() for ext in extensions if isinstance(ext, str)),
        max_upload_size=_int(general, "maxuploadsize", 0),
        min_chunk_size=_int(general, "minuploadchunksize", DEFAULT_MIN_CHUNK),
        uploads_enabled=_flag(general, "uploadsenabled"),
        readonly=readonly,
        readonly_reason=(_str(general, "readonlyreason") or None) if readonly else None,
        legal_title_chars=_str(general, "legaltitlechars", DEFAULT_LEGAL_TITLE_CHARS),
        case=case,
        shared_repos=tuple(
            str(repo.get("name", ""))
            for repo in _list_of_maps(query.get("repos"))
            if not _flag(repo, "local") and repo.get("name")
        ),
        interwiki=interwiki,
        generator=_str(general, "generator"),
        shared_repo_apis=shared_repo_apis(query.get("repos"), default_scheme),
    )


def shared_repo_apis(repos: object, default_scheme: str = "https") -> tuple[str, ...]:
    """The api.php URLs of the non-local repositories of a ``filerepoinfo`` answer (``scriptDirUrl`` +
    ``/api.php``; a protocol-relative one gets ``default_scheme``). Repositories without a script
    directory (plain foreign file folders) have no API to ask and are left out."""
    apis: list[str] = []
    for repo in _list_of_maps(repos):
        script = repo.get("scriptDirUrl")
        if _flag(repo, "local") or not isinstance(script, str) or not script:
            continue
        if script.startswith("//"):
            script = f"{default_scheme}:{script}"
        apis.append(script.rstrip("/") + "/api.php")
    return tuple(apis)


def fetch_siteinfo(api: ApiClient) -> SiteInfo:
    """Ask the wiki (one request) and parse the answer; a protocol-relative server gets the API's scheme."""
    body = api.get(SITEINFO_PARAMS)
    scheme = urlsplit(api.api_url).scheme or "https"
    return parse_siteinfo(body, default_scheme=scheme, source=api.api_url)
