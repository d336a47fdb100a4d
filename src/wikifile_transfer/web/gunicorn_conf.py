"""gunicorn settings, from the environment: ``gunicorn -c python:wikifile_transfer.web.gunicorn_conf …``.

* bind: ``0.0.0.0:$PORT`` (Toolforge's build service and most platforms set ``PORT``; 8000 otherwise;
  ``WFT_BIND_HOST`` for another address);
* ``WEB_CONCURRENCY`` worker processes (default 2) × ``WFT_WEB_THREADS`` threads each (default 4,
  gthread): requests mostly wait for the database or for wikis, so threads are cheap concurrency, and
  long polling/SSE requests hold a thread, not a process;
* no access log: the app writes one JSON line per request itself (web.logs, with the request id and user
  id gunicorn does not know); gunicorn's own messages go out as JSON too;
* ``preload_app`` off by default (``WFT_GUNICORN_PRELOAD=1`` turns it on): each worker then builds its own
  database pool and Celery connection after the fork. With preload the app is imported once in the
  master (faster start, shared memory) and web.bootstrap drops the inherited pool in each child;
* several workers and metrics: ``PROMETHEUS_MULTIPROC_DIR`` is set to a fresh folder (unless given) so
  ``/metrics`` sums the counters of all workers, whichever worker answers the scrape;
* workers are recycled after ``max_requests`` (a leak cannot grow for ever) and killed after ``timeout``
  seconds without a heartbeat.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from wikifile_transfer.web.logs import gunicorn_logconfig


def _int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else default


bind = f"{os.environ.get('WFT_BIND_HOST') or '0.0.0.0'}:{_int('PORT', 8000)}"  # noqa: S104 - a container's port
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("WFT_WEB_THREADS", 4)
worker_class = "gthread"
timeout = _int("WFT_WEB_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
preload_app = os.environ.get("WFT_GUNICORN_PRELOAD", "").strip().lower() in ("1", "true", "yes")
accesslog = None
errorlog = "-"
logconfig_dict = gunicorn_logconfig()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "wikifile-transfer-web"
control_socket_disable = True  # gunicorn 27's control socket (in $HOME) is not used

if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # before any worker imports prometheus_client: the value class is chosen at its import
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="wikifile-transfer-metrics-")


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges must not be summed any more (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415 - only with several workers

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
