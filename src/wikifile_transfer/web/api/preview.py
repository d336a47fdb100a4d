"""Looking before moving: the dry run of one file (check report, source and target text with their diff,
the description rewrite's notes, follow-up edits, the preview card's facts), the target's rendering of
the planned page, a live title check for typing, and ``convert`` (a page rewritten, nothing moved).

Nothing here writes to a wiki or to the database.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from flask import Blueprint
from pydantic import BaseModel, Field
from spectree import Response as Resp

from wikifile_transfer.cli.convert import converted_json, notes_json
from wikifile_transfer.errors import InputError, NotAFileError, WftError
from wikifile_transfer.store.models import TITLE, WIKI
from wikifile_transfer.transfer.describe import Sites, build_context, describe, load_rules_page, rules_for
from wikifile_transfer.web.api.common import (
    CheckOut,
    FollowUpOut,
    MessageOut,
    checks_of,
    follow_up_out,
    message,
    require_sign_in,
)
from wikifile_transfer.web.api.planning import (
    MAX_PAGE_TEXT,
    ArticleUseIn,
    FileFacts,
    PageTextField,
    checked_plan,
    file_facts,
    options_from,
)
from wikifile_transfer.web.auth import user_id
from wikifile_transfer.web.errors import ErrorResponse
from wikifile_transfer.web.lang import request_lang
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.ratelimit import rate_limited
from wikifile_transfer.web.sanitize import preview_document, sanitise_html
from wikifile_transfer.web.services import services
from wikifile_transfer.wiki.lookups import WikiLookups
from wikifile_transfer.wikitext.steps.base import StepReport

blueprint = Blueprint("preview", __name__, url_prefix="/api/v1")
blueprint.before_request(require_sign_in)
ERRORS: Any = {
    "HTTP_400": ErrorResponse,
    "HTTP_401": ErrorResponse,
    "HTTP_404": ErrorResponse,
    "HTTP_409": ErrorResponse,
    "HTTP_502": ErrorResponse,
}


class PreviewIn(BaseModel):
    source: str = Field(min_length=1, max_length=2000, description="file page URL or WIKI:File:Name")
    target: str = Field(min_length=1, max_length=WIKI)
    title: str | None = Field(default=None, max_length=TITLE)
    mark_source: bool = True
    use_in: ArticleUseIn | None = None
    rules_page: str | None = Field(default=None, max_length=1000)
    page_text: PageTextField = None


class DescriptionOut(BaseModel):
    """What the rewrite of the description page did (the JSON of ``convert``, without the text)."""

    status: Literal["ok", "warn", "blocked"]
    changes: list[MessageOut]
    warnings: list[MessageOut]
    blocks: list[MessageOut]
    removed: list[str]
    categories: dict[str, Any] = Field(description="kept (list), localised (map), commented (list)")


class TargetOut(BaseModel):
    wiki: str
    title: str
    url: str


class PreviewOut(BaseModel):
    status: Literal["ready", "warn", "blocked"]
    source: FileFacts
    target: TargetOut
    checks: list[CheckOut] = Field(description="every check, passes too, in the order they ran")
    source_text: str
    target_text: str = Field(description="the planned description page (your page_text when given)")
    diff: str = Field(description="unified diff from source_text to target_text")
    description: DescriptionOut
    follow_ups: list[FollowUpOut]
    import_history: bool = Field(description="the page history is imported (the account may import)")
    summary: str = Field(description="the upload summary on the target")


def description_out(report: StepReport, lang: str) -> DescriptionOut:
    data = converted_json_report(report, lang)
    return DescriptionOut(**data)


def converted_json_report(report: StepReport, lang: str) -> dict[str, Any]:
    return {
        "status": report.status,
        "changes": notes_json(report.changes, lang),
        "warnings": notes_json(report.warnings, lang),
        "blocks": notes_json(report.blocks, lang),
        "removed": list(report.removed),
        "categories": {
            "kept": list(report.categories_kept),
            "localised": dict(report.categories_localised),
            "commented": list(report.categories_commented),
        },
    }


def unified(old: str, new: str, old_name: str, new_name: str) -> str:
    return "\n".join(
        difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm="")
    )


@blueprint.post("/transfers/preview")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=PreviewOut, **ERRORS), tags=["preview"])
def preview(json: PreviewIn) -> PreviewOut:
    """The dry run of one file: reads the source, plans the target page, runs every check and plans the
    follow-up edits (with the article's diff). Uploads and edits nothing."""
    lang = request_lang()
    service = services().context.service_for(user_id())
    opts = options_from(json.title, json.mark_source, json.use_in, json.rules_page)
    plan, report = checked_plan(service, json.source, json.target, opts, json.page_text)
    registry = service.registry
    source_wiki = registry.get(plan.source.wiki_name)
    target_wiki = registry.get(plan.target_wiki)
    status: Literal["ready", "warn", "blocked"] = (
        "blocked" if report.blocked else "warn" if report.warnings else "ready"
    )
    return PreviewOut(
        status=status,
        source=file_facts(plan.source, source_wiki, target_wiki),
        target=TargetOut(
            wiki=plan.target_wiki, title=plan.target_title, url=target_wiki.page_url(plan.target_title)
        ),
        checks=[CheckOut(**c) for c in checks_of(report, lang)],
        source_text=plan.source.text,
        target_text=plan.page_text,
        diff=unified(plan.source.text, plan.page_text, plan.source.title, plan.target_title),
        description=description_out(plan.description, lang),
        follow_ups=[follow_up_out(f, lang) for f in plan.follow_ups],
        import_history=plan.import_history,
        summary=plan.summary,
    )


# --- the target's rendering -------------------------------------------------------------------------


class RenderIn(BaseModel):
    target: str = Field(min_length=1, max_length=WIKI)
    title: str = Field(min_length=1, max_length=TITLE, description="the planned target title")
    text: str = Field(min_length=1, max_length=MAX_PAGE_TEXT)


class RenderOut(BaseModel):
    """The page as the target wiki renders it, rebuilt from an allowlist (web/sanitize.py).

    Show ``document`` in ``<iframe sandbox="allow-popups allow-popups-to-escape-sandbox"
    srcdoc=…>`` (no ``allow-scripts``, no ``allow-same-origin``); ``html`` is the same body alone."""

    html: str
    document: str
    base_url: str = Field(description="the wiki's address; every link and image is absolute on it")
    title: str
    lang: str
    dir: Literal["ltr", "rtl"]
    categories: list[str]


def text_direction(lang: str) -> Literal["ltr", "rtl"]:
    try:
        order = Locale.parse(lang.replace("-", "_")).character_order
    except (UnknownLocaleError, ValueError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


@blueprint.post("/transfers/preview/render")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=RenderOut, **ERRORS), tags=["preview"])
def render(json: RenderIn) -> RenderOut:
    """The planned (or edited) page text rendered by the target wiki (``action=parse``, nothing saved)."""
    registry = services().context.service_for(user_id()).registry
    wiki = registry.get(json.target)
    site = wiki.siteinfo()
    title = wiki.file_title(json.title)
    answer = wiki.api.post(
        {
            "action": "parse",
            "title": title,
            "text": json.text,
            "contentmodel": "wikitext",
            "prop": "text|categories",
            "pst": 1,
            "disablelimitreport": 1,
            "disableeditsection": 1,
            "preview": 1,
        }
    )
    parsed = answer.get("parse") if isinstance(answer.get("parse"), dict) else {}
    raw = parsed.get("text", "") if isinstance(parsed, dict) else ""
    if isinstance(raw, dict):  # formatversion=1 shape
        raw = raw.get("*", "")
    base = site.server.rstrip("/") + "/"
    fragment = sanitise_html(str(raw), base)
    categories = [
        str(c.get("category", c.get("*", ""))).replace("_", " ")
        for c in (parsed.get("categories", []) if isinstance(parsed, dict) else [])
        if isinstance(c, dict)
    ]
    direction = text_direction(site.lang)
    return RenderOut(
        html=fragment,
        document=preview_document(fragment, base, site.lang, direction),
        base_url=base,
        title=title,
        lang=site.lang,
        dir=direction,
        categories=categories,
    )


