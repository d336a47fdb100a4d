"""Progress of a batch the CLI runs itself: one bar for the batch, one line with a bar per running item.

Items run in worker threads; every call here may come from any of them (rich's Progress is thread-safe).
Each item's bar shows its current step (download 2/3, upload 2/3…) and bytes; when the item ends, its
line is replaced by a one-line verdict, so the finished screen lists every file once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from wikifile_transfer.i18n import msg
from wikifile_transfer.jobs.runner import DbListener

SYMBOLS = {"done": "✔", "already_done": "✔", "blocked": "✖", "failed": "✖", "cancelled": "·"}


@dataclass
class ItemBars:
    """The executor's Listener for one item: forwards to the database listener, draws on the way."""

    inner: DbListener
    owner: BatchProgress

    def step(self, key: str, *params: str) -> None:
        self.inner.step(key, *params)
        self.owner.item_step(self.inner.transfer_id, msg(key, *params, lang=self.owner.lang))

    def bytes_down(self, done: int, total: int) -> None:
        self.inner.bytes_down(done, total)
        self.owner.item_bytes(self.inner.transfer_id, done, total)

    def bytes_up(self, done: int, total: int) -> None:
        self.inner.bytes_up(done, total)
        self.owner.item_bytes(self.inner.transfer_id, done, total)


@dataclass
class BatchProgress:
    lang: str
    total: int
    label: str
    console: Console = field(default_factory=lambda: Console(stderr=True))
    _items: dict[int, TaskID] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.batch_bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.item_bars = Progress(
            TextColumn("  {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=self.console,
        )
        self._batch_task = self.batch_bar.add_task(self.label, total=self.total)

    def __enter__(self) -> BatchProgress:
        self.batch_bar.start()
        self.item_bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.item_bars.stop()
        self.batch_bar.stop()

    def wrap(self, listener: DbListener) -> ItemBars:
        return ItemBars(listener, self)

    def _task(self, transfer_id: int) -> TaskID:
        with self._lock:
            task = self._items.get(transfer_id)
            if task is None:
                task = self._items[transfer_id] = self.item_bars.add_task(f"#{transfer_id}", total=None)
            return task

    def item_step(self, transfer_id: int, text: str) -> None:
        description = escape(f"#{transfer_id} {text}")
        self.item_bars.update(self._task(transfer_id), description=description, completed=0, total=None)

    def item_bytes(self, transfer_id: int, done: int, total: int) -> None:
        self.item_bars.update(self._task(transfer_id), completed=done, total=total or None)

    def finished(self, transfer_id: int, status: str, title: str) -> None:
        with self._lock:
            task = self._items.pop(transfer_id, None)
        if task is not None:
            self.item_bars.remove_task(task)
        self.batch_bar.advance(self._batch_task)
        line = f"{SYMBOLS.get(status, '·')} #{transfer_id} {title} [{status}]"
        self.console.print(escape(line), highlight=False)
