"""The embedded mode's worker: one ``wikifile-transfer worker`` child process, started again if it dies.

Why a child process and not a thread of the web app: a worker holds a Celery consumer, threads running
uploads and a reconciler; a crash there (or ``kill -9`` by an out-of-memory killer) must not take the web
app down, and the web app's restarts must not cut uploads. The supervisor restarts a dead child with a
growing pause (1 s, 2 s, 4 s… up to a minute), so a child that cannot start does not spin. Items the dead
child held are picked up by the new one: their leases expire and the reconciler dispatches them again.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

ENV_PARENT = "WFT_SUPERVISOR_PID"
"""Set in the child's environment: the pid of the supervising process (see watch_parent)."""
# Spawning a child (fork + exec) and any other fork of this process must not overlap. subprocess keeps a
# pipe open until the child has exec'd, to learn whether exec failed; a process forked in that window
# (gunicorn's arbiter starting its web worker, with the supervisor living in the arbiter) inherits the
# pipe's write end and keeps it open for its whole life, so Popen() waits forever and no restart ever
# happens (seen: the first spawn hung after the worker was already running). Plain ``os.fork`` calls
# wait for a spawn in progress through the at-fork handlers below; subprocess's own fork does not run
# them (no preexec_fn), so it cannot deadlock on this lock.
_FORK_LOCK = threading.Lock()
_fork_guard_installed = False


def _install_fork_guard() -> None:
    global _fork_guard_installed  # noqa: PLW0603 - once per process
    if _fork_guard_installed:
        return
    os.register_at_fork(
        before=_FORK_LOCK.acquire, after_in_parent=_FORK_LOCK.release, after_in_child=_FORK_LOCK.release
    )
    _fork_guard_installed = True


MAX_PAUSE = 60.0
STABLE_AFTER = 30.0
"""A child that ran this long is considered healthy: the restart pause starts again from one second."""


def worker_command(extra: Sequence[str] = ()) -> list[str]:
    """The command of the worker child: this Python running this package's CLI."""
    return [sys.executable, "-m", "wikifile_transfer.cli.main", "worker", *extra]


@dataclass
class Supervisor:
    command: list[str] = field(default_factory=worker_command)
    env: dict[str, str] | None = None
    clock: Callable[[], float] = time.monotonic
    _child: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    restarts: int = field(default=0, init=False)

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def start(self) -> None:
        _install_fork_guard()
        self._thread = threading.Thread(target=self._loop, name="wikifile-transfer-supervisor", daemon=True)
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ if self.env is None else self.env)
        env[ENV_PARENT] = str(os.getpid())  # the child stops when this process is gone (kill -9 of serve)
        with _FORK_LOCK:
            return subprocess.Popen(self.command, env=env)

    def _loop(self) -> None:
        pause = 1.0
        while not self._stop.is_set():
            started = self.clock()
            with self._lock:  # stop() sees either no new child or this one, never one it misses
                if self._stop.is_set():
                    return
                self._child = self._spawn()
            log.info("worker started (pid %s)", self._child.pid)
            code = self._child.wait()
            if self._stop.is_set():
                return
            ran = self.clock() - started
            pause = 1.0 if ran >= STABLE_AFTER else min(pause * 2, MAX_PAUSE)
            self.restarts += 1
            log.warning(
                "worker (pid %s) ended with %s after %.0f s; restarting in %.0f s",
                self._child.pid,
                code,
                ran,
                pause,
            )
            self._stop.wait(pause)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the child to finish its current work (SIGTERM: Celery's warm shutdown), then end it."""
        with self._lock:
            self._stop.set()
            child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._thread is not None:
            self._thread.join(timeout)


def watch_parent(stop: threading.Event, interval: float = 2.0) -> threading.Thread | None:
    """In a supervised worker: end this process (SIGTERM to itself: a warm shutdown) once the supervising
    process is gone, so that a ``kill -9`` of ``serve`` leaves no worker behind. None when unsupervised."""
    expected = os.environ.get(ENV_PARENT, "")
    if not expected.isdigit():
        return None

    def watch() -> None:
        while not stop.wait(interval):
            if os.getppid() != int(expected):
                log.warning("the supervising process %s is gone: stopping", expected)
                os.kill(os.getpid(), signal.SIGTERM)
                return

    thread = threading.Thread(target=watch, daemon=True, name="wikifile-transfer-parent-watch")
    thread.start()
    return thread
