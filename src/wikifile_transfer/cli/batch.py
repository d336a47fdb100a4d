"""``wikifile-transfer batch``, ``retry``, ``history`` and ``worker``: many files, remembered.

Every batch lives in the database (SQLite in the data folder by default, ``WFT_DATABASE_URL`` otherwise).
The same ``batch`` command run again continues the batch it started: after a crash or ``kill -9`` it picks
up where it was, and after a finished run it checks every file again and uploads nothing that is there.
Without ``--detach`` the command runs the items itself (no worker needed); with it, it only queues them
for ``wikifile-transfer worker`` processes and prints the batch id.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import defer

from wikifile_transfer.accounts.registry import registry_factory_from_env
from wikifile_transfer.cli.batchprogress import BatchProgress
from wikifile_transfer.config import Config
from wikifile_transfer.errors import InputError, WftError
from wikifile_transfer.i18n import msg
from wikifile_transfer.jobs import batches, expand
from wikifile_transfer.jobs.batches import BatchSpec
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.dispatch import Reconciler
from wikifile_transfer.jobs.inline import InlineRun, void_all_dead_leases
from wikifile_transfer.jobs.planning import plan_batch
from wikifile_transfer.jobs.present import error_json, item_json, item_status
from wikifile_transfer.jobs.queue import (
    CeleryDispatcher,
    CeleryPreparer,
    make_celery,
    reconcile_forever,
    run_celery_worker,
    set_context,
)
from wikifile_transfer.jobs.runner import RunnerSettings, new_owner, owner_is_dead
from wikifile_transfer.jobs.supervisor import watch_parent
from wikifile_transfer.store import history, migrate, repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Transfer
from wikifile_transfer.store.states import BatchState, TransferState

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
SYMBOLS = {
    "done": "✔",
    "already_done": "✔",
    "ready": "✔",
    "warn": "⚠",
    "blocked": "✖",
    "failed": "✖",
    "excluded": "·",
    "cancelled": "·",
}
LOCAL_DOMAIN = "local"


# --- parsers ------------------------------------------------------------------------------------------


def add_parsers(commands: Any) -> None:
    batch = commands.add_parser("batch", help="transfer many files: a list, a category, a user, a page")
    batch.add_argument("--to", required=True, dest="target", help="target wiki")
    source = batch.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--urls", type=Path, help="a file with one URL or WIKI:File:Name per line (- for stdin)"
    )
    source.add_argument("--category", help="WIKI:Category:Name, or the category's URL")
    source.add_argument("--user", help="WIKI:UserName: the files this user uploaded")
    source.add_argument("--page", help="WIKI:Title: the files used on this page")
    batch.add_argument(
        "--depth", type=int, choices=(0, 1), default=0, help="with --category: 1 adds subcategories"
    )
    batch.add_argument("--dry-run", action="store_true", help="plan and check every file; upload nothing")
    batch.add_argument("--detach", action="store_true", help="only queue the items for the workers")
    batch.add_argument("--json", action="store_true", help="print one JSON object at the end")
    batch.add_argument("--concurrency", type=int, default=2, help="files moved at once (default 2)")

    retry = commands.add_parser("retry", help="run failed transfers again (nothing is uploaded twice)")
    target = retry.add_mutually_exclusive_group(required=True)
    target.add_argument("id", nargs="?", type=int, help="a transfer id (see history)")
    target.add_argument("--batch", type=int, help="a batch id: its failed items")
    retry.add_argument("--failed", action="store_true", help="with --batch: only failed items (the default)")
    retry.add_argument("--all", action="store_true", help="with --batch: blocked and cancelled items too")
    retry.add_argument("--detach", action="store_true", help="only queue the items for the workers")
    retry.add_argument("--json", action="store_true", help="print one JSON object at the end")

    hist = commands.add_parser("history", help="list your transfers, newest first")
    hist.add_argument("--state", action="append", choices=[s.value for s in TransferState])
    hist.add_argument("--from", dest="source_wiki", help="source wiki name")
    hist.add_argument("--to", dest="target_wiki", help="target wiki name")
    hist.add_argument("--since", type=_date, help="YYYY-MM-DD")
    hist.add_argument("--until", type=_date, help="YYYY-MM-DD (inclusive)")
    hist.add_argument("--batch", type=int)
    hist.add_argument("--title", help="text in the source or target title")
    hist.add_argument("--limit", type=int, default=50)
    hist.add_argument("--after", type=int, help="the cursor printed by the previous page")
    hist.add_argument("--json", action="store_true")

    cancel = commands.add_parser("cancel", help="stop a batch (running items stop at their next step)")
    cancel.add_argument("batch", type=int, help="the batch id")

    item = commands.add_parser("item", help="before a batch runs: leave an item out, or rename it")
    item.add_argument("id", type=int, help="the transfer id (shown by batch --dry-run)")
    choice = item.add_mutually_exclusive_group(required=True)
    choice.add_argument("--exclude", action="store_true", help="leave it out of the run")
    choice.add_argument("--include", action="store_true", help="take it back in")
    choice.add_argument("--title", help="another file name on the target (checked again by the next dry run)")
    item.add_argument("--json", action="store_true", help="print the item as JSON (the default)")

    worker = commands.add_parser("worker", help="run queued transfers in the background (Celery worker)")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument("--reconcile-interval", type=float, default=30.0)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (YYYY-MM-DD)") from err


# --- shared -------------------------------------------------------------------------------------------


def open_store() -> Database:
    """The database, migrated to the current schema (the first run creates it)."""
    db = Database()
    migrate.upgrade(db)
    return db


def local_user(db: Database) -> int:
    """The CLI acts for the local account: its history is this machine user's history."""
    with db.session() as session:
        return repo.get_or_create_user(session, LOCAL_DOMAIN, getpass.getuser()).id