# --- live title check ---------------------------------------------------------------------------------


class TitleQuery(BaseModel):
    wiki: str = Field(min_length=1, max_length=WIKI)
    title: str = Field(min_length=1, max_length=1000, description="a file name or File: title")
    extension: str | None = Field(
        default=None, max_length=20, description="the source file's extension: the name must keep it"
    )


class TitleOut(BaseModel):
    """``valid`` false with a ``problem`` message, or the normalised ``title`` and whether it is taken."""

    valid: bool
    title: str | None = None
    problem: MessageOut | None = None
    extension_ok: bool | None = None
    extension_allowed: bool | None = Field(default=None, description="the wiki accepts this file type")
    exists: bool | None = Field(default=None, description="a page or file has this title on the target")
    file_exists: bool | None = None
    url: str | None = None


@blueprint.get("/titles/check")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=TitleOut, **ERRORS), tags=["preview"])
def check_title(query: TitleQuery) -> TitleOut:
    """As you type the target title: normalised by the wiki's rules (siteinfo, kept after the first
    call), the extension compared, and one small request for "is it taken?"."""
    lang = request_lang()
    wiki = services().context.service_for(user_id()).registry.get(query.wiki)
    try:
        title = wiki.file_title(query.title)
    except (InputError, NotAFileError) as error:
        return TitleOut(valid=False, problem=message_of(error, lang))
    site = wiki.siteinfo()
    name = title.split(":", 1)[1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    wanted = (query.extension or "").lower().lstrip(".") or None
    extension_ok = None if wanted is None else extension == wanted
    allowed = extension in site.file_extensions if site.file_extensions else None
    # one small request: no page text (fetch_target_state reads it; a keystroke must not)
    page = next(iter(wiki.api.query_pages([title], TITLE_PARAMS)), {})
    if page.get("invalid"):
        return TitleOut(
            valid=False,
            title=title,
            problem=message_of(InputError(title, detail=str(page.get("invalidreason", ""))), lang),
        )
    state = TitleState(
        title=str(page.get("title", title)),
        page_exists=not page.get("missing", False),
        file_exists=str(page.get("imagerepository") or "") != "",
    )
    problem = None
    if extension_ok is False:
        problem = message_of(WftError(wanted or "", extension, key="wft-api-title-extension"), lang)
    elif allowed is False:
        problem = message_of(WftError(extension, key="wft-api-title-filetype"), lang)
    return TitleOut(
        valid=problem is None,
        title=state.title,
        problem=problem,
        extension_ok=extension_ok,
        extension_allowed=allowed,
        exists=state.page_exists or state.file_exists,
        file_exists=state.file_exists,
        url=wiki.page_url(state.title),
    )


TITLE_PARAMS: dict[str, object] = {"prop": "info|imageinfo", "iiprop": "timestamp", "iilimit": 1}


# --- file name autocomplete ---------------------------------------------------------------------------


FILE_NAMESPACE = 6


class FileSearchQuery(BaseModel):
    wiki: str = Field(min_length=1, max_length=WIKI)
    q: str = Field(min_length=1, max_length=255, description="the start of a file name (File: optional)")
    limit: int = Field(default=10, ge=1, le=20)


class FileHit(BaseModel):
    title: str = Field(description="File:… as the wiki writes it")
    url: str = Field(description="the file's page on the wiki (paste it as the source)")


class FileSearchOut(BaseModel):
    files: list[FileHit]


@blueprint.get("/files/search")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=FileSearchOut, **ERRORS), tags=["preview"])
def search_files(query: FileSearchQuery) -> FileSearchOut:
    """Files of a wiki whose names start with ``q`` (the wiki's own ``prefixsearch`` in the File
    namespace: case and ``_`` handled as on the wiki), for the "choose wiki and file" autocomplete."""
    wiki = services().context.service_for(user_id()).registry.get(query.wiki)
    text = query.q.strip()
    if ":" in text:
        prefix, rest = text.split(":", 1)
        if wiki.siteinfo().namespace_id(prefix) == FILE_NAMESPACE:  # File:, Datei:, Image: …
            text = rest.strip()
    if not text:
        return FileSearchOut(files=[])
    body = wiki.api.get(
        {
            "action": "query",
            "list": "prefixsearch",
            "pssearch": text,
            "psnamespace": FILE_NAMESPACE,
            "pslimit": query.limit,
        }
    )
    hits = body.get("query", {}).get("prefixsearch", [])
    titles = [str(hit["title"]) for hit in hits if isinstance(hit, dict) and hit.get("title")]
    return FileSearchOut(files=[FileHit(title=title, url=wiki.page_url(title)) for title in titles])


