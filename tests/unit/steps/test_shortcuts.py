"""Each shortcut the convert pipeline takes for speed, against the plain way it replaced, on random input:
the same text, the same report.

(The faster parser is compared with mwparserfromhell in test_parsing.py, the literal pre-test of rule
regexes with RE2 in rules/test_literals.py.)"""

from __future__ import annotations

from typing import Any

import mwparserfromhell
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mwparserfromhell.nodes import Template, Text
from steps_fakes import FTCG_REPLACEMENTS, context, enwiki_to_commons

from wikifile_transfer.wikitext.rules.model import InformationNames, RegexRule, RuleError, name_key
from wikifile_transfer.wikitext.rules.saferegex import ReplacementError, compile_rule, rule_error
from wikifile_transfer.wikitext.steps.base import ConvertContext, FileFacts, Note, StepReport, rule_error_note
from wikifile_transfer.wikitext.steps.information import _map_template, _param_names
from wikifile_transfer.wikitext.steps.parsing import parse, shape
from wikifile_transfer.wikitext.steps.templates import (
    _copy_to_commons_excluded,
    _is_copy_to_commons,
    _placeholders,
    apply_replacements,
    remove_templates,
    remove_with_newline,
    template_name,
    templates_in,
    text_in_place,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- apply_replacements: one sub_spans per rule instead of a search and then sub_spans ---------------


def _replacements_as_before(text: str, ctx: ConvertContext, report: StepReport) -> str:
    """``apply_replacements`` as it was: a search, then the replacement."""
    rules = ctx.rules.replacements
    ordered = [r for r in rules if not r.self_licence] + [r for r in rules if r.self_licence]
    for rule in ordered:
        origin = rule.origin or rule.pattern
        regex = compile_rule(rule.pattern, origin)
        if isinstance(regex, RuleError):
            report.warnings.append(rule_error_note(regex))
            continue
        if regex.search(text) is None:
            continue
        if "%%OriginalUploader%%" in rule.replacement and not ctx.facts.original_uploader:
            report.warnings.append(Note("wft-warn-uploader-unknown", (origin,)))
        try:
            new, spans = regex.sub_spans(_placeholders(rule.replacement, ctx), text)
        except ReplacementError as err:
            problem = rule_error(origin, "wft-rule-error-bad-replacement", err.message)
            report.warnings.append(rule_error_note(problem))
            continue
        if new == text:
            continue
        report.removed.extend(s for s in spans if s)
        report.changes.append(Note("wft-change-replacement", (origin,)))
        if rule.self_licence:
            report.self_licensed = True
        text = new
    return text


EXTRA_RULES = (
    RegexRule(r"x*", "", origin="empty match"),
    RegexRule(r"{{self", r"{{self\2", origin="bad group"),
    RegexRule(r"(?<=a)b", "c", origin="unusable"),
    RegexRule(r"pd-self", "PD-self", origin="no-op"),
    RegexRule(r"{{own}}", "%%OriginalUploader%%", origin="uploader"),
)
page_pieces = st.sampled_from(
    [
        "{{PD-self}}", "{{self|GFDL}}", "{{self|a|author=b}}", "{{GFDL-self|x}}", "{{orphan image}}\n",
        "= I created this work entirely by myself.", "{{own}}", "{{ffd|x}}", "{{SVGMTC}}", "text ", "\n",
        "xx", "{{", "}}", "|author=", "{{self", "ſelf", "\u212a",
    ]
)  # fmt: skip
pages = st.lists(page_pieces, max_size=10).map("".join)


@SETTINGS
@given(pages, st.booleans(), st.booleans())
def test_replacements_as_before(text: str, uploader: bool, extra: bool) -> None:
    rules = enwiki_to_commons(replacements=FTCG_REPLACEMENTS + (EXTRA_RULES if extra else ()))
    ctx = context(rules, facts=FileFacts(original_uploader="Zed" if uploader else None))
    ours, theirs = StepReport(), StepReport()
    assert apply_replacements(text, ctx, ours) == _replacements_as_before(text, ctx, theirs)
    assert ours == theirs


# --- remove_templates: the copy-to-Commons pre-test, and no visit when nothing is to go -------------

remove_pieces = st.sampled_from(
    [
        "{{mtc}}", "{{MTC|x}}\n", "{{Move to commons}}", "{{copy_to_commons}}", "{{Copy to Wikimedia Commons}}",
        "{{Orphan image}}\n", "{{a|{{mtc}}}}", "{{a|b={{orphan image}}}}", "{{ctc}}", "commons", "{{b}}",
        "\n", "x", "{{tocommons|{{mtc}}}}",
    ]
)  # fmt: skip


@SETTINGS
@given(st.lists(remove_pieces, max_size=8).map("".join), st.sampled_from([None, r"{{(mtc", r"{{mtc}}"]))
def test_the_copy_to_commons_pre_test_skips_only_pages_without_a_match(
    text: str, pattern: str | None
) -> None:
    rules = enwiki_to_commons(**({"copy_to_commons": pattern} if pattern else {}))
    code = mwparserfromhell.parse(text)
    if _copy_to_commons_excluded(rules, text):
        report = StepReport()
        assert not any(_is_copy_to_commons(t, rules, report, set()) for t in templates_in(code))


def _remove_as_before(code: Any, ctx: ConvertContext, report: StepReport) -> None:
    """``remove_templates`` as it was: every template tested during the visit."""
    rules = ctx.rules
    remove = {name_key(n) for n in rules.remove_templates}
    if not remove and not rules.copy_to_commons:
        return
    warned: set[str] = set()

    def visit(container: Any) -> None:
        for node in list(container.nodes):
            if isinstance(node, Template) and (
                name_key(template_name(node)) in remove or _is_copy_to_commons(node, rules, report, warned)
            ):
                name = template_name(node)
                report.removed.append(remove_with_newline(container, node))
                report.changes.append(Note("wft-change-template-removed", (name,)))
                continue
            for child in node.__children__():
                visit(child)

    visit(code)


@SETTINGS
@given(
    st.lists(remove_pieces, max_size=8).map("".join),
    st.sampled_from([None, r"{{(mtc|ctc)[^}]*}}", r"(?<=a)mtc", "commons"]),
    st.sampled_from([frozenset(), frozenset({"Orphan image"}), frozenset({"b", "mtc"})]),
)
def test_remove_as_before(text: str, pattern: str | None, removals: frozenset[str]) -> None:
    ctx = context(enwiki_to_commons(copy_to_commons=pattern, remove_templates=removals))
    ours, theirs = mwparserfromhell.parse(text), mwparserfromhell.parse(text)
    ours_report, theirs_report = StepReport(), StepReport()
    remove_templates(ours, ctx, ours_report)
    _remove_as_before(theirs, ctx, theirs_report)
    assert str(ours) == str(theirs)
    assert ours_report == theirs_report


# --- map_information: whether the template changed, from its edits ----------------------------------

names = st.sampled_from(
    ["Description", "description", " Description ", "Beschreibung", "Source", "source ", "Date", "Datum",
     "other_versions", "Other versions", "author", "Urheber", "x", "1"]
)  # fmt: skip
values = st.sampled_from(["", "a", " a ", "{{en|a}}", "{{de|1=a}} ", "<!-- c -->", "[[b]]", "\n"])
params = st.lists(st.one_of(st.tuples(names, values).map("=".join), values), max_size=6)


@SETTINGS
@given(
    st.sampled_from(["Information", "information\n", "Info", " Information "]),
    params,
    st.sampled_from(["Information", "Info", "Information|x"]),
    st.booleans(),
    st.sampled_from(["en", "", "de"]),
)
def test_mapped_says_whether_the_text_changed(
    name: str, parts: list[str], target: str, wrap: bool, lang: str
) -> None:
    template = mwparserfromhell.parse("{{" + "|".join([name, *parts]) + "}}").nodes[0]
    information = InformationNames(
        description="Beschreibung", source="Quelle", date="Datum", author="Urheber"
    )
    rules = enwiki_to_commons(
        target_information=target, target_language_templates=wrap, information=information
    )
    ctx = context(rules, source_lang=lang)
    before = str(template)
    assert _map_template(template, ctx, _param_names(information)) == (str(template) != before)


# --- renames: one Text node changed in place is the tree a new Text node gives -----------------------


@SETTINGS
@given(st.sampled_from(["a", " a ", "a<!-- c -->", "{{b}}", "a\n", "[[c]]", "a&amp;"]), st.text(max_size=8))
def test_text_in_place_is_assigning_a_text_node(old: str, new: str) -> None:
    ours, theirs = parse("{{" + old + "|x}}").nodes[0], parse("{{" + old + "|x}}").nodes[0]
    assume(isinstance(ours, Template))
    if not text_in_place(ours.name, new):
        ours.name = Text(new)
    theirs.name = Text(new)
    assert shape(ours) == shape(theirs)
