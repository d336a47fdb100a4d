"""Edits after a transfer: tagging the source file with NowCommons, and editing an article.

I/O only: the wikitext of the tag and of the article comes from the caller (``wikitext/``); this
module decides nothing about content beyond putting ``{{template|File:X}}`` together.

Why the care: both edits touch pages other people edit. Tagging must be idempotent (a retried job must
not add a second tag), and an article edit must never overwrite a change someone made after the user
saw the preview: the edit is tied to the previewed revision (``baserevid``), refused here when the
page has a newer revision, and MediaWiki's own ``editconflict`` (an edit in the last milliseconds)
becomes an EditConflictError too.

``basetimestamp`` is deliberately NOT sent with ``baserevid``. Observed on MediaWiki 1.39 (the
testbed): with both, EditPage's "self-conflict" check (``RevisionStore::userWasLastToEdit``, which looks
for revisions with ``rev_timestamp > basetimestamp``) does not see another user's edit made in the same
second as the base revision, calls it a conflict with ourselves and saves over it. With ``baserevid``
alone, MediaWiki compares revision ids, tries a three-way merge and answers ``editconflict`` when the
merge fails (ApiEditPage's own comment warns about this). ``starttimestamp`` is sent so that a page
deleted after the preview is not recreated.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wikifile_transfer.errors import ApiError, InputError, MissingFileError, WftError
from wikifile_transfer.wiki.lookups import query_titles
from wikifile_transfer.wiki.site import Wiki

TEMPLATE_NS = 10


class EditConflictError(ApiError):
    """The page changed after the revision the edit is based on; nothing was saved."""

    key = "wft-error-edit-conflict"

    def __init__(self, title: str, info: str = "", *, data: dict[str, object] | None = None) -> None:
        super().__init__("editconflict", info, data=data)
        self.title = title
        self.params = (title,)  # the message names the page; the API's code/info go to ``detail``
        self.detail = info or None


class MissingPageError(WftError):
    """The page to edit does not exist (articles are edited, never created, by the tool).
    Parameters: title, wiki name."""

    key = "wft-error-missing-page"


class EditFailedError(ApiError):
    """The wiki answered an edit with a result other than Success (a captcha, an abuse filter…).
    ``code`` is that result; parameters: result, title."""

    key = "wft-error-edit-failed"


@dataclass(frozen=True)
class EditResult:
    """What an edit did: ``changed`` is False for a null edit (the text was already the same)."""

    title: str
    old_revid: int | None
    new_revid: int | None
    changed: bool


@dataclass(frozen=True)
class ArticlePreview:
    """The current revision of an article and the unified diff to ``new_text``; pass ``base_revid`` to
    :func:`edit_article` so that saving fails if the page changed after this preview."""

    base_revid: int
    old_text: str
    new_text: str
    diff: str
    title: str = ""
    started: str | None = None  # the wiki's clock at the preview: ``starttimestamp`` of the edit


@dataclass(frozen=True)
class _Revision:
    title: str
    revid: int
    timestamp: str
    text: str | None


def _latest(
    wiki: Wiki, title: str, extra: Mapping[str, object], *, content: bool
) -> tuple[dict[str, Any], _Revision, str | None]:
    """The page (with ``extra`` props), its latest revision (or the one ``extra`` selects) and the
    wiki's clock; MissingPageError when the page does not exist."""
    rvprop = "ids|timestamp|content" if content else "ids|timestamp"
    params: dict[str, object] = {
        "prop": "revisions|info",
        "rvprop": rvprop,
        "rvslots": "main",
        "curtimestamp": True,
        **extra,
    }
    answer = query_titles(wiki.api, [title], params)
    page = answer.page(title)
    if page is None or page.get("missing") or page.get("invalid"):
        raise MissingPageError(title, wiki.name)
    return page, _revision(page, title, wiki.name), answer.curtimestamp