@dataclass(frozen=True)
class TitleState:
    title: str
    page_exists: bool
    file_exists: bool


def message_of(error: WftError, lang: str) -> MessageOut:
    return message(error.key, list(error.params), lang)


# --- convert --------------------------------------------------------------------------------------------


class ConvertIn(BaseModel):
    source: str = Field(min_length=1, max_length=WIKI, description="the wiki the page comes from")
    target: str = Field(min_length=1, max_length=WIKI, description="the wiki the page is for")
    text: str = Field(min_length=1, max_length=MAX_PAGE_TEXT)
    rules_page: str | None = Field(default=None, max_length=1000)
    offline: bool = Field(
        default=False, description="no request at all (categories without a rule commented)"
    )


class ConvertOut(DescriptionOut):
    text: str


@blueprint.post("/convert")
@rate_limited("expensive")
@api.validate(resp=Resp(HTTP_200=ConvertOut, **ERRORS), tags=["preview"])
def convert(json: ConvertIn) -> ConvertOut:
    """Rewrite a description page for another wiki without transferring anything (as the CLI's
    ``convert``): the text, and what the rewrite changed, warns about and blocks."""
    lang = request_lang()
    if json.offline and json.rules_page:
        raise InputError("rules_page", key="wft-error-offline-rules-page")
    sites, lookups, page = Sites(), None, None
    source_name, target_name = json.source, json.target
    if not json.offline:
        service = services().context.service_for(user_id())
        registry = service.registry
        source, target = registry.get(json.source), registry.get(json.target)
        sites = Sites(source.siteinfo(), target.siteinfo())
        lookups = WikiLookups(source, target, registry.wikidata_for(source, target))
        source_name, target_name = source.name, target.name
        if json.rules_page:
            page = load_rules_page(registry, json.rules_page, service.rule_pages)
    rules = rules_for(source_name, target_name, None, page)
    result = describe(json.text, build_context(rules, sites, lookups=lookups))
    return ConvertOut(**converted_json(result, lang))
