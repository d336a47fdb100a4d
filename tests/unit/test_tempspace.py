"""The temp-space budget: concurrent downloads never take more than the budget, a crash leaks nothing."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from wikifile_transfer.errors import DiskFullError
from wikifile_transfer.jobs.tempspace import LEDGER, TempSpace, TempSpaceBusyError, TempSpaceTooSmallError

GB = 1 << 30


def space(tmp_path: Path, budget: int, free: int = 100 * GB, **kw: object) -> TempSpace:
    return TempSpace(tmp_path, budget, margin=0, poll=0.01, free_bytes=lambda _p: free, **kw)  # type: ignore[arg-type]


def test_reservations_add_up_and_are_released(tmp_path: Path) -> None:
    s = space(tmp_path, 100)
    with s.reserve(60):
        assert s.reserved() == 60
        with s.reserve(40):
            assert s.reserved() == 100
    assert s.reserved() == 0


def test_a_file_larger_than_the_budget_fails_at_once(tmp_path: Path) -> None:
    s = space(tmp_path, 100)
    with pytest.raises(TempSpaceTooSmallError) as err, s.reserve(101):
        pass
    assert err.value.params == ("101", "100")


def test_waits_for_space_then_times_out_with_a_clear_error(tmp_path: Path) -> None:
    s = space(tmp_path, 100)
    with s.reserve(80), pytest.raises(TempSpaceBusyError), s.reserve(30, timeout=0.1):
        pass
    assert s.reserved() == 0


def test_a_waiting_thread_gets_the_space_when_it_is_released(tmp_path: Path) -> None:
    s = space(tmp_path, 100)
    order: list[str] = []
    holding = threading.Event()

    def first() -> None:
        with s.reserve(80):
            holding.set()
            time.sleep(0.2)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait()
    with s.reserve(50, timeout=5):
        order.append("second in")
        assert s.reserved() == 50
    thread.join()
    assert order == ["first done", "second in"]


def test_concurrent_threads_never_exceed_the_budget(tmp_path: Path) -> None:
    s = space(tmp_path, 100)
    peak = [0]
    lock = threading.Lock()
    current = [0]

    def work() -> None:
        for _ in range(5):
            with s.reserve(30, timeout=10):
                with lock:
                    current[0] += 30
                    peak[0] = max(peak[0], current[0])
                time.sleep(0.005)
                with lock:
                    current[0] -= 30

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 60 <= peak[0] <= 90
    assert s.reserved() == 0


def test_a_full_disk_is_reported_as_such(tmp_path: Path) -> None:
    s = space(tmp_path, 10 * GB, free=GB)
    with pytest.raises(DiskFullError) as err, s.reserve(2 * GB):
        pass
    assert err.value.params == (str(tmp_path),)


def test_the_real_disk_is_asked_by_default(tmp_path: Path) -> None:
    s = TempSpace(tmp_path, 1 << 62, margin=0)
    with pytest.raises(DiskFullError), s.reserve(1 << 61, timeout=0):
        pass
    with s.reserve(1024):
        assert s.reserved() == 1024


def _hold_and_die(directory: str, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    s = TempSpace(Path(directory), 100, margin=0)
    with s.reserve(70):
        ready.set()
        time.sleep(60)


def test_the_reservation_of_a_killed_process_is_dropped(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_and_die, args=(str(tmp_path), ready))
    proc.start()
    assert ready.wait(10)
    s = space(tmp_path, 100)
    assert s.reserved() == 70
    os.kill(proc.pid, 9)
    proc.join()
    assert s.reserved() == 0
    with s.reserve(100):
        pass


def test_a_garbled_ledger_is_reset(tmp_path: Path) -> None:
    (tmp_path / LEDGER).write_text("{not json")
    s = space(tmp_path, 100)
    with s.reserve(10):
        assert json.loads((tmp_path / LEDGER).read_text()) != {}
    assert s.reserved() == 0
