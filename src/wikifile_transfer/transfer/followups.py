"""The edits after a transfer: marking the source file as moved, and putting the file into an article.

Planning (before any byte moves) decides what will be done and says why something will not: the source
is marked only when the target is its shared file repository (a file moved to Commons; ``meta=
filerepoinfo`` of the source says which wikis that are), with the source wiki's own NowCommons template
(from the rules, or for a Wikimedia wiki from the sitelinks of Wikidata item Q5611955), and with an
account to edit there. An article edit is previewed against the article's latest revision, so a missing
article or one that changed since the user's preview (``--base-revid``) stops the transfer before the
upload.

Running happens after the upload, as idempotent steps like every other: the mark is not added when the
page already carries the template, the article is not edited when it already uses the file. A failure
(an edit conflict, a protected page) fails the transfer; the next run repeats only what is missing.
"""

from __future__ import annotations

from wikifile_transfer.i18n import msg
from wikifile_transfer.transfer.model import (
    MARK_SOURCE,
    USE_IN_ARTICLE,
    ArticleUse,
    FollowUp,
    FollowUpStatus,
    MarkSource,
    TransferPlan,
)
from wikifile_transfer.transfer.planner import shared_repository_wikis
from wikifile_transfer.wiki.edits import (
    ArticleRevision,
    EditConflictError,
    diff_preview,
    edit_article,
    mark_now_commons,
    read_article,
)
from wikifile_transfer.wiki.registry import WikiRegistry, api_key, is_wikimedia
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.wikidata import WikidataClient, now_commons_template
from wikifile_transfer.wikitext.article import add_file


def is_shared_repository_of(target: Wiki, source: Wiki, registry: WikiRegistry) -> bool:
    wanted = api_key(target.api_url)
    return any(api_key(repo.api_url) == wanted for repo in shared_repository_wikis(source, registry))


# --- planning ----------------------------------------------------------------------------------------


def plan_follow_ups(
    plan: TransferPlan,
    source: Wiki,
    target: Wiki,
    registry: WikiRegistry,
    *,
    mark_source: bool = True,
    use_in: ArticleUse | None = None,
) -> None:
    """Decide the post-transfer edits of ``plan`` (``mark_source``, ``use_in``, ``follow_ups``).

    Raises MissingPageError for an article that does not exist and EditConflictError when the article
    changed after the revision the user previewed, so the transfer stops before any byte is uploaded.
    """
    plan.follow_ups = [_plan_mark(plan, source, target, registry, wanted=mark_source)]
    if use_in is not None:
        plan.follow_ups.append(_plan_article(plan, target, use_in))


def _skip(key: str, *params: str) -> FollowUp:
    return FollowUp(MARK_SOURCE, FollowUpStatus.SKIPPED, key, params)


def _plan_mark(
    plan: TransferPlan, source: Wiki, target: Wiki, registry: WikiRegistry, *, wanted: bool
) -> FollowUp:
    if not wanted:
        return _skip("wft-followup-mark-off")
    if not is_shared_repository_of(target, source, registry):
        return _skip("wft-followup-mark-not-shared", target.name, source.name)
    template = plan.now_commons_template or _template_from_wikidata(source, registry)
    if template is None:
        return _skip("wft-followup-mark-no-template", source.name)
    if not source.has_account:
        return _skip("wft-followup-mark-no-account", source.name)
    plan.mark_source = MarkSource(template, plan.target_title)
    return FollowUp(
        MARK_SOURCE,
        FollowUpStatus.PLANNED,
        "wft-followup-mark-planned",
        (plan.source.title, template, plan.target_title),
    )


def _template_from_wikidata(source: Wiki, registry: WikiRegistry) -> str | None:
    """The NowCommons template of a Wikimedia wiki, from Q5611955's sitelinks (None elsewhere)."""
    if not is_wikimedia(source):
        return None
    wikidata: WikidataClient = registry.wikidata()
    return now_commons_template(wikidata, source.siteinfo().wikiid)


def _plan_article(plan: TransferPlan, target: Wiki, use_in: ArticleUse) -> FollowUp:
    revision = _current(target, use_in)
    plan.use_in = use_in
    new_text = add_file(revision.text, plan.target_title, use_in.caption)
    if new_text is None:
        return FollowUp(
            USE_IN_ARTICLE, FollowUpStatus.ALREADY_DONE, "wft-followup-article-already", (revision.title,)
        )
    preview = diff_preview(revision, new_text)
    return FollowUp(
        USE_IN_ARTICLE,
        FollowUpStatus.PLANNED,
        "wft-followup-article-planned",
        (revision.title, str(revision.revid)),
        diff=preview.diff,
        revision=revision.revid,
    )


def _current(target: Wiki, use_in: ArticleUse) -> ArticleRevision:
    """The article's latest revision; EditConflictError when it is not the one the user previewed."""
    revision = read_article(target, use_in.title)
    if use_in.base_revid is not None and revision.revid != use_in.base_revid:
        raise EditConflictError(
            revision.title, f"the page has revision {revision.revid}, newer than {use_in.base_revid}"
        )
    return revision


# --- running -----------------------------------------------------------------------------------------


def run_follow_ups(plan: TransferPlan, source: Wiki, target: Wiki, target_title: str) -> list[FollowUp]:
    """Do the planned edits for a file now at ``target_title`` on ``target``; the skipped ones are passed
    through, so the result lists every follow-up. WftError (an edit conflict, a protected page) ends the
    run: the transfer failed, and the next run repeats only what is missing."""
    done: list[FollowUp] = []
    for follow_up in plan.follow_ups:
        if follow_up.id == MARK_SOURCE and plan.mark_source is not None:
            done.append(_mark(plan, plan.mark_source, source, target, target_title))
        elif follow_up.id == USE_IN_ARTICLE and plan.use_in is not None:
            done.append(_use_in(plan, plan.use_in, source, target, target_title))
        else:
            done.append(follow_up)
    return done


def _mark(plan: TransferPlan, mark: MarkSource, source: Wiki, target: Wiki, target_title: str) -> FollowUp:
    site = target.siteinfo()
    summary = msg(
        "wft-summary-mark-source", site.sitename, target.page_url(target_title), lang=source.siteinfo().lang
    )
    params = (plan.source.title, mark.template, target_title)
    if mark_now_commons(source, plan.source.title, mark.template, target_title, summary=summary):
        return FollowUp(MARK_SOURCE, FollowUpStatus.DONE, "wft-followup-mark-done", params)
    return FollowUp(MARK_SOURCE, FollowUpStatus.ALREADY_DONE, "wft-followup-mark-already", params[:2])


def _use_in(
    plan: TransferPlan, use_in: ArticleUse, source: Wiki, target: Wiki, target_title: str
) -> FollowUp:
    revision = _current(target, use_in)
    new_text = add_file(revision.text, target_title, use_in.caption)
    if new_text is None:
        return FollowUp(
            USE_IN_ARTICLE, FollowUpStatus.ALREADY_DONE, "wft-followup-article-already", (revision.title,)
        )
    preview = diff_preview(revision, new_text)
    summary = msg(
        "wft-summary-use-in-article",
        target_title,
        plan.source.page_url,
        source.siteinfo().sitename,
        lang=target.siteinfo().lang,
    )
    result = edit_article(
        target,
        revision.title,
        new_text,
        base_revid=revision.revid,
        summary=summary,
        start_timestamp=revision.started,
    )
    return FollowUp(
        USE_IN_ARTICLE,
        FollowUpStatus.DONE,
        "wft-followup-article-done",
        (result.title, str(result.new_revid or "")),
        diff=preview.diff,
        revision=revision.revid,
    )
