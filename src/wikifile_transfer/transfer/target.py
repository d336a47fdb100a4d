"""What the target wiki holds under a title right now.

Every executor step starts by asking this, so a step whose effect is already there is skipped: that is
what makes a second run change nothing and a half-finished run complete instead of uploading twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wikifile_transfer.wiki.site import Wiki


@dataclass(frozen=True)
class TargetState:
    title: str
    invalid_reason: str | None = None
    page_exists: bool = False
    repository: str = ""  # "local", "shared" (served by the target's shared repository) or "" (no file)
    sha1s: list[str] = field(default_factory=list)  # versions under the title, oldest first
    text: str | None = None
    protections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_local_file(self) -> bool:
        return self.repository == "local" and bool(self.sha1s)


TARGET_PARAMS: dict[str, object] = {
    "action": "query",
    "prop": "imageinfo|info|revisions",
    "iiprop": "sha1|timestamp",
    "iilimit": "max",
    "inprop": "protection",
    "rvprop": "content|ids",
    "rvslots": "main",
}
"""Every version's sha1, protections and the latest text: what a step needs to know it is done."""


def fetch_target_state(wiki: Wiki, title: str) -> TargetState:
    page = next(iter(wiki.api.query_pages([title], TARGET_PARAMS)), {})
    return target_state_from_page(title, page)


def target_state_from_page(title: str, page: dict[str, Any]) -> TargetState:
    """The TargetState of the asked ``title`` from its ``TARGET_PARAMS`` page (shared by
    :func:`fetch_target_state` and the batched ``transfer.batchcheck``, so both agree exactly)."""
    if page.get("invalid"):
        return TargetState(title=title, invalid_reason=str(page.get("invalidreason", "")))
    infos = sorted(page.get("imageinfo", []), key=lambda i: str(i.get("timestamp", "")))
    text = None
    for rev in page.get("revisions", []):
        text = rev.get("slots", {}).get("main", {}).get("content")
    return TargetState(
        title=str(page.get("title", title)),
        page_exists=not page.get("missing", False),
        repository=str(page.get("imagerepository") or ""),
        sha1s=[str(i.get("sha1", "")).lower() for i in infos],
        text=text,
        protections=list(page.get("protection", [])),
    )
