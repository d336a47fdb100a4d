"""CheckContexts for many plans on one target wiki in few requests (the dry run of a batch, issue 5).

``planner.gather_context`` asks, per plan: the target state (1 request) and the duplicates by SHA-1 on
the target and on every shared repository (``duplicates.Sha1Index``, two hashes a request). Here, for a
whole batch:

* the target states come 50 titles a request (``TARGET_PARAMS``, the same answer per page as
  ``fetch_target_state``; a file showing ``limits.imageinfo`` versions is read again on its own, because
  ``prop=imageinfo`` cuts long histories without a continuation when several titles are asked);
* the shared repositories (from siteinfo's ``filerepoinfo``), the account (``meta=userinfo``) and
  siteinfo are asked once;
* each distinct hash is asked once per wiki for the whole batch, whatever the number of plans holding
  it, two a request, a few requests at once when the index has ``workers``.

The result for each plan equals ``gather_context``'s (tested on the testbed); ``checks.py`` is untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from wikifile_transfer.transfer.checks import CheckContext
from wikifile_transfer.transfer.duplicates import Sha1Index
from wikifile_transfer.transfer.model import TransferPlan
from wikifile_transfer.transfer.planner import current_user, shared_repository_wikis
from wikifile_transfer.transfer.target import (
    TARGET_PARAMS,
    TargetState,
    fetch_target_state,
    target_state_from_page,
)
from wikifile_transfer.wiki.api import UserInfo
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import SiteInfo
from wikifile_transfer.wiki.titlebatch import BATCH, chunks, effective_limit, query_batch


class _Unset:
    """Marks "no ``user`` argument given": None is a real value (no account on the target)."""


UNSET = _Unset()


def fetch_target_states(
    wiki: Wiki,
    titles: Iterable[str],
    *,
    batch_size: int = BATCH,
    iilimit: int | str = "max",
) -> Iterator[TargetState]:
    """For each title, in input order, what ``fetch_target_state(wiki, title)`` returns, 50 titles a
    request. Lazy: titles are read one batch ahead. ``iilimit`` is for tests (a cut version list)."""
    params = {**TARGET_PARAMS, "iilimit": iilimit}
    for chunk in chunks(titles, batch_size):
        batch = query_batch(wiki.api, chunk, params)
        cut_at = effective_limit(iilimit, batch.limits.get("imageinfo"))
        for asked in batch.asked:
            page = batch.page(asked) or {}
            if len(page.get("imageinfo", [])) >= cut_at:
                yield fetch_target_state(wiki, asked)  # the version list may have been cut
            else:
                yield target_state_from_page(asked, page)


def gather_contexts(
    plans: Iterable[TransferPlan],
    target_wiki: Wiki,
    registry: WikiRegistry,
    *,
    user: UserInfo | _Unset | None = UNSET,
    batch_size: int = BATCH,
    sha1_index: Sha1Index | None = None,
) -> Iterator[CheckContext]:
    """For each plan (all for ``target_wiki``), in order, what ``gather_context`` would give.

    ``user`` is the account on the target (as for ``gather_context``); left out, it is looked up once
    with ``planner.current_user``. Plans are read ``batch_size`` at a time; the hashes of a whole batch
    are looked up before its contexts are yielded. Pass a ``sha1_index`` to share lookups across calls.
    """
    account = current_user(target_wiki) if isinstance(user, _Unset) else user
    index = sha1_index if sha1_index is not None else Sha1Index()
    site = target_wiki.siteinfo()
    repos: list[Wiki] | None = None
    for chunk in chunks(plans, batch_size):
        if repos is None:
            repos = shared_repository_wikis(target_wiki, registry)
        states = list(
            fetch_target_states(target_wiki, [p.target_title for p in chunk], batch_size=batch_size)
        )
        sha1s = [v.sha1 for plan in chunk for v in plan.source.versions]
        index.lookup(target_wiki, sha1s)
        for repo in repos:
            index.lookup(repo, sha1s)
        for plan, state in zip(chunk, states, strict=True):
            yield _context(plan, state, target_wiki, repos, index, site=site, user=account)


def _context(
    plan: TransferPlan,
    target: TargetState,
    target_wiki: Wiki,
    repos: Sequence[Wiki],
    index: Sha1Index,
    *,
    site: SiteInfo,
    user: UserInfo | None,
) -> CheckContext:
    sha1s = [v.sha1 for v in plan.source.versions]
    shared: list[str] = []
    for repo in repos:
        shared += [f"{repo.name}:{t}" for t in index.find(repo, sha1s)]
    return CheckContext(
        plan=plan,
        target_site=site,
        target=target,
        user=user,
        duplicates=index.find(target_wiki, sha1s, exclude=target.title),
        shared_duplicates=shared,
    )
