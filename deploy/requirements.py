"""Write requirements.txt (what Toolforge's Python buildpack installs) from requirements.lock.

Why a second file: requirements.lock pins the development environment too (pytest, mypy, schemathesis…);
the build service needs only what the service runs with. The runtime set is the closure of the project's
own dependencies (pyproject.toml), read from the installed packages' metadata; every version comes from
the lock, so production runs exactly what the tests ran. The last line installs the project itself
(without resolving anything again). tests/unit/test_deploy_files.py fails when the file is stale:
``make requirements.txt`` rewrites it.

    python deploy/requirements.py [OUT]
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
HEADER = "# Generated from requirements.lock by deploy/requirements.py (make requirements.txt)\n"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(text) for text in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        name = canonical(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(requirement.name) or []:
            dependency = Requirement(text)
            wanted_extras = requirement.extras or {""}
            if dependency.marker is not None and not any(
                dependency.marker.evaluate({"extra": extra}) for extra in wanted_extras
            ):
                continue
            todo.append(dependency)
    return seen


def render() -> str:
    keep = runtime_closure()
    lines = []
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        name = line.split("==", 1)[0].strip()
        if name and not name.startswith("#") and canonical(name) in keep:
            lines.append(line.strip())
    return HEADER + "\n".join(sorted(lines, key=str.lower)) + "\n.\n"


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "requirements.txt"
    out.write_text(render(), encoding="utf-8")
