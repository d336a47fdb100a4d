"""The edits after a transfer and the rules from a wiki page, against the real testbed wikis.

* the source gets its NowCommons mark after a transfer to its shared repository (``commons`` is the
  shared repository of ``src`` and ``other``), once: a re-run adds no second tag;
* ``--use-in``: a dry run previews the article edit as a diff based on a revision, the real run saves
  exactly that (``--base-revid``), a re-run leaves the article alone, and an article changed after the
  preview stops the transfer before any byte is uploaded;
* ``--rules-page``: rules read from a wiki page apply, and are parsed once per revision.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_transfer import sha1s_on, src_url, unique

from wikifile_transfer.cli.factory import make_service
from wikifile_transfer.cli.main import main
from wikifile_transfer.config import load_config
from wikifile_transfer.transfer.model import FollowUpStatus, Status
from wikifile_transfer.transfer.service import TransferOptions
from wikifile_transfer.wikitext.rules import rulepage

pytestmark = pytest.mark.testbed


def page_text(testbed: Any, wiki: str, title: str) -> str:
    text: str = testbed.anon(wiki).page(title)["revisions"][0]["slots"]["main"]["content"]
    return text


def revisions(testbed: Any, wiki: str, title: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = testbed.anon(wiki).page(title)["revisions"]
    return found


def cli(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["--config", str(config), "transfer", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def follow_up(answer: dict[str, Any], follow_up_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in answer["follow_ups"] if f["id"] == follow_up_id)
    return found


# --- marking the source ------------------------------------------------------------------------------


def test_the_source_gets_its_now_commons_mark_once(testbed, write_config, capsys, one_file):
    config = write_config("admin")
    source, title = one_file(), unique("Marked.png")
    code, answer = cli(capsys, config, src_url(testbed, source), "--to", "commons", "--title", title)
    assert code == 0, answer["error"]
    assert answer["status"] == "done"
    assert answer["steps"][-1] == "mark-source"
    mark = follow_up(answer, "mark-source")
    assert mark["status"] == "done"
    assert f"{{{{NowCommons|File:{title}}}}}" in mark["message"]
    text = page_text(testbed, "src", source)
    assert text.startswith(f"{{{{NowCommons|File:{title}}}}}\n")  # pointing at the new file
    assert "{{Information|description=A test file}}" in text  # the rest of the page is untouched
    edits = len(revisions(testbed, "src", source))

    code, again = cli(capsys, config, src_url(testbed, source), "--to", "commons", "--title", title)
    assert code == 0
    assert again["status"] == "already_done"
    assert again["steps"] == []
    assert follow_up(again, "mark-source")["status"] == "already_done"
    assert page_text(testbed, "src", source).count("{{NowCommons") == 1  # no second tag
    assert len(revisions(testbed, "src", source)) == edits


def test_a_resumed_transfer_still_marks_the_source(testbed, write_config, one_file):
    # the file went over before (by hand, or by a run with --no-mark-source): the next run only marks
    config = write_config("admin")
    source, title = one_file(), unique("Later.png")
    service = make_service(load_config(config))
    first = service.transfer(
        src_url(testbed, source), "commons", options=TransferOptions(title, mark_source=False)
    )
    assert first.status is Status.DONE, first.error
    assert first.result is not None and first.result.follow_ups[0].key == "wft-followup-mark-off"
    assert "NowCommons" not in page_text(testbed, "src", source)
    second = service.transfer(src_url(testbed, source), "commons", title=title)
    assert second.status is Status.DONE, second.error
    assert second.result is not None
    assert second.result.steps == ["mark-source"] and second.result.uploaded == []
    assert page_text(testbed, "src", source).startswith(f"{{{{NowCommons|File:{title}}}}}")


def test_no_mark_when_the_target_is_not_the_shared_repository(testbed, write_config, capsys, one_file):
    config = write_config("admin")
    source = one_file(text="{{Information|description=A test file}}\n{{Cc-by-sa-4.0}}")
    title = unique("Nicht markiert.png")
    code, answer = cli(capsys, config, src_url(testbed, source), "--to", "other", "--title", title)
    assert code == 0, answer["error"]
    mark = follow_up(answer, "mark-source")
    assert mark["status"] == "skipped"
    assert "other is not a shared file repository of src" in mark["message"]
    assert "NowCommons" not in page_text(testbed, "src", source)


def test_a_dry_run_plans_the_mark_and_edits_nothing(testbed, write_config, capsys, one_file):
    config = write_config("admin")
    source = one_file()
    before = len(revisions(testbed, "src", source))
    code = main(
        ["--config", str(config), "transfer", src_url(testbed, source), "--to", "commons", "--dry-run"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "→ After the upload, the source page" in out and "{{NowCommons|File:" in out
    assert len(revisions(testbed, "src", source)) == before


# --- the article edit --------------------------------------------------------------------------------


@pytest.fixture
def article(testbed: Any) -> Callable[..., str]:
    """A new article of its own on a target wiki (so tests never edit the same page)."""

    def make(wiki: str = "other", text: str = "{{Infobox}}\n'''Sonnenuntergang''' ist…\n") -> str:
        title = f"WFT Artikel {uuid.uuid4().hex[:8]}"
        testbed.client(wiki, "admin").edit(title, text, "Testartikel")
        return title

    return make


def test_use_in_previews_then_saves_exactly_that_edit_and_not_twice(
    testbed, write_config, capsys, one_file, article
):
    config = write_config("admin")
    source, title, target_article = one_file(text="{{Cc-by-sa-4.0}}"), unique("Berg.png"), article()
    base = revisions(testbed, "other", target_article)[0]["revid"]
    args = [src_url(testbed, source), "--to", "other", "--title", title, "--use-in", target_article]
    code, preview = cli(capsys, config, *args, "--caption", "Ein Berg", "--dry-run")
    assert code == 0, preview["error"]
    planned = follow_up(preview, "use-in-article")
    assert planned["status"] == "planned" and planned["base_revid"] == base
    assert f"+[[Datei:{title}|thumb|Ein Berg]]" in planned["diff"]
    assert len(revisions(testbed, "other", target_article)) == 1  # a dry run edits nothing

    code, answer = cli(capsys, config, *args, "--caption", "Ein Berg", "--base-revid", str(base))
    assert code == 0, answer["error"]
    assert answer["steps"][-1] == "use-in-article"
    assert follow_up(answer, "use-in-article")["status"] == "done"
    text = page_text(testbed, "other", target_article)
    assert text == f"{{{{Infobox}}}}\n[[Datei:{title}|thumb|Ein Berg]]\n'''Sonnenuntergang''' ist…"
    assert sha1s_on(testbed, "other", f"File:{title}") == sha1s_on(testbed, "src", source)

    code, again = cli(capsys, config, *args)
    assert code == 0 and again["status"] == "already_done"
    assert follow_up(again, "use-in-article")["status"] == "already_done"
    assert len(revisions(testbed, "other", target_article)) == 2


def test_an_article_changed_after_the_preview_stops_the_transfer_before_any_byte(
    testbed, write_config, capsys, one_file, article
):
    config = write_config("admin")
    source, title, target_article = one_file(text="{{Cc-by-sa-4.0}}"), unique("Konflikt.png"), article()
    args = [src_url(testbed, source), "--to", "other", "--title", title, "--use-in", target_article]
    code, preview = cli(capsys, config, *args, "--dry-run")
    base = follow_up(preview, "use-in-article")["base_revid"]
    testbed.client("other", "bob").edit(target_article, "Jemand anderes hat den Artikel geändert.", "Bob")

    code, answer = cli(capsys, config, *args, "--base-revid", str(base))
    assert code == 2
    assert answer["status"] == "failed"
    assert answer["error"]["key"] == "wft-error-edit-conflict"
    assert target_article in answer["error"]["message"]
    assert testbed.anon("other").page(f"File:{title}").get("missing") is True  # nothing uploaded
    assert page_text(testbed, "other", target_article) == "Jemand anderes hat den Artikel geändert."


def test_a_missing_article_is_an_error_before_any_byte(testbed, write_config, capsys, one_file):
    config = write_config("admin")
    source, title = one_file(text="{{Cc-by-sa-4.0}}"), unique("Fehlt.png")
    args = [src_url(testbed, source), "--to", "other", "--title", title, "--use-in", "No such article here"]
    code, answer = cli(capsys, config, *args)
    assert code == 2
    assert answer["error"]["key"] == "wft-error-missing-page"
    assert testbed.anon("other").page(f"File:{title}").get("missing") is True


# --- rules from a wiki page ----------------------------------------------------------------------------

RULE_PAGE = (
    "== Categories ==\n=== Bad ===\n== Templates ==\n=== Good ===\n=== Bad ===\n* Keep local\n"
    "=== Remove ===\n* {remove}\n=== Transfer ===\n"
    "== Information ==\n=== Description ===\n=== Licensing ===\n"
)


@pytest.fixture
def fresh_rule_memory() -> Iterator[None]:
    rulepage.clear_memory()
    yield
    rulepage.clear_memory()


def test_rules_from_a_wiki_page_apply_and_are_parsed_once_per_revision(
    testbed, write_config, tmp_path, capsys, fresh_rule_memory, monkeypatch
):
    page = f"Extension:FileImporter/Data/WFT test {uuid.uuid4().hex[:8]}"
    editor = testbed.client("commons", "admin")
    editor.edit(page, RULE_PAGE.replace("{remove}", "Orphan image"), "Rules for the tests")
    config = write_config("admin", cache_dir=str(tmp_path / "cache"))
    source = tmp_path / "page.wikitext"
    source.write_text("{{Orphan image}}\n{{Obsolete tag}}\nA sunset.\n{{Keep local}}\n", encoding="utf-8")
    parses: list[str] = []
    real_parse = rulepage.parse_rules_text

    def counting_parse(text: str, origin: str, revision: int | None = None) -> Any:
        parses.append(origin)
        return real_parse(text, origin, revision)

    monkeypatch.setattr(rulepage, "parse_rules_text", counting_parse)

    def convert() -> dict[str, Any]:
        args = ["--config", str(config), "convert", "--from", "src", "--to", "commons"]
        code = main([*args, "--rules-page", f"commons:{page}", "--json", str(source)])
        answer: dict[str, Any] = json.loads(capsys.readouterr().out)
        assert code == 1  # {{Keep local}} is Bad on the page: blocked
        return answer

    answer = convert()
    assert "{{Orphan image}}" not in answer["text"] and "{{Obsolete tag}}" in answer["text"]
    assert [b["key"] for b in answer["blocks"]] == ["wft-block-bad-template"]
    revision = revisions(testbed, "commons", page)[0]["revid"]
    assert parses == [f"commons:{page} (revision {revision})"]
    convert()  # the same process: nothing parsed again
    rulepage.clear_memory()
    convert()  # a later run: the unchanged revision comes from the disk cache
    assert len(parses) == 1

    editor.edit(page, RULE_PAGE.replace("{remove}", "Obsolete tag"), "Another rule")
    answer = convert()  # a new revision: fetched and parsed
    assert len(parses) == 2
    assert "{{Orphan image}}" in answer["text"] and "{{Obsolete tag}}" not in answer["text"]


def test_transfer_uses_the_rule_page_and_a_missing_page_is_an_error(
    testbed, write_config, tmp_path, one_file, fresh_rule_memory
):
    page = f"Extension:FileImporter/Data/WFT test {uuid.uuid4().hex[:8]}"
    testbed.client("commons", "admin").edit(page, RULE_PAGE.replace("{remove}", "Obsolete tag"), "Rules")
    config = write_config("admin", cache_dir=str(tmp_path / "cache"))
    source = one_file(text="{{Obsolete tag}}\n{{Information|description=Kept}}\n{{Cc-by-sa-4.0}}")
    service = make_service(load_config(config))
    options = TransferOptions(dry_run=True, rules_page=f"commons:{page}")
    outcome = service.transfer(src_url(testbed, source), "commons", options=options)
    assert outcome.status is Status.PLANNED, outcome.error
    assert outcome.plan is not None
    assert "Obsolete tag" not in outcome.plan.page_text and "description=Kept" in outcome.plan.page_text
    assert outcome.plan.follow_ups[0].status is FollowUpStatus.PLANNED

    missing = TransferOptions(dry_run=True, rules_page="commons:Extension:FileImporter/Data/Nowhere")
    outcome = service.transfer(src_url(testbed, source), "commons", options=missing)
    assert outcome.status is Status.FAILED
    assert outcome.error is not None and outcome.error.key == "wft-error-rules-page-missing"
