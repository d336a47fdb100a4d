"""jobs/supervisor.py with real child processes: a killed child is started again after a pause that grows
while the child keeps dying young and starts from one second again once it ran long; stop() ends the
child (SIGTERM, then SIGKILL for one that ignores it) and no restart follows; a supervised worker ends
itself once its supervisor is gone (watch_parent); a fork of the process waits while a child is being
spawned (the fork guard)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wikifile_transfer.jobs import supervisor
from wikifile_transfer.jobs.supervisor import ENV_PARENT, Supervisor, watch_parent


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Pauses(threading.Event):
    """The supervisor's stop event, recording each pause it waits (and waiting only briefly)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            self.asked.append(timeout)
            timeout = min(timeout, 0.05)
        return super().wait(timeout)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie child not yet reaped by the supervisor still answers kill(0)
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_killed_child_is_started_again_and_the_pause_grows_while_it_dies_young() -> None:
    now = [0.0]
    sup = Supervisor(command=SLEEPER, clock=lambda: now[0])
    sup._stop = pauses = Pauses()
    sup.start()
    try:
        pids: list[int] = []
        for round_ in range(4):
            pid = wait_for(lambda: sup.pid not in (None, *pids) and sup.pid, 20, f"child {round_ + 1}")
            pids.append(pid)
            if round_ == 2:
                now[0] += 120.0  # this one "ran" two minutes before it was killed: healthy
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: sup.restarts == 4, 20, "the fourth restart")
        assert pauses.asked == [2.0, 4.0, 1.0, 2.0]
        assert len(set(pids)) == 4
        assert not any(alive(pid) for pid in pids)
    finally:
        sup.stop(timeout=10)


def test_stop_ends_the_child_and_no_restart_follows(tmp_path: Path) -> None:
    marker, ready = tmp_path / "terminated", tmp_path / "ready"
    code = (
        "import signal, sys, time, pathlib\n"
        f"def bye(*_): pathlib.Path({str(marker)!r}).write_text('warm'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(60)\n"
    )
    sup = Supervisor(command=[sys.executable, "-c", code])
    sup.start()
    pid = wait_for(lambda: sup.pid, 20, "the child")
    wait_for(ready.exists, 20, "its SIGTERM handler")
    sup.stop(timeout=10)
    assert marker.read_text() == "warm"  # asked with SIGTERM (Celery's warm shutdown), not killed
    assert not alive(pid)
    time.sleep(0.3)
    assert sup.pid == pid and sup.restarts == 0
    assert sup._thread is not None and not sup._thread.is_alive()


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    code = (
        "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"
    )
    sup = Supervisor(command=[sys.executable, "-c", code])
    sup.start()
    pid = wait_for(lambda: sup.pid, 20, "the child")
    wait_for(ready.exists, 20, "the child to ignore SIGTERM")
    started = time.monotonic()
    sup.stop(timeout=1.0)
    assert 0.9 <= time.monotonic() - started < 10
    assert not alive(pid)


def test_the_child_knows_its_supervisor(tmp_path: Path) -> None:
    """The supervisor's pid goes to the child (ENV_PARENT, read by watch_parent) with the environment
    it was given."""
    out = tmp_path / "env"
    code = (
        "import os, pathlib\n"
        f"pathlib.Path({str(out)!r}).write_text(os.environ['{ENV_PARENT}'] + ' ' + os.environ['X'])\n"
    )
    sup = Supervisor(command=[sys.executable, "-c", code], env={"X": "given", "PATH": os.environ["PATH"]})
    child = sup._spawn()
    assert child.wait(10) == 0
    assert out.read_text() == f"{os.getpid()} given"


WATCHER = (
    "import threading, time\n"
    "from wikifile_transfer.jobs.supervisor import watch_parent\n"
    "stop = threading.Event()\n"
    "print('watching' if watch_parent(stop, interval=0.1) else 'unsupervised', flush=True)\n"
    "time.sleep(10)\n"
    "print('still running', flush=True)\n"
)


def test_a_supervised_worker_stops_when_its_supervisor_is_gone() -> None:
    """The child's parent is not the pid it was told (its supervisor died and it was re-parented):
    it sends itself SIGTERM, the warm shutdown."""
    env = {**os.environ, ENV_PARENT: "1"}  # pid 1: not our parent
    child = subprocess.run(
        [sys.executable, "-c", WATCHER], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert child.stdout == "watching\n"
    assert child.returncode == -signal.SIGTERM


def test_a_supervised_worker_keeps_running_while_its_supervisor_lives() -> None:
    env = {**os.environ, ENV_PARENT: str(os.getpid())}
    child = subprocess.Popen([sys.executable, "-c", WATCHER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "watching\n"
        time.sleep(0.6)  # six looks at its parent
        assert child.poll() is None
    finally:
        child.kill()
        child.wait(10)


def test_an_unsupervised_worker_does_not_watch() -> None:
    env = {k: v for k, v in os.environ.items() if k != ENV_PARENT}
    child = subprocess.Popen([sys.executable, "-c", WATCHER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "unsupervised\n"
    finally:
        child.kill()
        child.wait(10)
    os.environ.pop(ENV_PARENT, None)
    assert watch_parent(threading.Event()) is None


def test_a_fork_waits_while_a_child_is_being_spawned() -> None:
    """A process forked while subprocess waits for its child's exec would inherit the pipe subprocess
    reads, and Popen would wait as long as that process lives. With the guard, os.fork() waits for the
    spawn to finish: here the spawn is held (the guard's lock taken as _spawn takes it) and a fork from
    another thread must not happen until it is released."""
    supervisor._install_fork_guard()
    supervisor._install_fork_guard()  # once per process, however often asked
    forked = threading.Event()
    child_pid: list[int] = []

    def fork() -> None:
        pid = os.fork()
        if pid == 0:  # the child: leave at once, touching nothing of pytest's
            os._exit(0)
        child_pid.append(pid)
        forked.set()

    with supervisor._FORK_LOCK:  # a spawn in progress
        thread = threading.Thread(target=fork, daemon=True)
        thread.start()
        assert not forked.wait(0.5), "the fork happened while a child was being spawned"
    assert forked.wait(10)
    thread.join(10)
    _pid, status = os.waitpid(child_pid[0], 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not supervisor._FORK_LOCK.locked()  # released in the parent after the fork


def test_the_spawn_of_a_child_is_not_held_up_by_forks_around_it() -> None:
    """Forks and spawns in a loop from two threads: every spawn returns (none hangs on a pipe a forked
    process inherited), and every spawned child ran."""
    supervisor._install_fork_guard()
    sup = Supervisor(command=[sys.executable, "-c", "pass"])
    stop = threading.Event()
    forks: list[int] = []

    def keep_forking() -> None:
        while not stop.is_set():
            pid = os.fork()
            if pid == 0:
                time.sleep(3.0)  # holds whatever it inherited for three seconds
                os._exit(0)
            forks.append(pid)
            time.sleep(0.03)

    forker = threading.Thread(target=keep_forking, daemon=True)
    forker.start()
    try:
        spawn_times = []
        for _ in range(10):
            started = time.monotonic()
            child = sup._spawn()
            spawn_times.append(time.monotonic() - started)
            assert child.wait(10) == 0
        # a forked process holding the exec pipe would keep Popen waiting its whole three seconds
        assert max(spawn_times) < 2.0, spawn_times
    finally:
        stop.set()
        forker.join(10)
        for pid in forks:
            os.waitpid(pid, 0)
