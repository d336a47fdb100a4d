"""Helpers shared by the web API tests (a module of its own: ``from conftest import …`` would pick up
whichever conftest module pytest imported first under that name)."""

from __future__ import annotations

from typing import Any

from wikifile_transfer.transfer.model import (
    FileVersion,
    FollowUp,
    FollowUpStatus,
    SourceFile,
    SourceRef,
    TransferPlan,
)
from wikifile_transfer.transfer.serialize import plan_to_data


class RecordingPreparer:
    """Keeps the batch ids it is asked to prepare; tests prepare them when they want to."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def prepare(self, batch_id: int) -> None:
        self.asked.append(batch_id)


def sample_plan(title: str = "File:A.png", text: str = "{{Information|description=A}}") -> dict[str, Any]:
    """A small stored plan (what record_plan writes), for rows made without a wiki."""
    version = FileVersion(
        "2024-01-02T03:04:05Z", "Alice", "Own work", "a" * 40, 1234, 10, 20, "image/png", "x"
    )
    source = SourceFile(
        ref=SourceRef("src", title),
        wiki_name="src",
        title=title,
        page_url="http://src.example/wiki/" + title.replace(" ", "_"),
        versions=[version],
        revisions=[],
        text=text,
    )
    plan = TransferPlan(
        source=source, target_wiki="commons", target_title=title, page_text=text + "\n", summary="s"
    )
    plan.follow_ups = [FollowUp("mark-source", FollowUpStatus.SKIPPED, "wft-followup-mark-off")]
    return plan_to_data(plan)
