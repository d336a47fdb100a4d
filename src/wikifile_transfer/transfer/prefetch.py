"""The next version of a file, downloaded while the current one uploads.

Why: versions of one file must reach the target one after another, oldest first, and each waits for the
wiki to take the one before (seconds for a big file, and re-uploads are spaced into different seconds).
Downloading version *n + 1* only after version *n* was accepted leaves the source idle during every
upload and the target idle during every download. One download ahead is enough to overlap them; more
would only hold more temp space.

The download runs in one background thread, with its own temp-space reservation (held until the
uploaded file is deleted) and without progress events (the listener belongs to the transfer's thread).
Its errors reach the transfer when it takes the version, exactly where its own download would have
raised them. On the way out (success, error, cancellation) :meth:`Prefetcher.close` stops a download
still running, waits for its thread, and deletes and releases whatever was not taken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from types import TracebackType

from wikifile_transfer.transfer.model import FileVersion
from wikifile_transfer.wiki.download import Downloaded

Fetch = Callable[[FileVersion, Callable[[int], None]], Downloaded]
"""Download a version (``on_progress`` is called with the bytes so far) into the run's folder."""

Reserve = Callable[[int], AbstractContextManager[None]]
"""Hold this many bytes of temp space for the ``with`` block."""


class Cancelled(Exception):
    """Raised inside a prefetch download that is no longer wanted (the transfer stopped)."""


@dataclass
class Fetched:
    """A downloaded version and the temp-space reservation it holds: ``hold`` closes with the file."""

    downloaded: Downloaded
    hold: ExitStack


class Prefetcher:
    """At most one version downloaded ahead, by index in the plan's version list."""

    def __init__(self, fetch: Fetch, reserve: Reserve) -> None:
        self._fetch = fetch
        self._reserve = reserve
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="prefetch")
        self._cancel = threading.Event()
        self._pending: tuple[int, Future[Fetched]] | None = None

    def start(self, index: int, version: FileVersion) -> None:
        """Begin downloading ``version`` (number ``index``) unless it is already on its way."""
        if self._pending is not None and self._pending[0] == index:
            return
        self._drop()
        self._pending = (index, self._pool.submit(self._download, version))

    def take(self, index: int) -> Fetched | None:
        """The prefetched version ``index`` (waiting for its download), or None when it was not
        prefetched. Raises what its download raised."""
        if self._pending is None or self._pending[0] != index:
            return None
        _, future = self._pending
        self._pending = None
        return future.result()

    def close(self) -> None:
        """Stop a download still running, wait for it, delete and release what was not taken."""
        self._cancel.set()
        self._drop()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _drop(self) -> None:
        if self._pending is None:
            return
        _, future = self._pending
        self._pending = None
        self._cancel.set()
        try:
            fetched = future.result()
        except Exception:  # noqa: BLE001 - a download nobody will use: its error does not matter
            return
        finally:
            self._cancel.clear()
        discard(fetched)

    def _download(self, version: FileVersion) -> Fetched:
        return fetch_held(self._fetch_unless_cancelled, self._reserve, version, self._check_cancel)

    def _fetch_unless_cancelled(self, version: FileVersion, on_progress: Callable[[int], None]) -> Downloaded:
        if self._cancel.is_set():  # the space came after the transfer stopped
            raise Cancelled(version.sha1)
        return self._fetch(version, on_progress)

    def _check_cancel(self, _done: int) -> None:
        if self._cancel.is_set():
            raise Cancelled


def fetch_held(
    fetch: Fetch, reserve: Reserve, version: FileVersion, on_progress: Callable[[int], None]
) -> Fetched:
    """Reserve the version's temp space, then download it; the space stays held in the result (released
    at once when the download fails)."""
    hold = ExitStack()
    try:
        hold.enter_context(reserve(version.size))
        downloaded = fetch(version, on_progress)
    except BaseException:
        hold.close()
        raise
    return Fetched(downloaded, hold)


def discard(fetched: Fetched) -> None:
    """Delete a downloaded version and release its temp space."""
    try:
        fetched.downloaded.path.unlink(missing_ok=True)
    finally:
        fetched.hold.close()
