"""What a process that runs transfers needs, built once: database, wikis per user, limits, temp space.

The CLI, the embedded worker and the scale-out workers build the same ``JobContext`` from the same
configuration (the TOML file for wikis and limits, environment variables for the database and broker),
so an item behaves the same whoever runs it.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikifile_transfer.config import Config
from wikifile_transfer.jobs.runner import DbListener, Runner, RunnerSettings
from wikifile_transfer.jobs.tempspace import TempSpace, ledger_for
from wikifile_transfer.store.db import Database, data_dir
from wikifile_transfer.transfer.executor import ExecutorSettings
from wikifile_transfer.transfer.service import TransferService
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.registry import WikiRegistry

DEFAULT_TEMP_BUDGET = 8 * 1024**3
"""Bytes of temporary files all transfers of one machine may hold at once (two 4 GiB videos)."""


def config_registry(config: Config) -> WikiRegistry:
    """The wikis as the configuration file names them (bot passwords from the file)."""
    return WikiRegistry(config, HttpClient(contact=config.contact, timeout=config.timeouts))


@dataclass
class JobContext:
    db: Database
    config: Config
    settings: RunnerSettings = field(default_factory=RunnerSettings)
    temp_budget: int = DEFAULT_TEMP_BUDGET
    registry_factory: Callable[[int], WikiRegistry] | None = None
    """user id → that user's wikis (the web app's OAuth/bot-password credentials); None: the configuration
    file's wikis for everyone (CLI and self-hosted single-user use)."""
    listener_factory: Callable[[DbListener], Any] | None = None
    """Wraps each item's database listener (the CLI adds progress bars)."""
    _services: dict[int | None, TransferService] = field(default_factory=dict, init=False)
    _space: TempSpace | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def service_for(self, user_id: int) -> TransferService:
        """The transfer service with the user's wikis, kept for the life of the process (siteinfo and
        logins are reused); one shared service when every user has the configuration file's wikis."""
        key = user_id if self.registry_factory is not None else None
        with self._lock:
            service = self._services.get(key)
            if service is None:
                registry = (
                    self.registry_factory(user_id)
                    if self.registry_factory is not None
                    else config_registry(self.config)
                )
                service = TransferService(registry, self.executor_settings, cache_dir=self.config.cache_dir)
                self._services[key] = service
            return service

    def registry_for(self, user_id: int) -> WikiRegistry:
        return self.service_for(user_id).registry

    @property
    def executor_settings(self) -> ExecutorSettings:
        return ExecutorSettings(
            temp_dir=self.config.temp_dir,
            chunk_size=self.config.chunk_size,
            max_download_bytes=self.config.max_download_bytes,
            space=self.temp_space(),
        )

    def temp_space(self) -> TempSpace:
        if self._space is None:
            folder = self.config.temp_dir or Path(tempfile.gettempdir())
            self._space = TempSpace(folder, self.temp_budget, ledger=ledger_for(folder, data_dir()))
        return self._space

    def runner(self) -> Runner:
        return Runner(
            db=self.db,
            service_for=self.service_for,
            settings=self.settings,
            listener_factory=self.listener_factory,
        )