def batch_items(db: Database, batch_id: int) -> Iterator[Transfer]:
    """The batch's rows in order, without their plans (page text, versions, description report: tens of
    kilobytes each, which the report does not show and a thousand-file batch would hold at once)."""
    with db.session() as session:
        yield from session.scalars(
            select(Transfer)
            .options(defer(Transfer.plan))
            .where(Transfer.batch_id == batch_id)
            .order_by(Transfer.position)
        )


def batch_json(db: Database, batch_id: int, lang: str) -> dict[str, Any]:
    with db.session() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        state = BatchState(batch.state)
        error = error_json(batch.error_key, batch.error_params, lang)
    return {
        "batch": batch_id,
        "status": state.value,
        "error": error,
        "items": [item_json(t, lang) for t in batch_items(db, batch_id)],
    }


def exit_for(state: BatchState, items: list[dict[str, Any]]) -> int:
    statuses = {i["status"] for i in items}
    if state is BatchState.FAILED or "failed" in statuses:
        return EXIT_ERROR
    if "blocked" in statuses or state is BatchState.BLOCKED:
        return EXIT_BLOCKED
    return EXIT_OK


def print_items(items: list[dict[str, Any]], out: TextIO) -> None:
    for item in items:
        symbol = SYMBOLS.get(item["status"], "·")
        target = f" → {item['target_title']}" if item["target_title"] else ""
        out.write(f"{symbol} #{item['id']} {item['source']}{target} [{item['status']}]\n")
        for check in item["checks"]:
            out.write(f"    {SYMBOLS.get(check['result'], '·')} {check['message']}\n")
        if item["error"]:
            out.write(f"    {item['error']['message']}\n")


# --- batch --------------------------------------------------------------------------------------------


def _spec(args: argparse.Namespace) -> tuple[BatchSpec, list[str] | None]:
    options = {"depth": args.depth} if args.category else {}
    if args.urls is not None:
        lines = _read_lines(args.urls)
        return BatchSpec(args.target, "urls", None, options, batches.digest_lines(lines)), lines
    for kind in ("category", "user", "page"):
        value = getattr(args, kind)
        if value:
            return BatchSpec(args.target, kind, value.strip(), options), None
    raise InputError("batch", detail="no source")  # pragma: no cover - argparse requires one


