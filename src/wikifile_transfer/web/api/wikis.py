"""Wikis for pickers, and "what is this URL?".

``GET /wikis`` searches the bundled (or refreshed) Wikimedia site list (wiki/sitelist.py), the wikis
of the configuration file, and the wikis the signed-in user stored a bot password for (a self-hosted wiki
reached by its URL at sign-in: the user's own, listed for that user only); ``POST /resolve`` turns a
pasted URL into wiki, title, namespace and file page URL through the same registry a transfer uses, so
the SSRF guard applies: a URL of a private address that is not a configured wiki is refused before any
request.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, Field
from spectree import Response as Resp

from wikifile_transfer.accounts import BOTPASSWORD_KIND
from wikifile_transfer.errors import InputError
from wikifile_transfer.store import repo
from wikifile_transfer.web.api.common import require_sign_in
from wikifile_transfer.web.auth import user_id
from wikifile_transfer.web.errors import ErrorResponse
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.ratelimit import rate_limited
from wikifile_transfer.web.services import services
from wikifile_transfer.wiki.siteinfo import FILE_NS
from wikifile_transfer.wiki.sitelist import PROJECTS, load_sites, search
from wikifile_transfer.wiki.urls import parse_wiki_url
from wikifile_transfer.wiki.wikimedia import wikimedia_host

blueprint = Blueprint("wikis", __name__, url_prefix="/api/v1")
blueprint.before_request(require_sign_in)
ERRORS: Any = {"HTTP_400": ErrorResponse, "HTTP_401": ErrorResponse, "HTTP_502": ErrorResponse}
Project = Literal[
    "wikipedia",
    "wiktionary",
    "wikibooks",
    "wikinews",
    "wikiquote",
    "wikisource",
    "wikiversity",
    "wikivoyage",
    "special",
    "custom",
]
assert set(PROJECTS.values()) <= set(Project.__args__)  # type: ignore[attr-defined]


class WikisQuery(BaseModel):
    q: str | None = Field(default=None, max_length=100, description="any part of a name, dbname or URL")
    lang: str | None = Field(
        default=None, max_length=60, description="a language code (exact), English name or autonym (prefix)"
    )
    project: Project | None = None
    include_closed: bool = False
    limit: int = Field(default=50, ge=1, le=1000)


class WikiOut(BaseModel):
    """A wiki to pick: ``name`` is what to send as ``target`` (or in ``WIKI:File:X``)."""

    name: str
    dbname: str | None = None
    url: str
    project: str
    sitename: str
    lang: str | None = None
    lang_name: str | None = Field(default=None, description="the language's English name")
    autonym: str | None = Field(default=None, description="the language's name in itself")
    dir: Literal["ltr", "rtl"] = "ltr"
    closed: bool = False
    configured: bool = Field(default=False, description="named in the configuration file")
    account: str | None = Field(
        default=None, description="your account on this wiki (a bot password you stored), if any"
    )


class WikiList(BaseModel):
    items: list[WikiOut]
    total: int = Field(description="matches before the limit")


@blueprint.get("/wikis")
@api.validate(resp=Resp(HTTP_200=WikiList, **ERRORS), tags=["wikis"])
def list_wikis(query: WikisQuery) -> WikiList:
    """Search the configured wikis and every Wikimedia wiki (no request to any wiki)."""
    needle = (query.q or "").strip().lower()
    with services().db.read_session() as session:
        accounts = {
            c.wiki: c.account for c in repo.list_credentials(session, user_id()) if c.kind == BOTPASSWORD_KIND
        }
    custom: list[WikiOut] = []
    if query.project in (None, "custom") and not query.lang:
        configured = services().config.wikis
        for name, wiki in configured.items():
            if not needle or needle in name.lower() or needle in wiki.url.lower():
                custom.append(
                    WikiOut(
                        name=name,
                        url=wiki.url,
                        project="custom",
                        sitename=name,
                        configured=True,
                        account=accounts.get(name),
                    )
                )
        for name, account in sorted(accounts.items()):
            if name in configured or is_wikimedia_name(name):
                continue  # listed with the configured or the Wikimedia wikis
            if needle and needle not in name.lower():
                continue
            custom.append(
                WikiOut(name=name, url=own_wiki_url(name), project="custom", sitename=name, account=account)
            )
    found = []
    if query.project != "custom":
        found = search(
            load_sites(),
            q=query.q,
            lang=query.lang,
            project=query.project,
            include_closed=query.include_closed,
        )
    items = custom + [
        WikiOut(
            account=accounts.get(s.name),
            name=s.name,
            dbname=s.dbname,
            url=s.url,
            project=s.project,
            sitename=s.sitename,
            lang=s.lang,
            lang_name=s.lang_name,
            autonym=s.autonym,
            dir="rtl" if s.dir == "rtl" else "ltr",
            closed=s.closed,
        )
        for s in found
    ]
    return WikiList(items=items[: query.limit], total=len(items))


def is_wikimedia_name(name: str) -> bool:
    return wikimedia_host(name) is not None


def own_wiki_url(name: str) -> str:
    """The address of a wiki known by the name the registry gave it when it was reached by URL (its host,
    with the port if any): no request is sent to find out more."""
    try:
        url = parse_wiki_url(name)
    except InputError:
        return name
    return f"{url.scheme}://{url.host}{f':{url.port}' if url.port else ''}/"


class ResolveIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000, description="any page URL, or WIKI:Title")


class ResolveOut(BaseModel):
    wiki: str
    api_url: str
    sitename: str
    lang: str
    title: str
    namespace: int
    is_file: bool
    page_url: str = Field(description="the page's URL as the wiki writes it")


@blueprint.post("/resolve")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=ResolveOut, HTTP_404=ErrorResponse, **ERRORS), tags=["wikis"])
def resolve(json: ResolveIn) -> ResolveOut:
    """Which wiki and page a pasted URL (or ``WIKI:Title``) names; a wiki that is not known is found
    through its EditURI link, through the SSRF guard (private addresses are refused)."""
    registry = services().context.service_for(user_id()).registry
    wiki, title = registry.resolve_page(json.url)
    site = wiki.siteinfo()
    namespace, _ = site.split_title(title)
    return ResolveOut(
        wiki=wiki.name,
        api_url=wiki.api_url,
        sitename=site.sitename,
        lang=site.lang,
        title=title,
        namespace=namespace,
        is_file=namespace == FILE_NS,
        page_url=wiki.page_url(title),
    )
