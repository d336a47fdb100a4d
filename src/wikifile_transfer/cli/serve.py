"""``wikifile-transfer serve``: the web app and one supervised worker, on one machine, nothing to install.

The embedded mode (DESIGN.md "Modes"): SQLite database and SQLite broker in the data folder
(``WFT_DATA_DIR``), the web app served by gunicorn (one process, threads), and one ``wikifile-transfer
worker`` child process kept alive by jobs.supervisor.Supervisor (a crashed or killed worker is started
again; the items it held are taken over when their leases expire). Secrets that are not set are made
once and kept in the data folder (web.bootstrap.ensure_local_secrets), so a fresh machine needs no setup.

Any of it can be pointed elsewhere with the same variables as a deployment (``WFT_DATABASE_URL``,
``CELERY_BROKER_URL`` …); ``--no-worker`` when workers run on their own. Stopping (Ctrl+C, SIGTERM)
stops the web app and asks the worker to finish its current step (Celery's warm shutdown).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from wikifile_transfer.config import Config
from wikifile_transfer.i18n import msg
from wikifile_transfer.jobs.supervisor import Supervisor, worker_command
from wikifile_transfer.store import migrate
from wikifile_transfer.store.db import Database
from wikifile_transfer.web import logs
from wikifile_transfer.web.bootstrap import ENV_EMBEDDED_WORKER, ensure_local_secrets
from wikifile_transfer.web.settings import WebSettings

log = logging.getLogger(__name__)
EXIT_OK = 0


def add_parser(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the web app with one embedded background worker")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000, help="port to listen on (default: 5000)")
    serve.add_argument("--threads", type=int, default=8, help="threads answering requests (default: 8)")
    serve.add_argument(
        "--worker-concurrency", type=int, default=2, help="transfers the embedded worker runs at once"
    )
    serve.add_argument(
        "--no-worker", dest="worker", action="store_false", help="no embedded worker (workers run elsewhere)"
    )


class EmbeddedServer(BaseApplication):  # type: ignore[misc] # gunicorn has no type hints
    """gunicorn, configured in code: one web process; the supervisor lives in the master process."""

    def __init__(self, options: dict[str, Any], supervisor: Supervisor | None) -> None:
        self.options = options
        self.supervisor = supervisor
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("when_ready", self._ready)
        self.cfg.set("on_exit", self._exit)

    def load(self) -> Any:
        # in the web process, after the fork: its own database pool and broker connection
        from wikifile_transfer.web.wsgi import app  # noqa: PLC0415 - built from the environment set above

        return app

    def _ready(self, server: Any) -> None:
        if self.supervisor is not None:
            self.supervisor.start()

    def _exit(self, server: Any) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()


def run_serve(args: argparse.Namespace, config: Config, lang: str) -> int:
    logs.configure()
    ensure_local_secrets()
    os.environ.setdefault("WFT_PUBLIC_URL", f"http://{args.host}:{args.port}")
    WebSettings.from_env()  # a bad setting stops here, not in the web process
    db = Database()
    migrate.upgrade(db)  # once, before the web process and the worker both open the database
    db.dispose()
    supervisor = None
    if args.worker:
        # the web app (built after the fork from this environment) prepares batches through the worker
        os.environ[ENV_EMBEDDED_WORKER] = "1"
        supervisor = Supervisor(
            command=worker_command(["--concurrency", str(max(1, args.worker_concurrency))])
        )
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": 1,
        "threads": max(1, args.threads),
        "worker_class": "gthread",
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
        "logconfig_dict": logs.gunicorn_logconfig(),
        "proc_name": "wikifile-transfer-serve",
        "control_socket_disable": True,  # one socket in $HOME for every instance: not for us
    }
    sys.stderr.write(msg("wft-cli-serve-started", os.environ["WFT_PUBLIC_URL"], lang=lang) + "\n")
    EmbeddedServer(options, supervisor).run()
    return EXIT_OK