def _read_lines(path: Path) -> list[str]:
    if str(path) == "-":
        return sys.stdin.read().splitlines()
    return path.read_text(encoding="utf-8-sig").splitlines()


PREPARATION_POLL = 1.0
"""Seconds between looks at a batch another process is preparing (the CLI waits for it)."""


def _await_preparation(db: Database, batch_id: int, owner: str, ttl: float) -> BatchState:
    """Take the batch's preparation lease (a worker, or another CLI run, may be preparing it: wait for it
    to finish or to die) and return the batch's state then."""
    while True:
        if batches.claim_preparation(db, batch_id, owner, ttl):
            break
        with db.read_session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None or batch.state not in batches.PREPARING:
                break
            holder = batch.prepare_owner
        if holder is not None and owner_is_dead(holder):  # an earlier run of this command, killed
            batches.release_preparation(db, batch_id, holder)
            continue
        time.sleep(PREPARATION_POLL)
    with db.read_session() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        return BatchState(batch.state)


def _heartbeat(db: Database, batch_id: int, owner: str, ttl: float) -> batches.Heartbeat:
    def renew() -> None:
        if not batches.renew_preparation(db, batch_id, owner, ttl):
            raise batches.PreparationLostError(str(batch_id))

    return renew


def make_context(config: Config, db: Database) -> JobContext:
    # Items of web users (queued by the web app) run with that user's stored credentials, the local user's
    # with the configuration file's accounts (accounts.registry).
    return JobContext(
        db=db,
        config=config,
        settings=RunnerSettings.from_env(),
        registry_factory=registry_factory_from_env(db, config),
    )


def run_batch(args: argparse.Namespace, config: Config, lang: str) -> int:
    db = open_store()
    user_id = local_user(db)
    spec, lines = _spec(args)
    context = make_context(config, db)
    service = context.service_for(user_id)
    registry = service.registry
    with db.session() as session:
        batch = batches.find_unfinished(session, user_id, spec) or batches.create_batch(
            session, user_id, spec
        )
        batch_id, state = batch.id, BatchState(batch.state)
    err = sys.stderr
    owner = new_owner("cli/")
    if state.value in batches.PREPARING:
        state = _await_preparation(db, batch_id, owner, context.settings.lease_seconds)
    try:
        heartbeat = _heartbeat(db, batch_id, owner, context.settings.lease_seconds)
        if state is BatchState.EXPANDING:
            err.write(msg("wft-cli-batch-expanding", batch_id, lang=lang) + "\n")
            try:
                if lines is not None:
                    items = expand.url_items(lines, registry)
                else:
                    items = expand.source_items(spec.kind, spec.spec or "", registry, depth=args.depth)
                batches.expand(db, batch_id, items, heartbeat=heartbeat)
            except batches.PreparationLostError:
                raise
            except WftError as error:
                batches.fail_expansion(db, batch_id, error)
                return _report(db, batch_id, args, lang)
            state = BatchState.PLANNING
        if state is BatchState.PLANNING:
            err.write(msg("wft-cli-batch-planning", batch_id, lang=lang) + "\n")
            plan_batch(db, batch_id, service, heartbeat=heartbeat, lookup_workers=context.settings.target_cap)
            state = BatchState.PLANNED
    finally:
        batches.release_preparation(db, batch_id, owner)
    if state is BatchState.FAILED:  # another process found the source could not be listed
        return _report(db, batch_id, args, lang)
    if args.dry_run:
        return _report(db, batch_id, args, lang, dry_run=True)
    ids = batches.start(db, batch_id)
    if args.detach:
        CeleryDispatcher(make_celery(), context).dispatch(ids)
        sys.stdout.write(
            json.dumps({"batch": batch_id, "queued": len(ids)}) + "\n"
            if args.json
            else msg("wft-cli-batch-queued", batch_id, len(ids), lang=lang) + "\n"
        )
        return EXIT_OK
    _run_inline(context, ids, args.concurrency, lang, quiet=args.json)
    batches.refresh_state(db, batch_id)
    return _report(db, batch_id, args, lang)


