"""Step 5 (licence gate): blocks name what blocks; problems only warn; the original page is judged."""

from __future__ import annotations

import mwparserfromhell
from steps_fakes import context

from wikifile_transfer.wikitext.rules.model import ProblemRule, RuleSet
from wikifile_transfer.wikitext.steps.base import StepReport
from wikifile_transfer.wikitext.steps.licence import gate, survey


def _gate(
    rules: RuleSet, text: str, result: tuple[str, ...] = (), renamed: dict[str, str] | None = None
) -> StepReport:
    ctx = context(rules)
    report = StepReport()
    gate(survey(text, mwparserfromhell.parse(text), ctx), result, renamed or {}, ctx, report)
    return report


def test_bad_template_and_category_block_by_name() -> None:
    rules = RuleSet(
        bad_templates=frozenset({"Template:Now_Commons"}), bad_categories=frozenset({"Non-free images"})
    )
    report = _gate(rules, "{{now commons|x}}\n[[Category:Non-free_images]]\n[[:Category:Non-free images]]")
    assert [(n.key, n.params) for n in report.blocks] == [
        ("wft-block-bad-template", ("now commons",)),
        ("wft-block-bad-category", ("Non-free images",)),
    ]
    assert report.status == "blocked"


def test_non_free_blocked_unless_target_accepts() -> None:
    rules = RuleSet(non_free_templates=frozenset({"Non-free logo"}))
    assert [(n.key, n.params) for n in _gate(rules, "{{Non-free logo}}").blocks] == [
        ("wft-block-non-free", ("Non-free logo",))
    ]
    accepting = RuleSet(non_free_templates=frozenset({"Non-free logo"}), target_accepts_non_free=True)
    assert _gate(accepting, "{{Non-free logo}}").blocks == []


def test_good_templates_under_any_name() -> None:
    rules = RuleSet(good_templates=frozenset({"GFDL", "PD-user"}))
    assert _gate(rules, "{{gfdl}}").blocks == []
    assert _gate(rules, "{{Bild-GFDL}}", renamed={"Bild-GFDL": "GFDL"}).blocks == []
    assert _gate(rules, "{{PD-self}}", result=("PD-user",)).blocks == []
    assert _gate(rules, "{{Information|x={{GFDL}}}}").blocks == []  # nested counts too
    report = _gate(rules, "{{Information}}")
    assert [(n.key, n.params) for n in report.blocks] == [("wft-block-no-licence", ("GFDL, PD-user", "2"))]
    assert _gate(RuleSet(), "no templates").blocks == []


def test_problems_warn_with_message_and_bad_regex_warns() -> None:
    rules = RuleSet(
        problems=(
            ProblemRule("{{DB-", "speedy"),
            ProblemRule(r"{{(keep ?local|nocommons)", "keep local", is_regex=True),
            ProblemRule(r"(?<=x)", "never", is_regex=True, origin="pp#3"),
            ProblemRule("absent", "no"),
        )
    )
    report = _gate(rules, "{{db-f1}}{{Keep local}}")
    assert [(n.key, n.params) for n in report.warnings] == [
        ("wft-warn-potential-problem", ("speedy",)),
        ("wft-warn-potential-problem", ("keep local",)),
        ("wft-warn-rule-unusable", ("pp#3", report.warnings[2].params[1])),
    ]
    assert report.blocks == [] and report.status == "warn"
