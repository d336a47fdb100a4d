"""Celery as the dispatcher: messages carry item ids only, the database decides everything else.

Broker choice (``CELERY_BROKER_URL``):

* unset — the embedded mode: kombu's SQLAlchemy transport on its own SQLite file next to the database
  (``broker.sqlite``; a separate file so the broker's polling never competes with the app's writes). No
  service to install. The transport loses a message held by a worker killed with ``kill -9``; the
  reconciler (jobs/dispatch.py) dispatches such items again.
* ``redis://…`` (Toolforge's shared Redis, or any) or ``amqp://…`` for many workers on many machines. On
  a shared Redis every key gets ``WFT_QUEUE_PREFIX`` (set it to something secret per deployment) and the
  queue has a unique name: other tools can read a shared Redis, which is why messages hold no secrets.

Settings: ``acks_late`` + ``reject_on_worker_lost`` (a message is acknowledged only after its item ran, so a
lost worker's message is delivered again where the broker can), prefetch 1 (a long upload never holds a
second item hostage), results ignored (the row is the result).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.signals import worker_shutting_down
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from wikifile_transfer.errors import WftError
from wikifile_transfer.jobs.batches import PREPARE_GRACE, mark_prepare_dispatched
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.dispatch import Reconciler, mark_dispatched
from wikifile_transfer.jobs.prepare import prepare_batch
from wikifile_transfer.jobs.runner import RunResult
from wikifile_transfer.store.db import Database, data_dir
from wikifile_transfer.store.models import Transfer

log = logging.getLogger(__name__)

ENV_BROKER = "CELERY_BROKER_URL"
ENV_PREFIX = "WFT_QUEUE_PREFIX"
ENV_QUEUE = "WFT_QUEUE"
DEFAULT_QUEUE = "wikifile-transfer"
TASK_RUN = "wft.run_transfer"
TASK_PREPARE = "wft.prepare_batch"


class BrokerUnreachableError(WftError):
    """The broker refused or dropped the connection while items were being queued. Parameter: its URL."""

    key = "wft-error-broker-unreachable"


def broker_url() -> str:
    explicit = os.environ.get(ENV_BROKER)
    if explicit:
        return explicit
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqla+sqlite:///{folder / 'broker.sqlite'}"


def queue_name() -> str:
    return os.environ.get(ENV_QUEUE) or DEFAULT_QUEUE


def make_celery(broker: str | None = None) -> Celery:
    url = broker or broker_url()
    app = Celery("wikifile_transfer", broker=url, set_as_current=False)
    transport_options: dict[str, Any] = {}
    prefix = os.environ.get(ENV_PREFIX)
    if prefix and url.startswith(("redis://", "rediss://")):
        transport_options["global_keyprefix"] = prefix
    if url.startswith(("redis://", "rediss://")):
        # a message not acknowledged within this time is delivered again (the worker died): longer than
        # any single item, so a slow upload is never run twice at once (the lease would refuse it anyway)
        transport_options["visibility_timeout"] = 6 * 3600
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=queue_name(),
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK_RUN, bind=True, acks_late=True, reject_on_worker_lost=True)(_run_transfer_task)
    app.task(name=TASK_PREPARE, acks_late=True, reject_on_worker_lost=True)(_prepare_batch_task)
    return app


# The process's job context, set by the worker command before it starts consuming. Tasks run in this
# process (threads pool), so a module-level reference is the simplest correct way to reach it.
_context: JobContext | None = None
_context_lock = threading.Lock()


def set_context(context: JobContext | None) -> None:
    global _context  # noqa: PLW0603 - one context per worker process, see above
    with _context_lock:
        _context = context


def get_context() -> JobContext:
    if _context is None:
        raise RuntimeError("the worker's job context is not set (wikifile-transfer worker sets it)")
    return _context


def _run_transfer_task(task: Any, transfer_id: int) -> str:
    context = get_context()
    result = context.runner().run(int(transfer_id))
    if result is RunResult.DEFERRED:
        CeleryDispatcher(task.app, context).dispatch([transfer_id], countdown=context.settings.slot_wait)
    elif result is RunResult.RETRY_WAIT:
        wait = context.settings.wait_after(_attempts(context, transfer_id))
        CeleryDispatcher(task.app, context).dispatch([transfer_id], countdown=wait)
    return result.value


def _prepare_batch_task(batch_id: int) -> str:
    """Expand and dry-run a batch created by the web app (jobs/prepare.py)."""
    return prepare_batch(get_context(), int(batch_id)).value


def _attempts(context: JobContext, transfer_id: int) -> int:
    with context.db.session() as session:
        transfer = session.get(Transfer, transfer_id)
        return transfer.attempts if transfer is not None else 1


@dataclass
class CeleryDispatcher:
    """Dispatches ids through Celery, marking each item's dispatch deadline first (see jobs/dispatch.py)."""

    app: Celery
    context: JobContext
    grace: float | None = None
    """None: the context's ``dispatch_grace`` (``WFT_DISPATCH_GRACE``)."""

    def dispatch(self, transfer_ids: Iterable[int], *, countdown: float = 0.0) -> None:
        ids = list(transfer_ids)
        if not ids:
            return
        grace = self.context.settings.dispatch_grace if self.grace is None else self.grace
        with self.context.db.session() as session:
            mark_dispatched(session, ids, countdown=countdown, grace=grace)
        try:
            for transfer_id in ids:
                self.app.send_task(
                    TASK_RUN, args=[transfer_id], countdown=countdown or None, queue=queue_name()
                )
        except OperationalError as error:
            # The items keep their dispatch deadline: the reconciler of a running worker sends them again.
            raise BrokerUnreachableError(
                maybe_sanitize_url(self.app.conf.broker_url), detail=str(error)
            ) from error