def _run_inline(context: JobContext, ids: list[int], concurrency: int, lang: str, *, quiet: bool) -> None:
    """Run the items in this process. With ``quiet`` (``--json``) nothing is drawn; otherwise a batch bar
    and a bar per running item go to standard error."""
    if quiet:
        run = InlineRun(context, concurrency=max(1, concurrency))
        run.add(ids)
        run.run()
        return
    label = msg("wft-cli-batch-running", len(ids), lang=lang)
    with BatchProgress(lang, len(ids), label) as bars:

        def on_finished(transfer_id: int) -> None:
            with context.db.read_session() as session:
                transfer = session.get(Transfer, transfer_id)
                if transfer is None:  # pragma: no cover - rows are not deleted while a batch runs
                    return
                status, title = item_status(transfer), transfer.source_title or transfer.source_input
            bars.finished(transfer_id, status, title)

        context.listener_factory = bars.wrap
        try:
            run = InlineRun(context, concurrency=max(1, concurrency), on_finished=on_finished)
            run.add(ids)
            run.run()
        finally:
            context.listener_factory = None


def _report(
    db: Database, batch_id: int, args: argparse.Namespace, lang: str, *, dry_run: bool = False
) -> int:
    data = batch_json(db, batch_id, lang)
    state = BatchState(data["status"])
    if args.json:
        if dry_run:
            data["status"] = "planned"
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        print_items(data["items"], sys.stdout)
        if data["error"]:
            sys.stdout.write(msg("wft-cli-error", data["error"]["message"], lang=lang) + "\n")
        key = "wft-cli-batch-planned" if dry_run else "wft-cli-batch-finished"
        sys.stdout.write(msg(key, batch_id, state.value, len(data["items"]), lang=lang) + "\n")
    if dry_run:
        return EXIT_BLOCKED if any(i["status"] == "blocked" for i in data["items"]) else EXIT_OK
    return exit_for(state, data["items"])


# --- retry --------------------------------------------------------------------------------------------


def run_retry(args: argparse.Namespace, config: Config, lang: str) -> int:
    db = open_store()
    user_id = local_user(db)
    context = make_context(config, db)
    ids = batches.retry(
        db, batch_id=args.batch, transfer_id=args.id, only_failed=not args.all, user_id=user_id
    )
    if not ids:
        sys.stderr.write(msg("wft-cli-retry-nothing", lang=lang) + "\n")
        return EXIT_OK
    if args.detach:
        CeleryDispatcher(make_celery(), context).dispatch(ids)
        sys.stdout.write(msg("wft-cli-batch-queued", args.batch or args.id, len(ids), lang=lang) + "\n")
        return EXIT_OK
    _run_inline(context, ids, 2, lang, quiet=args.json)
    items: list[dict[str, Any]] = []
    with db.session() as session:
        rows = list(session.scalars(select(Transfer).where(Transfer.id.in_(ids)).order_by(Transfer.id)))
        batch_ids = {t.batch_id for t in rows if t.batch_id is not None}
        items = [item_json(t, lang) for t in rows]
    for bid in batch_ids:
        batches.refresh_state(db, bid)
    if args.json:
        sys.stdout.write(json.dumps({"items": items}, ensure_ascii=False, indent=2) + "\n")
    else:
        print_items(items, sys.stdout)
    return exit_for(BatchState.DONE, items)


# --- cancel and item ------------------------------------------------------------------------------------


