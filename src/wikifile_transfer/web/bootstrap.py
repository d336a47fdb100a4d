"""Assembling the web service from the environment: the same for gunicorn (web.wsgi), ``serve`` and
Toolforge.

:func:`build_services` reads what every process of a deployment shares (12-factor):

* the database: ``WFT_DATABASE_URL``, else ToolsDB on Toolforge, else SQLite in ``WFT_DATA_DIR``
  (store.db.default_url); **migrated on start** (store.migrate.upgrade: locked, so N processes starting
  together migrate once);
* the wikis: the TOML file of ``WIKIFILE_TRANSFER_CONFIG`` (the same file the CLI reads);
* the runner's limits: ``WFT_TARGET_CAP`` … (jobs.runner.RunnerSettings.from_env);
* the dispatcher: Celery on ``CELERY_BROKER_URL`` (embedded: SQLAlchemy on SQLite; jobs.queue);
* the batch preparer (expansion and dry run of new batches): a Celery task when workers run — a broker is
  configured (scale-out), or ``serve`` started its embedded worker (``WFT_EMBEDDED_WORKER=1``, set by
  ``serve``) — so a preparation outlives the web process and the workers' reconciler can restart it;
  a thread of the web process only when there is no worker at all;
* the encryption keys: ``WFT_SECRET_KEYS`` (store.crypto.SecretBox).

:func:`ensure_local_secrets` is the embedded mode's convenience: it makes ``WFT_SECRET_KEY`` and
``WFT_SECRET_KEYS`` once and keeps them in the data folder (mode 0600), so ``make run`` works on a fresh
machine and sessions and stored credentials survive restarts. A deployment (Toolforge) sets both
explicitly; nothing is generated there.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path

from wikifile_transfer.config import Config, load_config
from wikifile_transfer.errors import ConfigError
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.prepare import Preparer, ThreadPreparer
from wikifile_transfer.jobs.queue import ENV_BROKER, CeleryDispatcher, CeleryPreparer, make_celery
from wikifile_transfer.jobs.runner import RunnerSettings
from wikifile_transfer.store import migrate
from wikifile_transfer.store.crypto import ENV_KEYS, SecretBox, generate_key
from wikifile_transfer.store.db import Database, data_dir
from wikifile_transfer.web.services import Services
from wikifile_transfer.wiki.registry import WikiRegistry

log = logging.getLogger(__name__)

SECRETS_FILE = "web-secrets.json"
ENV_EMBEDDED_WORKER = "WFT_EMBEDDED_WORKER"
"""Set to ``1`` by ``serve`` when it supervises a worker: the web app then prepares batches through it."""
ENV_SECRET_KEY = "WFT_SECRET_KEY"  # noqa: S105 - the variable's name, not a secret

RegistryFactory = Callable[[int], WikiRegistry]


def registry_factory(db: Database, config: Config, box: SecretBox) -> RegistryFactory | None:
    """The wikis of a user as the web app sees them (with that user's OAuth token or bot password).

    None here: ``create_app`` (web.api.signin.install) puts the per-user factory of accounts.registry in
    place, with the app's OAuth client, so that no web user ever gets the configuration file's accounts."""
    return None


def build_services(env: MutableMapping[str, str] | None = None, *, migrate_on_start: bool = True) -> Services:
    """Everything the app needs, from the environment; the database is migrated first."""
    env = os.environ if env is None else env
    config = load_config()
    db = Database()
    if migrate_on_start:
        migrate.upgrade(db)
    # a forking server (gunicorn --preload) must not share the parent's pooled connections
    os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
    box = SecretBox.from_env(env)
    context = JobContext(
        db=db,
        config=config,
        settings=RunnerSettings.from_env(env),
        registry_factory=registry_factory(db, config, box),
    )
    app = make_celery()
    dispatcher = CeleryDispatcher(app, context)
    preparer: Preparer
    if workers_run(env):
        preparer = CeleryPreparer(app, db, grace=context.settings.dispatch_grace)
    else:
        preparer = ThreadPreparer(context)
    return Services(db=db, config=config, context=context, dispatcher=dispatcher, box=box, preparer=preparer)


def workers_run(env: Mapping[str, str]) -> bool:
    """Whether workers serve the queue: a broker is configured (scale-out workers), or ``serve`` runs its
    embedded one."""
    return bool(env.get(ENV_BROKER, "").strip()) or env.get(ENV_EMBEDDED_WORKER) == "1"


def ensure_local_secrets(
    env: MutableMapping[str, str] | None = None, folder: Path | None = None
) -> Path | None:
    """Fill in ``WFT_SECRET_KEY`` / ``WFT_SECRET_KEYS`` from (or into) ``<data dir>/web-secrets.json``.

    Only what is not set already; returns the file when it was used. The file is created with mode 0600
    (never readable by other users, not even for a moment) and a looser mode found later is tightened."""
    env = os.environ if env is None else env
    if env.get(ENV_SECRET_KEY) and env.get(ENV_KEYS):
        return None
    folder = folder or data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRETS_FILE
    stored = _read_secrets(path)
    if stored is None:
        stored = {ENV_SECRET_KEY: secrets.token_urlsafe(48), ENV_KEYS: generate_key()}
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now: use theirs
            stored = _read_secrets(path) or stored
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(stored, handle)
            log.info("generated the web secrets in %s", path)
    if not env.get(ENV_SECRET_KEY):
        env[ENV_SECRET_KEY] = stored[ENV_SECRET_KEY]
    if not env.get(ENV_KEYS):
        env[ENV_KEYS] = stored[ENV_KEYS]
    return path


def _read_secrets(path: Path) -> dict[str, str] | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o): made private again", path, mode)
        path.chmod(0o600)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in (ENV_SECRET_KEY, ENV_KEYS)
    ):
        raise ConfigError("not a secrets file of wikifile-transfer (remove it to make new ones)", str(path))
    return {ENV_SECRET_KEY: data[ENV_SECRET_KEY], ENV_KEYS: data[ENV_KEYS]}
