"""Progress bars for bytes down and up, drawn with rich on standard error."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)

from wikifile_transfer.i18n import msg


class ProgressBars:
    """A ``Listener`` for the executor: a download bar and an upload bar per version, so the finished
    screen shows every version that moved."""

    def __init__(self, lang: str, console: Console | None = None) -> None:
        self.lang = lang
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=self.console,
            transient=False,
        )
        self._down: TaskID | None = None
        self._up: TaskID | None = None

    def __enter__(self) -> ProgressBars:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()

    def step(self, key: str, *params: str) -> None:
        text = msg(key, *params, lang=self.lang)
        if key == "wft-step-download":
            self._down = self.progress.add_task(text, total=None)
        elif key == "wft-step-upload":
            self._up = self.progress.add_task(text, total=None)
        else:
            self.progress.console.print(text)

    def bytes_down(self, done: int, total: int) -> None:
        if self._down is not None:
            self.progress.update(self._down, completed=done, total=total or None)

    def bytes_up(self, done: int, total: int) -> None:
        if self._up is not None:
            self.progress.update(self._up, completed=done, total=total or None)