@dataclass
class CeleryPreparer:
    """Sends ``wft.prepare_batch(batch_id)`` to the workers (jobs/prepare.py's Preparer). With ``db``, the
    batch first gets a deadline (like a dispatched item), so the reconciler does not send it a second
    time while this message waits for a worker."""

    app: Celery
    db: Database | None = None
    grace: float = PREPARE_GRACE

    def prepare(self, batch_id: int) -> None:
        if self.db is not None:
            with self.db.session() as session:
                mark_prepare_dispatched(session, [batch_id], grace=self.grace)
        self.app.send_task(TASK_PREPARE, args=[batch_id], queue=queue_name())


def reconcile_forever(reconciler: Reconciler, stop: threading.Event) -> None:
    """The worker's reconciler loop: a sweep at start, then every ``interval`` seconds until ``stop``."""
    while not stop.is_set():
        try:
            swept = reconciler.sweep()
            if swept:
                log.info("reconciler: dispatched %d overdue item(s) again", len(swept))
            if reconciler.prepared:
                log.info("reconciler: sent prepare for %d abandoned batch(es)", len(reconciler.prepared))
        except Exception:  # a broker or database hiccup must not end the loop (it is logged)
            log.exception("reconciler sweep failed; trying again in %s s", reconciler.interval)
        stop.wait(reconciler.interval)


WORKER_RESTART_MAX_PAUSE = 30.0
WORKER_STABLE_AFTER = 60.0
"""A Celery worker that ran this long before it died is started again after one second, not longer."""


def run_celery_worker(
    make_app: Callable[[], Celery],
    argv: list[str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run the Celery worker until it is asked to stop (SIGTERM, Ctrl+C); start it again when it ends on
    its own. Returns the exit code of the stop that was asked for.

    Why: Celery's worker ends for good on some broker failures ("Unrecoverable error", seen when Redis
    went away for a few seconds: kombu's clean-up after the lost connection raised AttributeError), and a
    worker that ends leaves its queue unserved although the broker is back. Each start gets a new app
    (new connections); the pause between starts grows from 1 s to 30 s, so a broker that stays down is
    not hammered."""
    asked = threading.Event()

    def on_shutdown(**_kwargs: Any) -> None:
        asked.set()

    worker_shutting_down.connect(on_shutdown, weak=False)
    pause = 1.0
    try:
        while True:
            started = clock()
            try:
                make_app().worker_main(argv=argv)
                code = 0
            except SystemExit as end:
                code = end.code if isinstance(end.code, int) else 1
            if asked.is_set():
                return code
            if clock() - started >= WORKER_STABLE_AFTER:
                pause = 1.0
            log.warning(
                "the Celery worker ended (exit %s) without being asked to; starting it again in %.0f s",
                code,
                pause,
            )
            sleep(pause)
            pause = min(pause * 2, WORKER_RESTART_MAX_PAUSE)
    finally:
        worker_shutting_down.disconnect(on_shutdown)