def _revision(page: Mapping[str, Any], title: str, wiki_name: str) -> _Revision:
    revisions = page.get("revisions")
    if not isinstance(revisions, list) or not revisions or not isinstance(revisions[0], Mapping):
        raise MissingPageError(title, wiki_name, detail="no revision in the answer")
    rev = revisions[0]
    main = rev.get("slots", {}).get("main", {}) if isinstance(rev.get("slots"), Mapping) else {}
    text = main.get("content") if isinstance(main, Mapping) else None
    return _Revision(
        title=str(page.get("title", title)),
        revid=int(rev.get("revid", 0)),
        timestamp=str(rev.get("timestamp", "")),
        text=text if isinstance(text, str) else None,
    )


def _template_name(wiki: Wiki, template: str) -> str:
    """``NowCommons``, ``Template:NowCommons`` or ``Vorlage:NowCommons`` → ``NowCommons``."""
    ns, rest = wiki.siteinfo().split_title(template)
    name = rest if ns == TEMPLATE_NS else template.replace("_", " ").strip()
    if not name:
        raise InputError(template, detail="empty template name")
    return name


def _calls_template(wiki: Wiki, text: str, name: str) -> bool:
    """True when ``text`` transcludes ``name`` directly (``{{NowCommons|…}}``, ``{{template:nowCommons}}``).

    Needed next to ``prop=templates`` because the links tables are written after the edit (a deferred
    update, or a job on a busy wiki): right after tagging, ``prop=templates`` may not list the template
    yet, and a retried job would tag a second time.
    """
    site = wiki.siteinfo()
    namespace = site.namespaces.get(TEMPLATE_NS)
    prefixes = {"template", "msg"}
    if namespace is not None:
        prefixes |= {n.lower() for n in (namespace.name, namespace.canonical or "", *namespace.aliases) if n}
    prefix = "|".join(re.escape(p).replace("\\ ", "[ _]+") for p in sorted(prefixes))
    first, rest = name[0], re.escape(name[1:]).replace("\\ ", "[ _]+")
    head = f"[{re.escape(first.upper())}{re.escape(first.lower())}]" if first.isalpha() else re.escape(first)
    pattern = rf"\{{\{{\s*(?:(?i:{prefix})\s*:\s*)?{head}{rest}\s*(?:\||\}}\}})"
    return re.search(pattern, text) is not None


def mark_now_commons(source: Wiki, title: str, template: str, target_title: str, *, summary: str) -> bool:
    """Put ``{{<template>|<target_title>}}`` at the top of the source file page unless it already uses
    the template: listed by ``prop=templates`` (which also catches a redirect to it), or called in the
    current text (which catches our own tag before the links tables are updated).

    Returns True when it edited, False when the page was already tagged, so a retried job never tags
    twice. ``target_title`` is the full file title on the target (``File:X.png``), as enwiki's
    ``{{Now Commons|File:X.png}}`` expects. MissingFileError when the source page does not exist.
    """
    name = _template_name(source, template)
    try:
        page, rev, now = _latest(
            source,
            title,
            {"prop": "revisions|info|templates", "tltemplates": f"Template:{name}", "tllimit": "max"},
            content=True,
        )
    except MissingPageError as err:
        raise MissingFileError(title, source.name, detail="the source file page does not exist") from err
    if page.get("templates") or _calls_template(source, rev.text or "", name):
        return False
    _post_edit(
        source,
        rev.title,
        {
            "prependtext": f"{{{{{name}|{target_title}}}}}\n",
            "summary": summary,
            "baserevid": rev.revid,  # no basetimestamp: see the module docstring
            "starttimestamp": now or rev.timestamp,
        },
    )
    return True


@dataclass(frozen=True)
class ArticleRevision:
    """The latest revision of an article: what a change is computed from and based on."""

    title: str  # as the wiki writes it
    revid: int
    text: str
    started: str | None  # the wiki's clock when it was read: ``starttimestamp`` of the edit


def read_article(wiki: Wiki, title: str) -> ArticleRevision:
    """The article's latest revision with its text; MissingPageError when there is no such page."""
    _page, rev, now = _latest(wiki, title, {}, content=True)
    return ArticleRevision(rev.title, rev.revid, rev.text or "", now)


