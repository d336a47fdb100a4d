"""CheckContexts for many plans on one target wiki in few requests (the dry run of a batch, issue 5).

``planner.gather_context`` asks, per plan: the target state (1 request), the file repositories of the
target (1 request, the same answer every time), and ``list=allimages&aisha1`` once per version on the
target and once per version on every shared repository. Here, for a whole batch:

* the target states come 50 titles a request (``TARGET_PARAMS``, the same answer per page as
  ``fetch_target_state``; a file showing ``limits.imageinfo`` versions is read again on its own, because
  ``prop=imageinfo`` cuts long histories without a continuation when several titles are asked);
* the shared repositories (``meta=filerepoinfo``), the account (``meta=userinfo``) and siteinfo are
  asked once;
* the duplicate lookup by SHA-1 cannot take several hashes: ``aisha1`` is a single-value parameter
  (``a|b`` gives ``invalidsha1hash``, the U+001F multi-value form gives ``badvalue``) and
  ``prop=duplicatefiles`` only compares files *of the wiki asked*. But one request may use
  ``allimages`` twice, as a list (``aisha1``) and as a generator (``gaisha1``): that answers **two
  hashes a request**. Each distinct hash is asked once per wiki for the whole batch, whatever the
  number of plans holding it.

The result for each plan equals ``gather_context``'s (tested on the testbed); ``checks.py`` is untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from wikifile_transfer.transfer.checks import CheckContext
from wikifile_transfer.transfer.model import TransferPlan
from wikifile_transfer.transfer.planner import current_user, shared_repository_wikis
from wikifile_transfer.transfer.target import (
    TARGET_PARAMS,
    TargetState,
    fetch_target_state,
    target_state_from_page,
)
from wikifile_transfer.wiki.api import UserInfo
from wikifile_transfer.wiki.registry import WikiRegistry, api_key
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


class Sha1Index:
    """Which files of a wiki have a given SHA-1 as their current version (``list=allimages&aisha1``),
    asked at most once per (wiki, hash) and two hashes a request.

    ``lookup`` keeps the titles in the order the wiki lists them (by name), so ``find`` can return
    exactly what ``target.find_duplicates`` returns.
    """

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], list[str]] = {}
        self.requests = 0

    def lookup(self, wiki: Wiki, sha1s: Iterable[str]) -> None:
        """Ask ``wiki`` about every hash of ``sha1s`` not asked before."""
        key = api_key(wiki.api_url)
        todo = [s for s in dict.fromkeys(sha1s) if (key, s) not in self._found]
        for pair in chunks(todo, 2):
            found = self._ask(wiki, pair)
            for sha1 in pair:
                self._found[(key, sha1)] = found.get(sha1, [])

    def _ask(self, wiki: Wiki, pair: Sequence[str]) -> dict[str, list[str]]:
        params: dict[str, object] = {"list": "allimages", "aisha1": pair[0], "ailimit": "max", "aiprop": ""}
        if len(pair) > 1:
            params.update({"generator": "allimages", "gaisha1": pair[1], "gailimit": "max"})
        found: dict[str, list[str]] = {sha1: [] for sha1 in pair}
        for body in wiki.api.query_continue(params):
            self.requests += 1
            query = body.get("query", {})
            for image in query.get("allimages", []):
                found[pair[0]].append(str(image.get("title", "")))
            if len(pair) > 1:
                found[pair[1]] += [str(page.get("title", "")) for page in query.get("pages", [])]
        if len(pair) > 1:
            # A generator's pages come in page-id order; the list comes by name (img_name, with
            # underscores, compared as bytes): put the generator's answer in the list's order.
            found[pair[1]] = sorted(dict.fromkeys(found[pair[1]]), key=_name_order)
        return found

    def find(self, wiki: Wiki, sha1s: Sequence[str], *, exclude: str | None = None) -> list[str]:
        """What ``find_duplicates(wiki, sha1s, exclude=exclude)`` returns (after :meth:`lookup`)."""
        self.lookup(wiki, sha1s)
        key = api_key(wiki.api_url)
        result: list[str] = []
        for sha1 in dict.fromkeys(sha1s):
            for title in self._found[(key, sha1)]:
                if title and title != exclude and title not in result:
                    result.append(title)
        return result


def _name_order(title: str) -> str:
    """The sort key of ``img_name``: the name without namespace, spaces as underscores (code-point
    order is UTF-8 byte order)."""
    return title.split(":", 1)[-1].replace(" ", "_")


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
