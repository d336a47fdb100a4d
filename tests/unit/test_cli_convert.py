"""`wikifile-transfer convert --offline`: the description rewrite without any network request."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from wikifile_transfer.cli.main import main

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@pytest.fixture
def no_config(tmp_path, monkeypatch):
    monkeypatch.setenv("WIKIFILE_TRANSFER_CONFIG", str(tmp_path / "none.toml"))


def test_offline_json_of_a_free_page(no_config, capsys):
    page = PAGES / "enwiki_oakland_temple_pd_self.wikitext"
    code = main(["convert", "--offline", "--json", "--from", "en.wikipedia", "--to", "commons", str(page)])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    assert answer["status"] in ("ok", "warn")
    assert answer["blocks"] == []
    assert set(answer) >= {"text", "status", "changes", "warnings", "blocks", "categories"}
    assert set(answer["categories"]) == {"kept", "localised", "commented"}


def test_offline_non_free_page_is_blocked_with_exit_1(no_config, capsys):
    page = PAGES / "enwiki_queensland_nonfree_logo.wikitext"
    code = main(["convert", "--offline", "--from", "en.wikipedia", "--to", "commons", str(page)])
    captured = capsys.readouterr()
    assert code == 1
    assert "✖" in captured.err
    assert captured.out.strip()  # the converted text is still shown


def test_standard_input_and_a_missing_file(no_config, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("== Summary ==\nA test.\n"))
    code = main(["convert", "--offline", "--from", "en.wikipedia", "--to", "commons", "-"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "{{int:filedesc}}" in out
    code = main(["convert", "--offline", "--from", "en.wikipedia", "--to", "commons", "/nonexistent/x.txt"])
    assert code == 2
    assert "Cannot read /nonexistent/x.txt" in capsys.readouterr().err


def test_a_rules_file_is_layered_on_top(no_config, tmp_path, capsys):
    rules = tmp_path / "rules.wiki"
    rules.write_text(
        "== Categories ==\n=== Bad ===\n== Templates ==\n=== Good ===\n=== Bad ===\n* Forbidden here\n"
        "=== Remove ===\n=== Transfer ===\n== Information ==\n=== Description ===\n=== Licensing ===\n",
        encoding="utf-8",
    )
    page = tmp_path / "p.wikitext"
    page.write_text("{{Forbidden here}}\nText\n", encoding="utf-8")
    code = main(
        ["convert", "--offline", "--json", "--rules", str(rules), "--from", "xx", "--to", "yy", str(page)]
    )
    answer = json.loads(capsys.readouterr().out)
    assert code == 1
    assert answer["status"] == "blocked"
    assert any("Forbidden here" in " ".join(b["params"]) for b in answer["blocks"])


def test_an_unusable_rule_is_reported_in_the_users_language_with_its_reason_as_data(
    no_config, tmp_path, capsys
):
    rules = tmp_path / "ftcg.wiki"
    rules.write_text("[Replacement]\nLookFor=(?<=a)b\nReplaceWith=c\n", encoding="utf-8")
    page = tmp_path / "p.wikitext"
    page.write_text("ab\n", encoding="utf-8")
    args = ["convert", "--offline", "--json", "--from", "xx", "--to", "yy", "--rules", str(rules), str(page)]
    code = main(["--lang", "de", *args])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    (warning,) = [w for w in answer["warnings"] if w["key"] == "wft-warn-rule-unusable"]
    assert warning["params"] == [
        "ftcg.wiki:[Replacement] #1 (line 1)",
        {
            "key": "wft-rule-error-unsupported-regex",
            "params": [{"key": "wft-regex-construct-lookbehind", "params": ["(?<=…)"]}, "1"],
        },
    ]
    assert warning["message"] == (
        "Eine Regel konnte nicht verwendet werden (ftcg.wiki:[Replacement] #1 (line 1)): Der reguläre "
        "Ausdruck verwendet eine Lookbehind-Bedingung (?<=…) (bei Zeichen 1), was die sichere Regex-Engine "
        "(RE2) nicht ausführen kann."
    )


def test_a_rule_page_needs_the_network(no_config, tmp_path, capsys):
    page = tmp_path / "p.wikitext"
    page.write_text("x\n", encoding="utf-8")
    args = ["convert", "--offline", "--from", "en.wikipedia", "--to", "commons"]
    code = main([*args, "--rules-page", "commons:Extension:FileImporter/Data/en.wikipedia", str(page)])
    assert code == 2
    assert "cannot be used with --offline" in capsys.readouterr().err


def test_a_page_over_the_size_cap_is_an_error_not_a_stack_trace(no_config, tmp_path, capsys):
    page = tmp_path / "huge.wikitext"
    page.write_text("x" * (4 * 1024 * 1024 + 1), encoding="utf-8")
    code = main(["convert", "--offline", "--from", "en.wikipedia", "--to", "commons", str(page)])
    assert code == 2
    assert "The text is too long to apply rules to" in capsys.readouterr().err


@pytest.mark.parametrize("flag", [["--caption", "x"], ["--base-revid", "3"]])
def test_article_options_need_use_in(no_config, capsys, flag):
    code = main(["transfer", "commons:File:X.png", "--to", "de.wikipedia", *flag])
    assert code == 2
    assert f"{flag[0]} needs --use-in ARTICLE." in capsys.readouterr().err


def test_a_toml_rules_file_is_layered_on_the_bundled_rules(no_config, tmp_path, capsys):
    # its Remove list adds to the bundled one ({{Orphan image}} is still removed), and its
    # target_accepts_non_free lifts the non-free gate; the bundled Bad list for Commons still blocks
    rules = tmp_path / "mine.toml"
    rules.write_text(
        'format = 1\n[[pair]]\nsource = "en.wikipedia"\ntarget = "commons"\ntarget_accepts_non_free = true\n'
        'remove_templates = ["My tag"]\n',
        encoding="utf-8",
    )
    page = tmp_path / "p.wikitext"
    page.write_text("{{My tag}}\n{{Orphan image}}\n{{Non-free logo}}\n{{GFDL}}\n", encoding="utf-8")
    args = ["convert", "--offline", "--json", "--from", "en.wikipedia", "--to", "commons", str(page)]
    code = main([*args[:-1], "--rules", str(rules), str(page)])
    answer = json.loads(capsys.readouterr().out)
    assert "{{My tag}}" not in answer["text"] and "{{Orphan image}}" not in answer["text"]
    assert "wft-block-non-free" not in [b["key"] for b in answer["blocks"]]
    assert code == 1  # {{Non-free logo}} is still a Bad template for Commons
