"""The transfer command's text and JSON output for follow-up edits, and its early errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from wikifile_transfer.cli.main import main, outcome_json, print_text
from wikifile_transfer.errors import MissingFileError
from wikifile_transfer.transfer.model import (
    FileVersion,
    FollowUp,
    FollowUpStatus,
    SourceFile,
    SourceRef,
    Status,
    TransferPlan,
    TransferResult,
)
from wikifile_transfer.transfer.service import TransferOutcome

VERSION = FileVersion("2020-01-01T00:00:00Z", "Alice", "", "a" * 40, 1, 1, 1, "image/png", "u")
MARK = FollowUp(
    "mark-source",
    FollowUpStatus.PLANNED,
    "wft-followup-mark-planned",
    ("File:X.png", "NowCommons", "File:Y.png"),
)
ARTICLE = FollowUp(
    "use-in-article",
    FollowUpStatus.PLANNED,
    "wft-followup-article-planned",
    ("Sunset", "42"),
    diff="--- Sunset (revision 42)\n+++ Sunset (new)\n+[[File:Y.png|thumb]]",
    revision=42,
)


def planned() -> TransferOutcome:
    source = SourceFile(
        SourceRef("src", "File:X.png"), "src", "File:X.png", "https://x/File:X.png", [VERSION], [], "t"
    )
    plan = TransferPlan(source, "commons", "File:Y.png", "page text", "summary", follow_ups=[MARK, ARTICLE])
    return TransferOutcome(
        Status.PLANNED, "src:File:X.png", "commons", source, plan, target_url="https://y/File:Y.png"
    )


def test_a_dry_run_prints_the_planned_edits_and_the_article_diff() -> None:
    out = io.StringIO()
    print_text(planned(), "en", out, dry_run=True)
    text = out.getvalue()
    assert (
        "→ After the upload, the source page File:X.png will be marked with {{NowCommons|File:Y.png}}."
        in text
    )
    assert "→ After the upload, the file will be added to the article Sunset (based on revision 42)." in text
    assert "+[[File:Y.png|thumb]]" in text
    assert "run the transfer again with --base-revid 42" in text
    assert text.rstrip().endswith("The transfer would go to https://y/File:Y.png.")


def test_json_lists_steps_and_follow_ups_of_the_result_or_else_of_the_plan() -> None:
    outcome = planned()
    answer = outcome_json(outcome, "de")
    assert answer["steps"] == []
    assert answer["follow_ups"] == [
        {
            "id": "mark-source",
            "status": "planned",
            "message": "Nach dem Hochladen wird die Quellseite File:X.png mit {{NowCommons|File:Y.png}} markiert.",
        },
        {
            "id": "use-in-article",
            "status": "planned",
            "message": "Nach dem Hochladen wird die Datei in den Artikel Sunset eingefügt (auf Grundlage von Version 42).",
            "diff": ARTICLE.diff,
            "base_revid": 42,
        },
    ]
    done = FollowUp("mark-source", FollowUpStatus.DONE, "wft-followup-mark-done", MARK.params)
    outcome.result = TransferResult(
        Status.DONE, "File:Y.png", steps=["page-text", "mark-source"], follow_ups=[done]
    )
    answer = outcome_json(outcome, "en")
    assert answer["steps"] == ["page-text", "mark-source"]
    assert [f["status"] for f in answer["follow_ups"]] == ["done"]
    assert outcome_json(TransferOutcome(Status.FAILED, "x", "y"), "en")["follow_ups"] == []


def test_an_error_in_text_mode_prints_no_planned_edits() -> None:
    outcome = planned()
    outcome.status, outcome.error = Status.FAILED, MissingFileError("File:X.png", "src")
    out = io.StringIO()
    print_text(outcome, "en", out, dry_run=False)
    assert "→" not in out.getvalue()
    assert out.getvalue().startswith("Error: ")


def test_a_broken_configuration_and_an_unknown_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("contact = [", encoding="utf-8")
    assert main(["--config", str(broken), "transfer", "x", "--to", "y"]) == 2
    assert "Error:" in capsys.readouterr().err
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    assert (
        main(["--config", str(empty), "--lang", "xx-nowhere", "transfer", "--to", "y", "x", "--caption", "c"])
        == 2
    )
    err = capsys.readouterr().err
    assert 'No messages in language "xx-nowhere"; using English.' in err
    assert "--caption needs --use-in ARTICLE." in err
