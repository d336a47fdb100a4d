"""Plans and check reports survive the JSON column exactly (the dry run's plan is what a retry runs)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from wikifile_transfer.i18n import Message
from wikifile_transfer.transfer.model import (
    ArticleUse,
    CheckReport,
    CheckResult,
    FileVersion,
    FollowUp,
    FollowUpStatus,
    MarkSource,
    Outcome,
    PageRevision,
    SourceFile,
    SourceRef,
    TransferPlan,
)
from wikifile_transfer.transfer.serialize import (
    PLAN_FORMAT,
    plan_from_data,
    plan_to_data,
    report_from_data,
    report_to_data,
)
from wikifile_transfer.wikitext.steps.base import Note, StepReport


def version(n: int, user: str = "Alice") -> FileVersion:
    return FileVersion(
        timestamp=f"2026-11-2{n}T10:00:00Z",
        user=user,
        comment=f"v{n} — ünïcode",
        sha1=f"{n:040x}",
        size=1000 * n,
        width=320,
        height=200,
        mime="image/png",
        url=f"http://127.0.0.1:8081/images/{n}.png",
    )


def sample_plan() -> TransferPlan:
    source = SourceFile(
        ref=SourceRef("src", "File:Sunset.png"),
        wiki_name="src",
        title="File:Sunset.png",
        page_url="http://127.0.0.1:8081/wiki/File:Sunset.png",
        versions=[version(1), version(2, "Bob")],
        revisions=[
            PageRevision(1, "2026-11-21T10:00:00Z", "Alice", "first"),
            PageRevision(2, "x", "Bob", ""),
        ],
        text="== Summary ==\n{{Information|description=Sunset}}\n[[Category:Sunsets]]",
        categories=["Category:Sunsets"],
        templates=["Template:Information"],
        repository="local",
        lang="de",
        metadata={"DateTimeOriginal": "2026:11:21 10:00:00"},
    )
    report = StepReport(
        changes=[Note("wft-change-heading", ("Summary",))],
        warnings=[Note("wft-warn-x", ("p", Message("wft-nested", ("q",))))],
        removed=["{{Copy to Commons}}"],
        categories_localised={"Category:Sunsets": "Kategorie:Sonnenuntergänge"},
        self_licensed=True,
    )
    return TransferPlan(
        source=source,
        target_wiki="commons",
        target_title="File:Sunset.png",
        page_text="=={{int:filedesc}}==",
        summary="Transferred from src",
        import_history=True,
        import_prefix="en",
        changes=["wft-change-heading"],
        description=report,
        now_commons_template="NowCommons",
        mark_source=MarkSource("NowCommons", "File:Sunset.png"),
        use_in=ArticleUse("Sunset", caption="A sunset", base_revid=12),
        follow_ups=[FollowUp("mark-source", FollowUpStatus.PLANNED, "wft-x", ("File:Sunset.png",))],
    )


def test_a_plan_survives_json_exactly() -> None:
    plan = sample_plan()
    data = json.loads(json.dumps(plan_to_data(plan)))
    assert data["format"] == PLAN_FORMAT
    again = plan_from_data(data)
    assert again == plan
    assert isinstance(again.source.versions[0], FileVersion)
    assert again.description.changes[0].params == ("Summary",)  # tuples stay tuples
    assert again.description.warnings[0].params[1] == Message("wft-nested", ("q",))
    assert again.follow_ups[0].status is FollowUpStatus.PLANNED


def test_missing_fields_take_their_defaults_and_unknown_keys_are_ignored() -> None:
    data = plan_to_data(sample_plan())
    del data["now_commons_template"]
    del data["description"]
    data["a_field_from_a_newer_version"] = 1
    again = plan_from_data(data)
    assert again.now_commons_template is None
    assert again.description == StepReport()


def test_check_reports_round_trip() -> None:
    report = CheckReport(
        results=[
            CheckResult("duplicates", Outcome.WARN, "wft-check-duplicate", ("File:A.png",)),
            CheckResult("licence", Outcome.BLOCK, "wft-check-licence"),
            CheckResult("rules", Outcome.WARN, "wft-x", ("a", Message("wft-y", ("1", Message("wft-z"))))),
        ]
    )
    data = json.loads(json.dumps(report_to_data(report)))
    assert data[0] == {
        "id": "duplicates",
        "outcome": "warn",
        "key": "wft-check-duplicate",
        "params": ["File:A.png"],
    }
    assert data[2]["params"][1] == {"key": "wft-y", "params": ["1", {"key": "wft-z", "params": []}]}
    assert report_from_data(data) == report


@given(
    st.text(),
    st.lists(st.text(max_size=5), max_size=4),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5)),
)
def test_any_text_and_metadata_round_trip(text: str, categories: list[str], metadata: dict[str, str]) -> None:
    plan = sample_plan()
    plan.page_text = text
    plan.source.categories = categories
    plan.source.metadata = metadata
    assert plan_from_data(json.loads(json.dumps(plan_to_data(plan)))) == plan
