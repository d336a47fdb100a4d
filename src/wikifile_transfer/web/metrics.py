"""``/metrics`` in the Prometheus text format: what the service does, from the database and this process.

From the database (so it covers every worker, on any machine, without scraping them):

* ``wft_transfers{state}``, ``wft_batches{state}``: how many rows are in each state now;
* ``wft_uploaded_bytes_total``, ``wft_uploaded_versions_total``: file versions uploaded (and their
  bytes) since this process started watching, from the ``wft-event-uploaded`` events the runner writes;
* ``wft_step_duration_seconds{step}``: how long transfer steps took (a step's event to the next event of
  the same transfer), for steps that ended since this process started watching;
* ``wft_database_up``: 1 when the queries above worked.

From this process:

* ``wft_http_requests_total{method,endpoint,status}`` and ``wft_http_request_duration_seconds{endpoint}``;
* ``wft_api_errors_total{key,status}``: every error answer by its message key.

Why events are read incrementally (by id, from a watermark): a scrape must stay cheap on a table of
millions of rows; ``id > watermark`` is a primary-key range, and a scrape reads at most
``MAX_EVENTS_PER_SCRAPE`` new rows (the next scrape reads on). Counters start at zero with the process,
as Prometheus counters do (``rate()`` handles restarts).

Several gunicorn workers: each process has its own in-process counters. When ``PROMETHEUS_MULTIPROC_DIR``
is set (web.gunicorn_conf sets it for more than one worker) they are summed across the processes by
prometheus_client's multiprocess collector.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Event, Transfer
from wikifile_transfer.store.states import BatchState, TransferState

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UPLOADED_EVENT = "wft-event-uploaded"
"""Event key of "this run uploaded N versions, B bytes" (params: [N, B]), written by jobs.runner."""
STEP_EVENT_KIND = "step"
MAX_EVENTS_PER_SCRAPE = 20_000
EVENT_PAGE = 5_000
MAX_OPEN_STEPS = 10_000
STEP_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class StepHistogram:
    """A cumulative histogram of step durations by step key (observed once each, from the events)."""

    def __init__(self) -> None:
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}

    def observe(self, step: str, seconds: float) -> None:
        counts = self.buckets.setdefault(step, [0] * (len(STEP_BUCKETS) + 1))
        for index, bound in enumerate(STEP_BUCKETS):
            if seconds <= bound:
                counts[index] += 1
        counts[-1] += 1  # +Inf
        self.sums[step] = self.sums.get(step, 0.0) + seconds

    def family(self) -> HistogramMetricFamily:
        family = HistogramMetricFamily(
            "wft_step_duration_seconds",
            "Duration of transfer steps (download, upload, page text…) that ended since this process "
            "started watching",
            labels=["step"],
        )
        for step, counts in sorted(self.buckets.items()):
            bounds = [str(b) for b in STEP_BUCKETS] + ["+Inf"]
            family.add_metric([step], list(zip(bounds, counts, strict=True)), self.sums[step])
        return family


class DatabaseCollector(Collector):
    """The metrics that come from the database (see the module's docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._watermark: int | None = None
        self._bytes = 0
        self._versions = 0
        self._steps = StepHistogram()
        self._open: OrderedDict[int, tuple[str, Any]] = OrderedDict()

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("wft_database_up", "1 when the database answered the metrics queries")
        try:
            with self._lock:
                families = self._query()
        except SQLAlchemyError:
            log.warning("metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _query(self) -> list[Metric]:
        with self.db.read_session() as session:
            transfer_counts: dict[str, int] = {
                state: count
                for state, count in session.execute(
                    select(Transfer.state, func.count()).group_by(Transfer.state)
                )
            }
            batch_counts: dict[str, int] = {
                state: count
                for state, count in session.execute(select(Batch.state, func.count()).group_by(Batch.state))
            }
            if self._watermark is None:
                self._watermark = session.scalar(select(func.max(Event.id))) or 0
            else:
                self._read_events(session)
        transfers = GaugeMetricFamily("wft_transfers", "Transfers by state", labels=["state"])
        for state in TransferState:
            transfers.add_metric([state.value], transfer_counts.get(state.value, 0))
        batches = GaugeMetricFamily("wft_batches", "Batches by state", labels=["state"])
        for batch_state in BatchState:
            batches.add_metric([batch_state.value], batch_counts.get(batch_state.value, 0))
        uploaded = CounterMetricFamily(
            "wft_uploaded_bytes",
            "Bytes of file versions uploaded to target wikis (since this process started)",
        )
        uploaded.add_metric([], self._bytes)
        versions = CounterMetricFamily(
            "wft_uploaded_versions", "File versions uploaded to target wikis (since this process started)"
        )
        versions.add_metric([], self._versions)
        return [transfers, batches, uploaded, versions, self._steps.family()]

    def _read_events(self, session: Any) -> None:
        assert self._watermark is not None
        read = 0
        while read < MAX_EVENTS_PER_SCRAPE:
            rows = session.execute(
                select(Event.id, Event.transfer_id, Event.kind, Event.key, Event.params, Event.time)
                .where(Event.id > self._watermark)
                .order_by(Event.id)
                .limit(EVENT_PAGE)
            ).all()
            for row in rows:
                self._event(row.transfer_id, row.kind, row.key, row.params, row.time)
                self._watermark = row.id
            read += len(rows)
            if len(rows) < EVENT_PAGE:
                return

    def _event(self, transfer_id: int | None, kind: str, key: str, params: Any, time: Any) -> None:
        if transfer_id is None:
            return
        started = self._open.pop(transfer_id, None)
        if started is not None:
            step, at = started
            self._steps.observe(step, max(0.0, (time - at).total_seconds()))
        if kind == STEP_EVENT_KIND:
            self._open[transfer_id] = (key, time)
            while len(self._open) > MAX_OPEN_STEPS:
                self._open.popitem(last=False)
        if key == UPLOADED_EVENT and isinstance(params, list) and len(params) >= 2:
            try:
                self._versions += int(params[0])
                self._bytes += int(params[1])
            except (TypeError, ValueError):
                log.warning("metrics: event %s has unusable params %r", key, params)


class Metrics:
    """The in-process metrics of one app, plus its database collector."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "wft_http_requests",
            "HTTP requests answered",
            ["method", "endpoint", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "wft_http_request_duration_seconds",
            "Time to answer HTTP requests",
            ["endpoint"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.api_errors = Counter(
            "wft_api_errors",
            "Error answers by message key and HTTP status",
            ["key", "status"],
            registry=self.registry,
        )
        self.database = DatabaseCollector(db)

    def observe(
        self, method: str, endpoint: str | None, status: int, seconds: float, error_key: str | None
    ) -> None:
        name = endpoint or "unmatched"  # never the raw path: one series per route, not per URL
        self.requests.labels(method, name, str(status)).inc()
        self.duration.labels(name).observe(seconds)
        if error_key is not None and status >= 400:
            self.api_errors.labels(error_key, str(status)).inc()

    def exposition(self) -> bytes:
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call] # every worker's counters, summed
        else:
            registry.register(_Forward(self.registry))
        registry.register(self.database)
        return generate_latest(registry)


class _Forward(Collector):
    """Collects another registry (this process's counters) into the scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()
