"""A byte budget for temporary files, shared by every worker thread and process on one machine.

Why: a worker downloads each version to disk before uploading it. Ten concurrent transfers of 4 GiB videos
would fill a small Toolforge container's disk, and then *every* transfer fails half-way. So before a
download, a worker reserves the version's size: it waits while the budget is taken by others, and gets a
clear error at once when the file alone is larger than the budget or the disk has no room for it.

The ledger is a small JSON file (beside the database by default, not among the temp files, which a run
leaves empty), changed under an ``fcntl`` lock (processes) and a
``threading.Lock`` (threads of one process, which share fcntl locks). Entries of processes that died
(``kill -9``) are dropped when the ledger is next read, so a crash never leaks budget.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from wikifile_transfer.errors import DiskFullError, WftError

LEDGER: Final = ".wft-space.json"
DEFAULT_MARGIN: Final = 64 * 1024 * 1024
"""Bytes left free on the disk beyond every reservation: the system and the wikis' own caches need some."""


class TempSpaceBusyError(WftError):
    """The budget stayed taken by other transfers for too long. Parameters: bytes wanted, folder."""

    key = "wft-error-temp-space-busy"


class TempSpaceTooSmallError(WftError):
    """One file is larger than the whole budget. Parameters: file bytes, budget bytes."""

    key = "wft-error-temp-space-too-small"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


_THREAD_LOCK = threading.Lock()


@dataclass
class TempSpace:
    directory: Path
    budget: int
    margin: int = DEFAULT_MARGIN
    poll: float = 0.25
    free_bytes: Callable[[Path], int] = field(default=lambda p: shutil.disk_usage(p).free)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    ledger: Path | None = None
    """The ledger file; None: ``LEDGER`` inside ``directory``."""

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.ledger is None:
            self.ledger = self.directory / LEDGER
        self.ledger.parent.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def _ledger(self) -> Iterator[dict[str, int]]:
        path = self.ledger or self.directory / LEDGER
        with _THREAD_LOCK, open(path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            try:
                raw = json.loads(handle.read() or "{}")
            except ValueError:
                raw = {}
            entries = {
                k: int(v) for k, v in raw.items() if isinstance(v, int) and _alive(int(k.split("-", 1)[0]))
            }
            yield entries
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(entries))
            handle.flush()

    def reserved(self) -> int:
        with self._ledger() as entries:
            return sum(entries.values())

    def _try(self, nbytes: int) -> str | None:
        with self._ledger() as entries:
            if sum(entries.values()) + nbytes > self.budget:
                return None
            if self.free_bytes(self.directory) < nbytes + self.margin:
                if not entries:  # nobody else holds space that could free up: the disk is full
                    raise DiskFullError(str(self.directory), detail=f"{nbytes} bytes needed")
                return None
            token = f"{os.getpid()}-{uuid.uuid4().hex}"
            entries[token] = nbytes
            return token

    def _release(self, token: str) -> None:
        with self._ledger() as entries:
            entries.pop(token, None)

    @contextlib.contextmanager
    def reserve(self, nbytes: int, *, timeout: float = 3600.0) -> Iterator[None]:
        """Hold ``nbytes`` of the budget for the ``with`` block; wait up to ``timeout`` seconds for it."""
        if nbytes > self.budget:
            raise TempSpaceTooSmallError(nbytes, self.budget)
        deadline = self.clock() + timeout
        while True:
            token = self._try(nbytes)
            if token is not None:
                break
            if self.clock() >= deadline:
                raise TempSpaceBusyError(nbytes, str(self.directory))
            self.sleep(self.poll)
        try:
            yield
        finally:
            self._release(token)


def ledger_for(directory: Path, state_dir: Path) -> Path:
    """A ledger in ``state_dir`` for the temp folder ``directory`` (one ledger per folder)."""
    digest = hashlib.sha1(str(directory.resolve()).encode("utf-8"), usedforsecurity=False).hexdigest()
    return state_dir / f"tempspace-{digest[:12]}.json"
