"""The dry run of a batch: every item resolved, planned and checked, nothing uploaded.

Items are taken in chunks in batch order, and each chunk's verdicts are written at once, so the table the
user sees fills up while the dry run goes on, and a dry run cut off half-way continues where it stopped
(only items still ``planned`` are looked at).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from wikifile_transfer.errors import WftError
from wikifile_transfer.jobs import batches
from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer
from wikifile_transfer.store.states import Outcome, TransferState
from wikifile_transfer.transfer.batchcheck import gather_contexts
from wikifile_transfer.transfer.batchsource import fetch_sources
from wikifile_transfer.transfer.duplicates import Sha1Index
from wikifile_transfer.transfer.model import CheckReport, TransferPlan
from wikifile_transfer.transfer.serialize import options_from_data, plan_to_data, report_to_data
from wikifile_transfer.transfer.service import TransferOptions, TransferService
from wikifile_transfer.wiki.lookups import WikiLookups
from wikifile_transfer.wiki.site import Wiki

log = logging.getLogger(__name__)


def item_options(options: dict[str, Any], requested_title: str | None) -> TransferOptions:
    """The TransferOptions of an item: the batch's choices, with the item's own target title."""
    known = {k: v for k, v in options.items() if k in TransferOptions.__dataclass_fields__}
    opts = options_from_data(known)
    if requested_title:
        opts = TransferOptions(**{**opts.__dict__, "title": requested_title})
    return opts


def record_plan(transfer: Transfer, plan: TransferPlan, report: CheckReport) -> None:
    """Copy the plan and its verdict into the row (the columns the history filters on included)."""
    transfer.plan = plan_to_data(plan)
    transfer.report = report_to_data(report)
    transfer.source_wiki = plan.source.wiki_name
    transfer.source_title = plan.source.title
    transfer.source_url = plan.source.page_url
    transfer.target_wiki = plan.target_wiki
    transfer.target_title = plan.target_title
    transfer.sha1s = [v.sha1 for v in plan.source.versions]
    transfer.version_count = len(plan.source.versions)


def plan_batch(
    db: Database,
    batch_id: int,
    service: TransferService,
    *,
    chunk: int = 50,
    heartbeat: batches.Heartbeat | None = None,
    lookup_workers: int = 1,
) -> int:
    """Plan and check every item of the batch still in ``planned``, ``chunk`` items at a time with
    batched queries (sources read 50 titles a request, target states and duplicates likewise), so a
    dry run of a thousand files costs tens of requests, not thousands. Returns how many were planned.
    ``heartbeat`` is called before each chunk (the batch's preparation lease). ``lookup_workers``: the
    duplicate look-ups sent at once to one wiki (pass the runner's per-wiki cap)."""
    done = 0
    index = Sha1Index(workers=lookup_workers)
    lookups: dict[tuple[str, str], WikiLookups] = {}  # one per wiki pair, for the whole batch
    while True:
        if heartbeat is not None:
            heartbeat()
        ids = batches.pending_plans(db, batch_id, limit=chunk)
        if not ids:
            break
        plan_chunk(db, ids, service, index, lookups)
        done += len(ids)
    batches.finish_planning(db, batch_id)
    return done


@dataclass
class _Pending:
    transfer_id: int
    source_input: str
    target: str
    opts: TransferOptions
    source_wiki: Wiki | None = None
    title: str | None = None
    plan: TransferPlan | None = None


def plan_chunk(
    db: Database,
    ids: list[int],
    service: TransferService,
    index: Sha1Index | None = None,
    lookups: dict[tuple[str, str], WikiLookups] | None = None,
) -> None:
    """One chunk of the dry run: resolve, read the sources per wiki, plan, check per target wiki.
    ``lookups``: category and template answers by wiki pair, shared with the batch's other chunks."""
    registry = service.registry
    shared = lookups if lookups is not None else {}
    with db.session() as session:
        rows = session.scalars(select(Transfer).where(Transfer.id.in_(ids)).order_by(Transfer.position))
        pending = [
            _Pending(t.id, t.source_input, t.target_wiki, item_options(t.options, t.requested_title))
            for t in rows
        ]
    for item in pending:
        try:
            item.source_wiki, item.title = registry.resolve_source(item.source_input)
        except WftError as error:
            fail_item(db, item.transfer_id, error)
    by_source: dict[str, list[_Pending]] = defaultdict(list)
    for item in pending:
        if item.source_wiki is not None:
            by_source[item.source_wiki.api_url].append(item)
    for group in by_source.values():
        wiki = group[0].source_wiki
        assert wiki is not None
        titles = [item.title or "" for item in group]
        try:
            sources = list(fetch_sources(wiki, titles))
        except WftError as error:
            for item in group:
                fail_item(db, item.transfer_id, error)
            continue
        for item, source in zip(group, sources, strict=True):
            if isinstance(source, WftError):
                fail_item(db, item.transfer_id, source)
                continue
            try:
                target = registry.get(item.target)
                pair = shared.get((wiki.api_url, target.api_url))
                if pair is None:
                    pair = WikiLookups(wiki, target, registry.wikidata_for(wiki, target))
                    shared[(wiki.api_url, target.api_url)] = pair
                item.plan = service.plan_for(source, wiki, target, item.opts, lookups=pair)
            except WftError as error:
                fail_item(db, item.transfer_id, error)
    by_target: dict[str, list[_Pending]] = defaultdict(list)
    for item in pending:
        if item.plan is not None:
            by_target[item.plan.target_wiki].append(item)
    for group in by_target.values():
        target_wiki = registry.get(group[0].target)
        plans = [item.plan for item in group if item.plan is not None]
        try:
            contexts = list(gather_contexts(plans, target_wiki, registry, sha1_index=index))
        except WftError as error:
            for item in group:
                fail_item(db, item.transfer_id, error)
            continue
        for item, context in zip(group, contexts, strict=True):
            try:
                report = service.check_with(context, item.opts)
            except WftError as error:
                fail_item(db, item.transfer_id, error)
                continue
            _record_verdict(db, item.transfer_id, context.plan, report)


def _record_verdict(db: Database, transfer_id: int, plan: TransferPlan, report: CheckReport) -> TransferState:
    state = TransferState.BLOCKED if report.blocked else TransferState.READY
    with db.session() as session:
        transfer = session.get(Transfer, transfer_id)
        assert transfer is not None
        record_plan(transfer, plan, report)
        repo.move(session, transfer, state, outcome=Outcome.BLOCKED.value if report.blocked else None)
    return state


def fail_item(db: Database, transfer_id: int, error: WftError) -> None:
    with db.session() as session:
        transfer = session.get(Transfer, transfer_id)
        assert transfer is not None
        repo.move(
            session,
            transfer,
            TransferState.FAILED,
            outcome=Outcome.FAILED.value,
            error_key=error.key,
            error_params=list(error.params),
            lease_owner=None,
            lease_until=None,
            current_step=None,
        )
        repo.transfer_event(session, transfer, "error", error.key, list(error.params), detail=error.detail)
