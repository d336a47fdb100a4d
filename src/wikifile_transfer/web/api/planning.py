"""Planning and checking one transfer for the API: the options a request may carry, the plan with the
user's own page text, and the facts the preview card shows.

Kept apart from the endpoints so that the preview, creating a transfer and changing one before it runs
plan the same way: what the preview showed is what runs.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from wikifile_transfer.store.models import TITLE
from wikifile_transfer.transfer.describe import rules_for
from wikifile_transfer.transfer.model import (
    ArticleUse,
    CheckReport,
    CheckResult,
    Outcome,
    SourceFile,
    TransferPlan,
)
from wikifile_transfer.transfer.service import TransferOptions, TransferService
from wikifile_transfer.wiki.site import Wiki

MAX_PAGE_TEXT = 1_000_000
"""Characters of a description page typed by a user: far above any real one, far below a runaway paste."""

PageTextField = Annotated[
    str | None,
    Field(
        default=None,
        min_length=1,
        max_length=MAX_PAGE_TEXT,
        description="your own description page text; replaces the planned one and is checked again",
    ),
]


class ArticleUseIn(BaseModel):
    """Put the file into an article on the target (``--use-in``)."""

    title: str = Field(min_length=1, max_length=TITLE, description="the article (it must exist)")
    caption: str | None = Field(default=None, max_length=1000)
    base_revid: int | None = Field(
        default=None,
        ge=1,
        le=2**53,
        description="the revision the preview showed: saves only over exactly that one",
    )

    def to_model(self) -> ArticleUse:
        return ArticleUse(self.title.strip(), self.caption or None, self.base_revid)


def options_from(
    title: str | None, mark_source: bool, use_in: ArticleUseIn | None, rules_page: str | None
) -> TransferOptions:
    return TransferOptions(
        title=title.strip() if title and title.strip() else None,
        mark_source=mark_source,
        use_in=use_in.to_model() if use_in else None,
        rules_page=rules_page.strip() if rules_page and rules_page.strip() else None,
    )


def edited_text_check(plan: TransferPlan) -> list[CheckResult]:
    """A warning when the user's page text no longer links the original page: the credits (authors,
    upload log) are part of the planned text, and a hand edit is the easiest way to lose them."""
    if plan.source.page_url in plan.page_text:
        return []
    return [CheckResult("page-text", Outcome.WARN, "wft-api-page-text-no-source", (plan.source.page_url,))]


def checked_plan(
    service: TransferService, source: str, target: str, opts: TransferOptions, page_text: str | None
) -> tuple[TransferPlan, CheckReport]:
    """Plan ``source`` for ``target`` and check it; ``page_text`` (the user's edit) replaces the planned
    page before the checks. The licence gate still judges the source's own page: editing a non-free tag
    away does not make a file free."""
    plan = service.plan(source.strip(), target.strip(), opts)
    if page_text is not None:
        plan.page_text = page_text
    report = service.check(plan, opts)
    if page_text is not None:
        report.results += edited_text_check(plan)
    return plan, report


# --- facts for the preview card -------------------------------------------------------------------


class VersionOut(BaseModel):
    timestamp: str
    user: str
    comment: str
    sha1: str
    size: int
    width: int
    height: int
    mime: str
    url: str


class FileFacts(BaseModel):
    """What the preview card shows about the source file."""

    wiki: str
    title: str
    url: str
    repository: str
    versions: list[VersionOut] = Field(description="oldest first")
    size: int = Field(description="bytes of all versions together (what will be moved)")
    thumbnail_url: str | None = None
    licences: list[str] = Field(description="licence templates the rules for this pair know")
    templates: list[str]
    categories: list[str]
    usage: list[str] = Field(description="pages of the source wiki that use the file (first 50)")
    uploaders: list[str]
    authors: list[str] = Field(description="authors of the description page")


THUMB_WIDTH = 320


def file_facts(source: SourceFile, source_wiki: Wiki, target_wiki: Wiki) -> FileFacts:
    """The card's facts; thumbnail and usage cost one more request (both in it), licences none."""
    thumb: str | None = None
    usage: list[str] = []
    page = next(
        iter(
            source_wiki.api.query_pages(
                [source.title],
                {
                    "prop": "imageinfo|fileusage",
                    "iiprop": "url",
                    "iiurlwidth": THUMB_WIDTH,
                    "fulimit": 50,
                },
            )
        ),
        {},
    )
    infos: Any = page.get("imageinfo") or []
    if infos and isinstance(infos[0], dict):
        thumb = infos[0].get("thumburl") or None
    usage = [str(u.get("title", "")) for u in page.get("fileusage", []) if isinstance(u, dict)][:50]
    rules = rules_for(source_wiki.name, target_wiki.name)
    known = {t.lower() for t in rules.good_templates | rules.non_free_templates | rules.bad_templates}
    licences = [t for t in source.templates if t.split(":", 1)[-1].lower() in known]
    return FileFacts(
        wiki=source.wiki_name,
        title=source.title,
        url=source.page_url,
        repository=source.repository,
        versions=[VersionOut(**v.__dict__) for v in source.versions],
        size=sum(v.size for v in source.versions),
        thumbnail_url=thumb,
        licences=licences,
        templates=list(source.templates),
        categories=list(source.categories),
        usage=usage,
        uploaders=source.uploaders,
        authors=source.authors,
    )
