"""From whatever the user typed to a :class:`Wiki`: configured names, Wikimedia names, any URL.

Why one registry: every part of the tool must get *the same* Wiki object for the same API (one session,
one login, one cached siteinfo), configured names must win over everything (they carry the account),
and the SSRF guard must learn exactly the hosts the user asked for. Unknown wikis are discovered the
way MediaWiki advertises its API: the ``<link rel="EditURI" …api.php?action=rsd>`` in every page's HTML
(also in 404 pages), fetched through the guarded HttpClient so a URL cannot make the tool probe a
private network.
"""

from __future__ import annotations

import html
import re
import threading
from urllib.parse import urljoin, urlsplit, urlunsplit

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import (
    ConfigError,
    HttpStatusError,
    InputError,
    NotAFileError,
    UnknownWikiError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import FILE_NS, MEDIA_NS, SiteInfo
from wikifile_transfer.wiki.urls import (
    PAGE_ID_PARAMS,
    PageUrl,
    parse_page_url,
    parse_wiki_url,
    split_wiki_prefix,
    title_from_articlepath,
)
from wikifile_transfer.wiki.wikidata import WikidataClient
from wikifile_transfer.wiki.wikimedia import is_wikimedia_host, wikimedia_host, wikimedia_name

MAX_DISCOVERY_BYTES = 2 * 1024 * 1024
"""The EditURI link is in <head>; reading more of a page (or of something that is not a page) is waste."""

_LINK_TAG = re.compile(r"<link\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_API_LINK = re.compile(r"""\bapiLink\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def find_edit_uri(page: str) -> str | None:
    """The ``href`` of ``<link rel="EditURI" …>`` in an HTML page (entities decoded), or None."""
    for tag in _LINK_TAG.finditer(page):
        attributes: dict[str, str] = {}
        for match in _ATTRIBUTE.finditer(tag.group(1)):
            value = match.group(2) or match.group(3) or match.group(4) or ""
            attributes.setdefault(match.group(1).lower(), html.unescape(value))
        if "edituri" in attributes.get("rel", "").lower().split() and attributes.get("href"):
            return attributes["href"]
    return None


def find_api_link(rsd: str) -> str | None:
    """``apiLink`` of the MediaWiki ``<api>`` in an RSD document (``api.php?action=rsd``), or None."""
    match = _API_LINK.search(rsd)
    if match is None:
        return None
    return html.unescape(match.group(1) or match.group(2) or "") or None


def api_key(api_url: str) -> str:
    """One spelling per API URL (scheme and host lower-case, no query), for "same wiki?" comparisons."""
    parts = urlsplit(api_url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


def default_port(scheme: str) -> int:
    return 443 if scheme.lower() == "https" else 80


def wikimedia_api(host: str) -> str:
    return f"https://{host}/w/api.php"


def is_wikimedia(wiki: Wiki) -> bool:
    """True for a wiki hosted by Wikimedia, whose ``wikiid`` (``enwiki``, ``commonswiki``) is a real
    Wikidata site id. Another wiki may call itself ``commonswiki`` too (the testbed does): asking
    Wikidata about it would answer for a different wiki."""
    return is_wikimedia_host(urlsplit(wiki.api_url).hostname or "")


class WikiRegistry:
    """Finds and keeps the Wiki objects of one process (or one user of the web app)."""

    def __init__(self, config: Config, http: HttpClient | None = None) -> None:
        self.config = config
        self.http = (
            http
            if http is not None
            else HttpClient(HostGuard(), contact=config.contact, timeout=config.timeouts)
        )
        self.guard = self.http.guard
        self._lock = threading.RLock()
        self._by_api: dict[str, Wiki] = {}
        self._by_name: dict[str, Wiki] = {}
        self._discovered: list[Wiki] = []
        self._private_ok: dict[str, bool] = {}
        self._configured_urls: dict[str, PageUrl] = {}
        self._wikidata: WikidataClient | None = None
        for name, wiki in config.wikis.items():
            try:
                url = parse_wiki_url(wiki.url)
            except InputError as err:
                raise ConfigError(f"wikis.{name}.url: not an http(s) URL ({err.detail})") from err
            self._configured_urls[name] = url
            # A configured wiki may live on a private address (the testbed, an intranet wiki): allow it.
            # Wikimedia hosts stay public-only; they are allowed anyway.
            private_ok = not is_wikimedia_host(url.host)
            self._private_ok[url.host] = private_ok
            # on its own port only: 127.0.0.1:8080 being a wiki says nothing about 127.0.0.1:6379
            self.guard.allow_host(url.host, private_ok=private_ok, port=url.port or default_port(url.scheme))

    # --- public -----------------------------------------------------------------------------------

    def get(self, name_or_url: str) -> Wiki:
        """The Wiki for a configured name (wins), a Wikimedia name/dbname/host, or any URL on a wiki
        (a page, the root, or api.php). The same object for the same API URL.

        UnknownWikiError for a name that is none of these; InputError for a malformed URL.
        """
        text = name_or_url.strip()
        if not text:
            raise InputError(name_or_url, detail="empty wiki name")
        with self._lock:
            if text in self.config.wikis:
                return self._configured(text)
            if "://" in text or text.startswith("//") or "/" in text:
                return self._wiki_for_url(parse_wiki_url(text))
            host = wikimedia_host(text)
            if host is not None:
                return self._wiki_for_api(wikimedia_api(host), wikimedia_name(host))
            return self._bare_host(text)

    def wikidata(self) -> WikidataClient:
        """The Wikidata client of this registry (one per process, so items such as Q5611955 are asked
        for once), on the same guarded HttpClient as every wiki."""
        with self._lock:
            if self._wikidata is None:
                self._wikidata = WikidataClient.create(self.http)
            return self._wikidata

    def wikidata_for(self, *wikis: Wiki) -> WikidataClient | None:
        """The Wikidata client when every one of ``wikis`` is a Wikimedia wiki (sitelinks name only
        those), else None: the lookups then use langlinks alone."""
        return self.wikidata() if wikis and all(is_wikimedia(w) for w in wikis) else None

    def resolve_source(self, text: str) -> tuple[Wiki, str]:
        """(wiki, normalised File: title) for a page URL or ``WIKI:File:Name``.

        InputError when no title can be found, NotAFileError when the page is not in the File namespace.
        """
        stripped = text.strip()
        if not stripped:
            raise InputError(text, detail="empty input")
        with self._lock:
            if "://" not in stripped and not stripped.startswith("//"):
                split = split_wiki_prefix(stripped, self._is_known_name)
                if split is not None:
                    wiki = self.get(split[0])
                    return wiki, wiki.file_title(split[1])
                if "/" not in stripped:
                    raise InputError(stripped, detail="give the URL of the file page, or WIKI:File:Name")
            url = parse_page_url(stripped)
            wiki = self._wiki_for_url(url)
            title = url.title if url.title is not None else self._title_with_wiki(url, wiki)
            if title is None:
                raise InputError(stripped, detail="no page title in the URL")
            if wiki.siteinfo().split_title(title)[0] not in (FILE_NS, MEDIA_NS):
                # A URL names a page exactly: an article is not a file, even if a file of that name exists.
                raise NotAFileError(title)
            return wiki, wiki.file_title(title)

    def resolve_page(self, text: str) -> tuple[Wiki, str]:
        """(wiki, normalised title) for ``WIKI:Title`` (``commons:Extension:FileImporter/Data/x``) or a
        page URL: any namespace, unlike :meth:`resolve_source`.

        InputError when no wiki prefix or title can be found.
        """
        stripped = text.strip()
        with self._lock:
            split = split_wiki_prefix(stripped, self._is_known_name)
            if split is not None:
                wiki = self.get(split[0])
                return wiki, wiki.siteinfo().normalize(split[1])
            if "://" not in stripped and not stripped.startswith("//"):
                raise InputError(stripped, detail="give WIKI:Page (a configured or Wikimedia wiki) or a URL")
            url = parse_page_url(stripped)
            wiki = self._wiki_for_url(url)
            title = url.title if url.title is not None else self._title_with_wiki(url, wiki)
            if title is None:
                raise InputError(stripped, detail="no page title in the URL")
            return wiki, wiki.siteinfo().normalize(title)

    def _client(self, api_url: str) -> ApiClient:
        """An API client with the configured retry budget (``api_retries``, ``api_backoff``)."""
        return ApiClient(
            api_url, self.http, max_retries=self.config.api_retries, backoff=self.config.api_backoff
        )

    def _prepare(self, wiki: Wiki) -> Wiki:
        """Called for every Wiki this registry makes, and again when one takes a configured name: the
        place where a subclass gives it an account (accounts.UserWikiRegistry: the web user's OAuth
        token or bot password). Here the configuration's bot password, set by the caller, is all."""
        return wiki

    # --- names ------------------------------------------------------------------------------------

    def _is_known_name(self, name: str) -> bool:
        return name in self.config.wikis or wikimedia_host(name) is not None

    def _configured(self, name: str) -> Wiki:
        wiki = self._by_name.get(name)
        if wiki is not None:
            return wiki
        cfg: WikiConfig = self.config.wikis[name]
        url = self._configured_urls[name]
        api_url = self._api_url(url, private_ok=self._private_ok.get(url.host, False))
        credentials = (cfg.username, cfg.password) if cfg.username and cfg.password else None
        key = api_key(api_url)
        existing = self._by_api.get(key)
        if existing is not None and existing.name not in self.config.wikis:
            # Reached before by URL or Wikimedia name: it becomes the configured wiki (same object).
            existing.name, existing.credentials = name, credentials
            wiki = self._prepare(existing)
        elif existing is not None:
            # Two configured names for one API (maybe two accounts): each keeps its own Wiki.
            wiki = self._prepare(Wiki(name, self._client(api_url), credentials))
        else:
            wiki = self._prepare(Wiki(name, self._client(api_url), credentials))
            self._by_api[key] = wiki
        if self._private_ok.get(url.host, False):
            # Its files are served from its $wgServer, which may be another port than the configured
            # URL (a proxy in front of it): that origin belongs to the configured wiki too.
            wiki.on_siteinfo = self._allow_server
            if wiki.cached_siteinfo is not None:
                self._allow_server(wiki.cached_siteinfo)
        self._by_name[name] = wiki
        return wiki

    def _allow_server(self, site: SiteInfo) -> None:
        self.guard.allow_url(site.server, private_ok=True)

    def _configured_on(self, netloc: str) -> list[str]:
        return [name for name, url in self._configured_urls.items() if url.netloc == netloc]

    def _bare_host(self, text: str) -> Wiki:
        """A name with no scheme and no slash that is neither configured nor Wikimedia: maybe a host."""
        try:
            url = parse_wiki_url(text)
        except InputError as err:
            raise UnknownWikiError(text) from err
        try:
            return self._wiki_for_url(url)
        except (WikiUnreachableError, UnknownWikiError) as err:
            # The user typed a name, not an address: "unknown wiki" says better what went wrong.
            raise UnknownWikiError(text, detail=str(err)) from err

    # --- URLs -------------------------------------------------------------------------------------

    def _wiki_for_url(self, url: PageUrl) -> Wiki:
        candidates = self._configured_on(url.netloc)
        if len(candidates) == 1:
            return self._configured(candidates[0])
        for name in candidates:  # several wikis on one host: the one whose paths the URL follows
            wiki = self._configured(name)
            if self._url_is_on(url, wiki):
                return wiki
        for wiki in self._discovered:
            if self._url_is_on(url, wiki):
                return wiki
        default_name = wikimedia_name(url.host) if url.api_url_guess else url.netloc
        return self._wiki_for_api(self._api_url(url, private_ok=False), default_name)

    def _wiki_for_api(self, api_url: str, name: str) -> Wiki:
        key = api_key(api_url)
        wiki = self._by_api.get(key)
        if wiki is not None:
            return wiki
        for configured in self._configured_on(urlsplit(key).netloc):
            wiki = self._configured(configured)
            if api_key(wiki.api_url) == key:
                return wiki
        wiki = self._prepare(Wiki(name, self._client(api_url)))
        self._by_api[key] = wiki
        if not is_wikimedia_host(urlsplit(key).hostname or ""):
            self._discovered.append(wiki)
        return wiki

    @staticmethod
    def _url_is_on(url: PageUrl, wiki: Wiki) -> bool:
        """True when ``url`` follows the script or article path of ``wiki`` (known without a request:
        the API URL, plus the article path once siteinfo has been fetched)."""
        api = urlsplit(wiki.api_url)
        if api.netloc.lower() != url.netloc:
            return False
        script_dir = api.path.rsplit("/", 1)[0]
        if url.path.startswith(script_dir + "/") and url.path[len(script_dir) + 1 :] in (
            "index.php",
            "api.php",
        ):
            return True
        if url.path.startswith(script_dir + "/index.php/"):
            return True
        site = wiki.cached_siteinfo
        if site is None:
            return False
        prefix = site.articlepath.split("$1", 1)[0]
        return "?" not in prefix and url.path.startswith(prefix) and len(url.path) > len(prefix)

    def _api_url(self, url: PageUrl, *, private_ok: bool) -> str:
        """The api.php of the wiki ``url`` is on: given, known for Wikimedia, or discovered."""
        if url.path.endswith("/api.php"):
            return f"https://{url.host}{url.path}" if url.api_url_guess else url.origin + url.path
        if url.api_url_guess is not None:
            return url.api_url_guess
        return self._discover(url, private_ok=private_ok)

    def _discovery_page(self, url: PageUrl) -> str:
        if url.title_source == "upload":  # the file itself has no <head>: ask the wiki's index.php
            before, _, _ = url.path.partition("/images/")
            return f"{url.origin}{before}/index.php"
        return url.origin + url.path + (f"?{url.query}" if url.query else "")

    def _discover(self, url: PageUrl, *, private_ok: bool) -> str:
        """Read the EditURI link of a page of the wiki (RSD's apiLink when the link is not api.php)."""
        if not private_ok:
            # Public addresses only: the guard still refuses loopback, private networks and odd ports.
            self.guard.allow_host(url.host)
        page = self._discovery_page(url)
        response = self.http.request("GET", page, stream=True, headers={"Accept": "text/html"})
        try:
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) >= MAX_DISCOVERY_BYTES:
                    break
        finally:
            response.close()
        href = find_edit_uri(body.decode("utf-8", errors="replace"))
        if href is None:
            if response.status_code >= 500:
                raise HttpStatusError(response.status_code, page)
            raise UnknownWikiError(url.netloc, detail=f"no EditURI link in {page}")
        found = urlsplit(urljoin(response.url or page, href))
        if found.scheme not in ("http", "https") or not found.hostname:
            raise UnknownWikiError(url.netloc, detail=f"EditURI {href!r} is not an http(s) URL")
        if found.hostname != url.host or private_ok:
            self.guard.allow_host(
                found.hostname, private_ok=private_ok, port=found.port or default_port(found.scheme)
            )
        api = urlunsplit((found.scheme, found.netloc, found.path, "", ""))
        if api.endswith("/api.php"):
            return api
        return self._rsd_api_link(urlunsplit(found), url.netloc)

    def _rsd_api_link(self, rsd_url: str, netloc: str) -> str:
        response = self.http.request("GET", rsd_url)
        link = find_api_link(response.text[:MAX_DISCOVERY_BYTES])
        if link is None:
            raise UnknownWikiError(netloc, detail=f"no apiLink in {rsd_url}")
        api = urljoin(rsd_url, link)
        if urlsplit(api).scheme not in ("http", "https"):
            raise UnknownWikiError(netloc, detail=f"apiLink {link!r} is not an http(s) URL")
        return api

    def _title_with_wiki(self, url: PageUrl, wiki: Wiki) -> str | None:
        """The title the pure parser could not see: by the wiki's own article path, or by page/revision id."""
        title = title_from_articlepath(url, wiki.siteinfo().articlepath)
        if title is not None:
            return title
        params = url.params
        for key, api_param in zip(PAGE_ID_PARAMS, ("pageids", "revids"), strict=True):
            value = params.get(key, "")
            if value.isdigit():
                query = wiki.api.get({"action": "query", api_param: value}).get("query")
                pages = query.get("pages") if isinstance(query, dict) else None
                if isinstance(pages, list) and pages and isinstance(pages[0], dict):
                    page_title = pages[0].get("title")
                    if isinstance(page_title, str) and not pages[0].get("missing"):
                        return page_title
                raise InputError(f"{key}={value}", detail=f"no such page on {wiki.name}")
        return None
