"""Step 1 (headings): FileImporter's heading cases, local names from the rules, FtCG regexes, defaults."""

from __future__ import annotations

import mwparserfromhell
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from steps_fakes import context

from wikifile_transfer.wikitext.rules.model import RuleSet
from wikifile_transfer.wikitext.steps.base import StepReport
from wikifile_transfer.wikitext.steps.headings import _visible, normalize_headings


def _run(rules: RuleSet, text: str) -> tuple[str, StepReport]:
    code = mwparserfromhell.parse(text)
    report = StepReport()
    normalize_headings(code, context(rules), report)
    return str(code), report


FI_RULES = RuleSet(description_headings=("Description",), licensing_headings=("Licensing",))

# FileImporter WikitextContentCleanerTest::provideHeadingReplacements — spacing and level are kept,
# unbalanced headings are not headings of that text
FI_CASES = [
    ("==Description==", "=={{int:filedesc}}=="),
    ("==Licensing==", "=={{int:license-header}}=="),
    ("==Description==\n==Licensing==", "=={{int:filedesc}}==\n=={{int:license-header}}=="),
    ("= Description =", "= {{int:filedesc}} ="),
    ("===Description=== \n Code", "==={{int:filedesc}}=== \n Code"),
    ("==Description=", "==Description="),
    ("=Description==", "=Description=="),
]


@pytest.mark.parametrize(("text", "expected"), FI_CASES)
def test_fileimporter_heading_cases(text: str, expected: str) -> None:
    assert _run(FI_RULES, text)[0] == expected


def test_case_colon_and_visible_text_are_ignored() -> None:
    text = "== licensing: ==\n== [[Commons:Copyright tags|Licensing]] ==\n== DESCRIPTION ==\n== Other ==\n"
    result, report = _run(FI_RULES, text)
    assert result == (
        "== {{int:license-header}} ==\n== {{int:license-header}} ==\n== {{int:filedesc}} ==\n== Other ==\n"
    )
    assert report.changes[0].params == ("licensing:", "{{int:license-header}}")


def test_defaults_without_any_heading_rules() -> None:
    result, _ = _run(RuleSet(), "== Beschreibung ==\n== Lizenz: ==\n== Summary ==")
    assert result == "== {{int:filedesc}} ==\n== {{int:license-header}} ==\n== {{int:filedesc}} =="


def test_explicit_rules_replace_the_defaults() -> None:
    result, _ = _run(RuleSet(description_headings=("Opis",)), "== Opis ==\n== Summary ==")
    assert result == "== {{int:filedesc}} ==\n== Summary =="


def test_heading_regexes_and_unusable_regex_warns_once() -> None:
    rules = RuleSet(
        heading_regexes=(
            ("(?=x)", "filedesc"),
            ("Summary|Description", "filedesc"),
            ("Licensing:?", "license-header"),
        )
    )
    result, report = _run(rules, "== summary ==\n== Licensing: ==\n== Summary and more ==\n== x ==")
    assert result == "== {{int:filedesc}} ==\n== {{int:license-header}} ==\n== Summary and more ==\n== x =="
    assert [n.key for n in report.warnings] == ["wft-warn-rule-unusable"]


def test_standard_headings_are_never_changed_again() -> None:
    rules = RuleSet(heading_regexes=((".*", "license-header"),))
    text = "== {{int:filedesc}} ==\n== {{int:license-header}} =="
    result, report = _run(rules, text)
    assert result == text and report.changes == []


def test_nested_headings_in_templates_are_left_alone() -> None:
    text = "{{Box|\n== Summary ==\n}}"
    assert _run(RuleSet(), text)[0] == text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", " ", "\n", "\n\n\n", ":", "''b''", "[[c|d]]", "{{e}}", "&amp;"]), max_size=8
    )
)
def test_visible_text_is_strip_code(parts: list[str]) -> None:
    title = mwparserfromhell.parse("".join(parts))
    assert _visible(title) == title.strip_code()
