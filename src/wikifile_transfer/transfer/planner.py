"""SourceFile → TransferPlan, and the lookups the checks need (CheckContext).

The planner decides the target title, whether the page history can be imported, and the page text:
the description pipeline for the wiki pair (transfer.describe) plus the provenance part that keeps
every credit.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from wikifile_transfer.errors import NotLoggedInError
from wikifile_transfer.i18n import msg
from wikifile_transfer.transfer.checks import CheckContext
from wikifile_transfer.transfer.describe import (
    Sites,
    build_context,
    category_prefixes,
    describe,
    interwiki_prefix,
    rules_for,
)
from wikifile_transfer.transfer.duplicates import Sha1Index
from wikifile_transfer.transfer.model import SourceFile, TransferPlan
from wikifile_transfer.transfer.target import fetch_target_state
from wikifile_transfer.wiki.api import UserInfo
from wikifile_transfer.wiki.lookups import WikiLookups
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.wikidata import WikidataClient
from wikifile_transfer.wikitext.provenance import interwiki_user_link, provenance_section
from wikifile_transfer.wikitext.rules.model import RuleSet
from wikifile_transfer.wikitext.steps.base import FileFacts
from wikifile_transfer.wikitext.steps.layout import place_provenance

__all__ = ["build_plan", "category_prefixes", "current_user", "gather_context", "interwiki_prefix"]


def current_user(wiki: Wiki) -> UserInfo | None:
    """The account the tool uses on ``wiki``: logged in when credentials are configured, else None."""
    if not wiki.has_account:
        return None
    try:
        wiki.ensure_login()
    except NotLoggedInError:
        return None
    return wiki.api.userinfo()


def build_plan(
    source: SourceFile,
    source_wiki: Wiki,
    target_wiki: Wiki,
    *,
    title: str | None = None,
    import_history: bool = False,
    rules: RuleSet | None = None,
    wikidata: WikidataClient | None = None,
    lookups: WikiLookups | None = None,
) -> TransferPlan:
    """The plan for ``source``: target title, the rewritten description page with provenance, and the
    report of the rewrite. ``wikidata`` (for two Wikimedia wikis, see ``WikiRegistry.wikidata_for``)
    lets categories and templates without a langlink be localised through Wikidata sitelinks.
    ``lookups``: answers shared with other plans of the same wiki pair (a batch: the files of a
    category share most categories and templates, looked up once); None: this plan's own."""
    source_site = source_wiki.siteinfo()
    target_site = target_wiki.siteinfo()
    lang = target_site.lang
    target_title = target_wiki.file_title(title or source.name)
    rules = rules if rules is not None else rules_for(source_wiki.name, target_wiki.name)
    first = source.versions[0]
    facts = FileFacts(
        original_uploader=first.user,
        first_upload=first.timestamp,
        source_url=source.page_url,
        metadata=source.metadata,
    )
    context = build_context(
        rules,
        Sites(source_site, target_site),
        facts=facts,
        lookups=lookups if lookups is not None else WikiLookups(source_wiki, target_wiki, wikidata),
        source_lang=source.lang,
    )
    converted = describe(source.text, context)
    prefix = context.interwiki_prefix
    user_link = interwiki_user_link(prefix, lambda user: source_wiki.page_url(f"User:{user}"))
    provenance = provenance_section(
        source_url=source.page_url,
        source_title=source.title,
        source_wiki=source_site.sitename,
        versions=source.versions,
        authors=source.authors,
        user_link=user_link,
        lang=lang,
        with_authors=not import_history,
    )
    page_text = place_provenance(converted.text, provenance)
    summary = msg("wft-summary-transfer", source.page_url, source.title, source_site.sitename, lang=lang)
    return TransferPlan(
        source=source,
        target_wiki=target_wiki.name,
        target_title=target_title,
        page_text=page_text,
        summary=summary,
        import_history=import_history,
        import_prefix=prefix,
        changes=[c.key for c in converted.report.changes],
        description=converted.report,
        now_commons_template=rules.now_commons_template,
    )


def shared_repository_wikis(wiki: Wiki, registry: WikiRegistry) -> list[Wiki]:
    """The wikis whose files ``wiki`` shows as its own (Commons for a Wikipedia).

    From the wiki's siteinfo (``meta=siteinfo|filerepoinfo``, asked once per Wiki object and already
    needed for the checks): a batch of a thousand files must not ask a thousand times, nor once more."""
    apis = wiki.shared_repository_apis
    if apis is None:
        apis = list(wiki.siteinfo().shared_repo_apis)
        wiki.shared_repository_apis = apis
    return [registry.get(api) for api in apis]


def gather_context(
    plan: TransferPlan,
    target_wiki: Wiki,
    registry: WikiRegistry,
    *,
    user: UserInfo | None,
) -> CheckContext:
    """Every lookup the checks need, done once: target state, duplicates here and on shared repos
    (two hashes a request, ``duplicates.Sha1Index``: a file of three versions costs two look-ups a wiki).

    The duplicate look-ups run beside the state read, in a second thread: they do not depend on each
    other, and on a remote wiki each is mostly waiting, so the check of a transfer costs one round trip
    instead of two or three. At most two reads of one transfer are in flight at once."""
    sha1s = [v.sha1 for v in plan.source.versions]
    index = Sha1Index()
    repos = shared_repository_wikis(target_wiki, registry)
    with ThreadPoolExecutor(1, thread_name_prefix="check-lookup") as pool:
        looked_up = pool.submit(_look_up, index, [target_wiki, *repos], sha1s)
        target = fetch_target_state(target_wiki, plan.target_title)
        looked_up.result()
    duplicates = index.find(target_wiki, sha1s, exclude=target.title)
    shared_duplicates: list[str] = []
    for repo in repos:
        shared_duplicates += [f"{repo.name}:{t}" for t in index.find(repo, sha1s)]
    return CheckContext(
        plan=plan,
        target_site=target_wiki.siteinfo(),
        target=target,
        user=user,
        duplicates=duplicates,
        shared_duplicates=shared_duplicates,
    )


def _look_up(index: Sha1Index, wikis: list[Wiki], sha1s: list[str]) -> None:
    for wiki in wikis:
        index.lookup(wiki, sha1s)
