"""Build hook: a wheel built after the web app (``frontend/dist``) carries it as ``_frontend``.

Toolforge's build service (and any ``pip install .``) installs the package into site-packages, where the
repository's ``frontend/dist`` is out of sight; ``web/frontend.py`` looks for the package's copy next.
When the web app is not built the wheel is built without it (the API alone still works), rather than
failing: a CLI-only install needs no Node.js."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def built_frontend(root: str) -> Path | None:
    dist = Path(root) / "frontend" / "dist"
    return dist if (dist / "index.html").is_file() else None


class FrontendHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        dist = built_frontend(self.root)
        if self.target_name == "wheel" and version != "editable" and dist is not None:
            build_data["force_include"][str(dist)] = "wikifile_transfer/_frontend"