def run_cancel(args: argparse.Namespace, config: Config, lang: str) -> int:
    db = open_store()
    user_id = local_user(db)
    with db.read_session() as session:
        if repo.get_batch(session, user_id, args.batch) is None:
            raise WftError(str(args.batch), key="wft-error-no-such-batch")
    batches.cancel(db, args.batch)
    sys.stdout.write(msg("wft-cli-batch-cancelled", args.batch, lang=lang) + "\n")
    return EXIT_OK


def run_item(args: argparse.Namespace, config: Config, lang: str) -> int:
    db = open_store()
    user_id = local_user(db)
    if args.title is not None:
        batches.rename(db, user_id, args.id, args.title)
    else:
        batches.set_excluded(db, user_id, args.id, bool(args.exclude))
    with db.read_session() as session:
        transfer = repo.get_transfer(session, user_id, args.id)
        assert transfer is not None  # checked by rename / set_excluded
        data = item_json(transfer, lang)
        data["excluded"] = transfer.excluded
        data["requested_title"] = transfer.requested_title
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


# --- history ------------------------------------------------------------------------------------------


def run_history(args: argparse.Namespace, config: Config, lang: str) -> int:
    db = open_store()
    user_id = local_user(db)
    since = dt.datetime.combine(args.since, dt.time(), tzinfo=dt.UTC) if args.since else None
    until = (
        dt.datetime.combine(args.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        if args.until
        else None
    )
    flt = history.HistoryFilter(
        states=tuple(args.state or ()),
        source_wiki=args.source_wiki,
        target_wiki=args.target_wiki,
        created_from=since,
        created_to=until,
        batch_id=args.batch,
        text=args.title,
    )
    with db.read_session() as session:
        page = history.history_page(session, user_id, flt, after_id=args.after, limit=args.limit)
        rows: list[dict[str, Any]] = [
            {
                "id": t.id,
                "batch": t.batch_id,
                "created": t.created_at.isoformat(),
                "source_wiki": t.source_wiki,
                "source": t.source_title or t.source_input,
                "target_wiki": t.target_wiki,
                "target_title": t.target_title,
                "status": item_status(t),
                "error": error_json(t.error_key, t.error_params, lang),
            }
            for t in page.rows
        ]
        cursor = page.next_after_id
    if args.json:
        sys.stdout.write(json.dumps({"items": rows, "next": cursor}, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    for row in rows:
        symbol = SYMBOLS.get(row["status"], "·")
        sys.stdout.write(
            f"{symbol} #{row['id']} {row['created'][:19]} {row['source_wiki']}:{row['source']} → "
            f"{row['target_wiki']}:{row['target_title'] or '?'} [{row['status']}]\n"
        )
    if cursor is not None:
        sys.stdout.write(msg("wft-cli-history-more", cursor, lang=lang) + "\n")
    return EXIT_OK


# --- worker -------------------------------------------------------------------------------------------


def run_worker(args: argparse.Namespace, config: Config, lang: str) -> int:
    db = open_store()
    context = make_context(config, db)
    set_context(context)
    void_all_dead_leases(context)  # a predecessor killed on this host: its items go out at the first sweep
    stop = threading.Event()
    app = make_celery()
    reconciler = Reconciler(
        db,
        CeleryDispatcher(app, context),
        grace=context.settings.dispatch_grace,
        interval=args.reconcile_interval,
        # batches whose preparer died (a web process restarted, a worker killed mid-way) are prepared again
        preparer=CeleryPreparer(app, db, grace=context.settings.dispatch_grace),
        prepare_grace=context.settings.dispatch_grace,
    )
    thread = threading.Thread(
        target=reconcile_forever, args=(reconciler, stop), daemon=True, name="wikifile-transfer-reconciler"
    )
    thread.start()
    watch_parent(stop)
    sys.stderr.write(msg("wft-cli-worker-started", db.url, lang=lang) + "\n")
    argv = [
        "worker",
        "--pool=threads",
        f"--concurrency={max(1, args.concurrency)}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    try:
        run_celery_worker(make_celery, argv)
    finally:
        stop.set()
        set_context(None)
    return EXIT_OK