def diff_preview(revision: ArticleRevision, new_text: str) -> ArticlePreview:
    """The unified diff from ``revision`` to ``new_text``, as an ArticlePreview to show and to base the
    edit on. Pure: the caller computes ``new_text`` from ``revision.text``."""
    diff = "\n".join(
        difflib.unified_diff(
            revision.text.splitlines(),
            new_text.splitlines(),
            fromfile=f"{revision.title} (revision {revision.revid})",
            tofile=f"{revision.title} (new)",
            lineterm="",
        )
    )
    return ArticlePreview(
        revision.revid, revision.text, new_text, diff, title=revision.title, started=revision.started
    )


def preview_article_edit(wiki: Wiki, title: str, new_text: str) -> ArticlePreview:
    """The article's latest revision and a unified diff to ``new_text``; nothing is written."""
    return diff_preview(read_article(wiki, title), new_text)


def edit_article(
    wiki: Wiki,
    title: str,
    new_text: str,
    *,
    base_revid: int,
    summary: str,
    start_timestamp: str | None = None,
) -> EditResult:
    """Replace the article's text, based on revision ``base_revid`` (from :func:`preview_article_edit`).

    EditConflictError when the page has a newer revision than ``base_revid`` (even one by the same
    account: MediaWiki would merge or ignore such a "self-conflict", but the user approved the diff to
    ``base_revid`` and nothing else), or when MediaWiki reports ``editconflict`` for an edit that came
    in between. InputError when ``base_revid`` is not a revision of this page. ``start_timestamp``
    (``ArticlePreview.started``) makes MediaWiki refuse the edit if the page was deleted after it.
    """
    page, rev, _now = _latest(wiki, title, {"rvstartid": base_revid, "rvlimit": 1}, content=False)
    if rev.revid != base_revid:
        raise InputError(title, detail=f"revision {base_revid} is not a revision of this page")
    latest = page.get("lastrevid")
    if isinstance(latest, int) and latest != base_revid:
        raise EditConflictError(rev.title, f"the page has revision {latest}, newer than {base_revid}")
    return submit_edit(
        wiki,
        rev.title,
        new_text,
        base_revid=base_revid,
        start_timestamp=start_timestamp or rev.timestamp,
        summary=summary,
    )


def submit_edit(
    wiki: Wiki, title: str, new_text: str, *, base_revid: int, start_timestamp: str, summary: str
) -> EditResult:
    """The edit itself, with MediaWiki's conflict detection: ``baserevid`` makes an intervening edit an
    ``editconflict`` (→ EditConflictError) unless MediaWiki can merge it cleanly, ``starttimestamp``
    makes a deletion after it an error, and ``nocreate`` keeps a deleted article deleted.

    Use :func:`edit_article`, which also refuses a clean merge (the user approved one diff); this
    step alone is what protects against an edit in the moment between that check and the save."""
    return _post_edit(
        wiki,
        title,
        {
            "text": new_text,
            "summary": summary,
            "baserevid": base_revid,  # no basetimestamp: see the module docstring
            "starttimestamp": start_timestamp,
        },
    )


def _post_edit(wiki: Wiki, title: str, params: Mapping[str, object]) -> EditResult:
    """``action=edit`` (never creating the page) with MediaWiki's refusals mapped to typed errors."""
    wiki.ensure_login()
    try:
        body = wiki.api.post_with_token({"action": "edit", "title": title, "nocreate": True, **params})
    except ApiError as err:
        if err.code == "editconflict":
            raise EditConflictError(title, err.info, data=err.data) from err
        if err.code in ("missingtitle", "pagedeleted"):
            raise MissingPageError(title, wiki.name, detail=f"{err.code}: {err.info}") from err
        raise
    return _check_edit(body, title)


def _check_edit(body: Mapping[str, Any], title: str) -> EditResult:
    edit = body.get("edit")
    if not isinstance(edit, Mapping) or edit.get("result") != "Success":
        result = edit.get("result", "?") if isinstance(edit, Mapping) else "?"
        raise EditFailedError(str(result), title, data=dict(edit or {}))
    nochange = bool(edit.get("nochange"))
    old, new = edit.get("oldrevid"), edit.get("newrevid")
    return EditResult(
        title=str(edit.get("title", title)),
        old_revid=old if isinstance(old, int) else None,
        new_revid=new if isinstance(new, int) else None,
        changed=not nochange,
    )
