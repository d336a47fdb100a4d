"""Fixtures for tests against the real MediaWiki testbed (testbed/). Nothing else belongs here.

* ``testbed`` (session): the parsed testbed.json. Uses an already-running testbed when the
  environment variable ``WFT_TESTBED`` points at its testbed.json (or its BASE folder); otherwise it
  checks the packages (testbed/install.sh), starts fresh wikis on free ports in a temporary BASE
  (testbed/up.sh), seeds them (testbed/seed.py) and purges everything after the session.
* ``runtime_switch`` (function): ``runtime_switch.set("src", wgReadOnly="maintenance")`` changes a
  wiki's settings for the next request (BASE/<wiki>/runtime.json); reset to ``{}`` after the test.
* ``tb_client`` (function): ``tb_client("src", "alice")`` gives a logged-in ``testbed.tbclient.TBClient``.
* ``fault_proxy`` (function): ``fault_proxy("src")`` starts a ``testbed.faultproxy.FaultProxy`` in front
  of that wiki (configure clients with its ``api_url``); every proxy is stopped after the test.

Mark tests that need the wikis with ``pytestmark = pytest.mark.testbed``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from testbed import lifecycle  # noqa: E402
from testbed.faultproxy import FaultProxy  # noqa: E402
from testbed.tbclient import TBClient, load_testbed, login  # noqa: E402

WIKIS = ("src", "other", "commons")


class Testbed(dict[str, Any]):
    """testbed.json as a dict, with a few conveniences (``tb.api("src")``, ``tb.files["svg"]``)."""

    timings: dict[str, float]

    @property
    def base(self) -> Path:
        return Path(self["base"])

    @property
    def wikis(self) -> dict[str, dict[str, Any]]:
        return self["wikis"]

    @property
    def users(self) -> dict[str, dict[str, Any]]:
        return self["users"]

    @property
    def files(self) -> dict[str, str]:
        return self["files"]

    def api(self, wiki: str) -> str:
        return self["wikis"][wiki]["api"]

    def url(self, wiki: str) -> str:
        return self["wikis"][wiki]["url"]

    def anon(self, wiki: str) -> TBClient:
        return TBClient(self.api(wiki))

    def client(self, wiki: str, user: str = "admin") -> TBClient:
        return login(self, wiki, user)


@pytest.fixture(scope="session")
def testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    existing = os.environ.get("WFT_TESTBED")
    if existing:
        tb = Testbed(load_testbed(existing))
        tb.timings = {}
        if not lifecycle.answers(tb):
            pytest.fail(f"WFT_TESTBED={existing}: the wikis do not answer")
        yield tb
        return

    if not lifecycle.packages_ready():
        try:
            lifecycle.install_packages()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"MediaWiki testbed not available (testbed/install.sh failed): {exc}")

    base = tmp_path_factory.mktemp("mwtestbed")
    try:
        timings = lifecycle.start(base)
        tb = Testbed(load_testbed(base))
        tb.timings = timings
        yield tb
    finally:
        lifecycle.stop(base)


class RuntimeSwitch:
    """Writes BASE/<wiki>/runtime.json (under the same lock router.php uses)."""

    def __init__(self, tb: Testbed) -> None:
        self.tb = tb
        self.touched: set[str] = set()

    def _write(self, wiki: str, update: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        folder = Path(self.tb.wikis[wiki]["dir"])
        with open(folder / "runtime.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = folder / "runtime.json"
            try:
                current = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                current = {}
            new = update(current)
            tmp = folder / f"runtime.json.tmp{os.getpid()}"
            tmp.write_text(json.dumps(new) if new else "{}", encoding="utf-8")
            tmp.replace(path)
        self.touched.add(wiki)
        return new

    def set(self, wiki: str, **settings: Any) -> dict[str, Any]:
        """Merge ``settings`` (``wg*`` globals, ``tbFakeLag``, ``tbHttpError``) into the wiki's switches."""
        # the nonce gives every write its own rate-limit counters (see TestbedSettings.php)
        return self._write(wiki, lambda current: {**current, **settings, "_nonce": uuid.uuid4().hex})

    __call__ = set

    def get(self, wiki: str) -> dict[str, Any]:
        path = Path(self.tb.wikis[wiki]["dir"]) / "runtime.json"
        with contextlib.suppress(OSError, ValueError):
            return json.loads(path.read_text(encoding="utf-8") or "{}")
        return {}

    def reset(self, wiki: str | None = None) -> None:
        for name in [wiki] if wiki else sorted(self.touched):
            self._write(name, lambda _current: {})


@pytest.fixture
def runtime_switch(testbed: Testbed) -> Iterator[RuntimeSwitch]:
    switch = RuntimeSwitch(testbed)
    try:
        yield switch
    finally:
        for wiki in WIKIS:
            switch._write(wiki, lambda _current: {})


@pytest.fixture
def tb_client(testbed: Testbed) -> Callable[..., TBClient]:
    def factory(wiki: str = "src", user: str = "admin") -> TBClient:
        return login(testbed, wiki, user)

    return factory


@pytest.fixture
def fault_proxy(testbed: Testbed) -> Iterator[Callable[..., FaultProxy]]:
    proxies: list[FaultProxy] = []

    def factory(wiki: str = "src", **options: Any) -> FaultProxy:
        proxy = FaultProxy(testbed.url(wiki), **options).start()
        proxies.append(proxy)
        return proxy

    try:
        yield factory
    finally:
        for proxy in proxies:
            proxy.stop()
