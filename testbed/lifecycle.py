"""Bringing the testbed up and down from Python: shared by the pytest fixtures (tests/conftest.py) and the
browser tests' stack (testbed/e2e_stack.py).

* :func:`answers`: whether every wiki of a parsed testbed.json answers ``meta=siteinfo``;
* :func:`packages_ready` / :func:`install_packages`: MediaWiki and PHP installed (testbed/install.sh);
* :func:`start` (up.sh + seed.py into BASE, with timings) and :func:`stop` (down.sh BASE --purge).

Every subprocess runs without the proxy environment variables (loopback traffic only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from testbed.tbclient import new_session

SCRIPTS = Path(__file__).resolve().parent


def answers(tb: dict[str, Any]) -> bool:
    session = new_session()
    try:
        for wiki in tb["wikis"].values():
            resp = session.get(
                wiki["api"], params={"action": "query", "meta": "siteinfo", "format": "json"}, timeout=10
            )
            if resp.status_code != 200 or "query" not in resp.json():
                return False
    except (OSError, ValueError):
        return False
    return True


def run(cmd: list[str], timeout: float) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def packages_ready() -> bool:
    return Path("/usr/share/mediawiki/maintenance/install.php").is_file() and shutil.which("php") is not None


def install_packages(timeout: float = 900) -> None:
    run(["bash", str(SCRIPTS / "install.sh")], timeout=timeout)


def start(base: Path) -> dict[str, float]:
    """Start fresh wikis in ``base`` (up.sh) and seed them (seed.py); returns the seconds each took."""
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    run(["bash", str(SCRIPTS / "up.sh"), str(base)], timeout=120)
    timings["up"] = time.monotonic() - t0
    t0 = time.monotonic()
    run([sys.executable, str(SCRIPTS / "seed.py"), str(base)], timeout=180)
    timings["seed"] = time.monotonic() - t0
    return timings


def stop(base: Path) -> None:
    """Stop the wikis of ``base`` and delete their data (down.sh --purge); never raises."""
    subprocess.run(
        ["bash", str(SCRIPTS / "down.sh"), str(base), "--purge"],
        capture_output=True,
        timeout=60,
        check=False,
    )
