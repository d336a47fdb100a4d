"""The next version downloaded while the current one uploads: errors surface where the transfer takes
the version, and nothing is left behind (files, temp-space reservations, threads) however it ends."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wikifile_transfer.errors import Sha1MismatchError
from wikifile_transfer.transfer.model import FileVersion
from wikifile_transfer.transfer.prefetch import Prefetcher, discard
from wikifile_transfer.wiki.download import Downloaded


def version(n: int, size: int = 10) -> FileVersion:
    return FileVersion(f"2020-01-0{n}T00:00:00Z", "Alice", "", f"{n:040x}", size, 1, 1, "image/png", f"u{n}")


class Space:
    """A temp-space ledger that records what is held."""

    def __init__(self) -> None:
        self.held: list[int] = []
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        with self.lock:
            self.held.append(nbytes)
        try:
            yield
        finally:
            with self.lock:
                self.held.remove(nbytes)


def writer(
    folder: Path, *, gate: threading.Event | None = None, fail: bool = False
) -> Callable[..., Downloaded]:
    def fetch(v: FileVersion, on_progress: Callable[[int], None]) -> Downloaded:
        path = folder / f"wft-{v.sha1[-2:]}"
        data = b"x" * v.size
        path.write_bytes(data)
        try:
            for done in range(0, v.size, 2):
                if gate is not None:
                    gate.wait(0.05)
                on_progress(done)
            if fail:
                raise Sha1MismatchError(v.sha1, "0" * 40)
        except BaseException:
            path.unlink()
            raise
        return Downloaded(path, v.size, hashlib.sha1(data, usedforsecurity=False).hexdigest())

    return fetch


def test_a_prefetched_version_is_taken_with_its_reservation(tmp_path: Path) -> None:
    space = Space()
    with Prefetcher(writer(tmp_path), space.reserve) as prefetch:
        assert prefetch.take(1) is None, "nothing started: the caller downloads it itself"
        prefetch.start(1, version(1, 12))
        prefetch.start(1, version(1, 12))  # already on its way: not downloaded twice
        fetched = prefetch.take(1)
        assert fetched is not None and fetched.downloaded.path.read_bytes() == b"x" * 12
        assert space.held == [12], "the space stays held while the file exists"
        assert prefetch.take(1) is None, "taken once"
        discard(fetched)
    assert space.held == [] and list(tmp_path.iterdir()) == []


def test_the_download_error_surfaces_when_the_version_is_taken(tmp_path: Path) -> None:
    space = Space()
    with Prefetcher(writer(tmp_path, fail=True), space.reserve) as prefetch:
        prefetch.start(2, version(2))
        with pytest.raises(Sha1MismatchError):
            prefetch.take(2)
        assert space.held == [] and list(tmp_path.iterdir()) == []


def test_closing_stops_a_running_download_and_leaves_nothing(tmp_path: Path) -> None:
    """The upload before it failed: the next version's download is cancelled, its file deleted, its
    space released, and the thread is gone before the run's folder is removed."""
    space = Space()
    gate = threading.Event()  # never set: each block waits 50 ms, so the download is still running
    prefetch = Prefetcher(writer(tmp_path, gate=gate), space.reserve)
    prefetch.start(1, version(1, 1000))
    prefetch.close()
    assert space.held == [] and list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("prefetch")]


def test_a_finished_download_nobody_took_is_deleted(tmp_path: Path) -> None:
    space = Space()
    with Prefetcher(writer(tmp_path), space.reserve) as prefetch:
        prefetch.start(1, version(1))
        prefetch.start(2, version(2))  # another version wanted instead: the first one is dropped
        fetched = prefetch.take(2)
        assert fetched is not None
        assert [p.name for p in tmp_path.iterdir()] == [fetched.downloaded.path.name]
        discard(fetched)
        prefetch.start(3, version(3))
    assert space.held == [] and list(tmp_path.iterdir()) == []
