"""Building the objects every command needs from the configuration, in one place.

Why a module of its own: ``transfer`` and ``convert`` (and the workers and web app to come) must talk
to wikis the same way: one guarded HttpClient with the configured contact in its User-Agent, one
WikiRegistry per process so a wiki is logged in and its siteinfo fetched once. ``cli.main`` imports
``cli.convert``, so the shared factory cannot live in ``main``.
"""

from __future__ import annotations

from wikifile_transfer.config import Config, default_cache_dir
from wikifile_transfer.transfer.executor import ExecutorSettings
from wikifile_transfer.transfer.service import TransferService
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.registry import WikiRegistry


def make_registry(config: Config) -> WikiRegistry:
    """The registry of configured, Wikimedia and discovered wikis, on one polite, guarded client."""
    return WikiRegistry(config, HttpClient(contact=config.contact, timeout=config.timeouts))


def make_service(config: Config) -> TransferService:
    """A TransferService on a fresh registry, with the configured temp folder, chunk size and limits."""
    settings = ExecutorSettings(
        temp_dir=config.temp_dir, chunk_size=config.chunk_size, max_download_bytes=config.max_download_bytes
    )
    return TransferService(make_registry(config), settings, cache_dir=config.cache_dir or default_cache_dir())
