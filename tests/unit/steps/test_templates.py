"""Step 4 (templates): FileImporter's WikitextContentCleanerTest cases ported as data, plus FtCG regex
rules and the missing-template lookup.

Where our contract differs from FileImporter's cleaner, the case says so:
* ``@`` wraps as ``{{de|1=…}}`` (``1=`` keeps an ``=`` in the text from making a named parameter) and
  never wraps an empty value;
* parameters a Transfer rule does not map are kept, as in FileImporter; of several sources for one
  target only the first present is renamed (FileImporter renames them all, leaving duplicate
  parameters of which MediaWiki shows only the last) and the target name itself wins over any source,
  so a converted page converts to itself; an unnamed parameter that would move up a position because
  one before it became named is written with its number (``2=b``);
* a cut-off template (``{{Info|a=``) is not a template for mwparserfromhell: it stays as text, where
  FileImporter's scanner removed everything to the end of the page.
"""

from __future__ import annotations

import mwparserfromhell
import pytest
from steps_fakes import FakeLookups, context

from wikifile_transfer.i18n import Message
from wikifile_transfer.wikitext.rules.model import ParamRule, RegexRule, RuleSet, TransferRule
from wikifile_transfer.wikitext.steps.base import FileFacts, OfflineLookups, StepReport
from wikifile_transfer.wikitext.steps.templates import (
    apply_replacements,
    clean_templates,
    is_language_wrapped,
    localise_missing_templates,
    remove_templates,
    transfer_templates,
)


def _remove(removals: set[str], text: str) -> tuple[str, StepReport]:
    ctx = context(RuleSet(remove_templates=frozenset(removals)), lookups=OfflineLookups())
    code = mwparserfromhell.parse(text)
    report = StepReport()
    remove_templates(code, ctx, report)
    return str(code), report


REMOVALS = [
    # (name, removals, wikitext, expected, expected count)
    ("empty", set(), "{{movetocommons}}", "{{movetocommons}}", 0),
    # FI gives "before\n\nafter": the line break after the template goes with it; the blank-line run
    # left behind is collapsed by the layout step (see test_pipeline), not here.
    (
        "basic, case-insensitive removal",
        {"MoveToCommons"},
        "before\n\n{{movetocommons}}\n\nafter",
        "before\n\n\nafter",
        1,
    ),
    (
        "remove parameters and nested templates",
        {"a"},
        "{{before}}{{a |p1={{b |p1=… }} |p2=… }}{{after}}",
        "{{before}}{{after}}",
        1,
    ),
    # deviation: FI removes a cut-off template to the end of the text; we cannot know where it ends
    ("end-of-text (cut-off template kept)", {"Info"}, "Before\n{{Info|a=|b=", "Before\n{{Info|a=|b=", 0),
    ("more than 2 opening brackets", {"second"}, "{{first|{{second|{{{third|a}}|b}}|c}}", "{{first||c}}", 1),
    ("more than 2 closing brackets", {"second"}, "{{first|{{second|b}}|c}}", "{{first||c}}", 1),
    ("underscores and namespace", {"Template:Move_to_commons"}, "{{move to Commons}}\nx", "x", 1),
    ("triple braces are parameters, not templates", {"a"}, "{{{a}}}", "{{{a}}}", 0),
]


@pytest.mark.parametrize(
    ("removals", "text", "expected", "count"), [r[1:] for r in REMOVALS], ids=[r[0] for r in REMOVALS]
)
def test_template_removals(removals: set[str], text: str, expected: str, count: int) -> None:
    result, report = _remove(removals, text)
    assert result == expected
    assert [n.key for n in report.changes] == ["wft-change-template-removed"] * count
    # every removed character is listed: the kept text plus the removed spans is the input, in length
    assert len(result) + sum(len(s) for s in report.removed) == len(text)


def test_removed_span_is_exact_with_following_newline() -> None:
    _, report = _remove({"mtc"}, "a\n{{mtc|human=Bob}}\nb")
    assert report.removed == ["{{mtc|human=Bob}}\n"]


def test_copy_to_commons_regex_on_text_and_on_name() -> None:
    text_style = RuleSet(copy_to_commons=r"{{(mtc|copy to wikimedia commons)[^}]*}}\n?")
    name_style = RuleSet(copy_to_commons=r"copy to (wikimedia )?commons")
    for rules in (text_style, name_style):
        code = mwparserfromhell.parse("x\n{{Copy to Wikimedia Commons|human=Bob}}\ny {{keep}}")
        report = StepReport()
        remove_templates(code, context(rules), report)
        assert str(code) == "x\ny {{keep}}"
        assert report.removed == ["{{Copy to Wikimedia Commons|human=Bob}}\n"]


def test_unusable_copy_to_commons_regex_warns_once() -> None:
    rules = RuleSet(copy_to_commons=r"{{(?=mtc)")
    code = mwparserfromhell.parse("{{mtc}}{{mtc}}")
    report = StepReport()
    remove_templates(code, context(rules), report)
    assert str(code) == "{{mtc}}{{mtc}}"
    assert [n.key for n in report.warnings] == ["wft-warn-rule-unusable"]
    assert report.warnings[0].params[0] == "CopyToCommonsRegex"


def _rule(source: str, target: str, *params: ParamRule) -> TransferRule:
    return TransferRule(source, target, params)


def _transfer(rules: tuple[TransferRule, ...], text: str) -> tuple[str, StepReport]:
    ctx = context(RuleSet(transfer=rules), source_lang="de")
    code = mwparserfromhell.parse(text)
    report = StepReport()
    transfer_templates(code, ctx, report)
    return str(code), report


def _p(target: str, *sources: str, add: str | None = None, lang: bool = False) -> ParamRule:
    return ParamRule(target, tuple(sources), add, lang)


INFO = _rule("Info", "Information")
TRANSFERS = [
    # (name, rules, wikitext, expected or None for unchanged, count)
    ("nothing to do", (_rule("here", "there"),), "nothing to do here", None, 0),
    ("no substring matching", (_rule("a", "b"),), "{{ax}}{{ax|}}{{xa}}{{xa|}}", None, 0),
    ("skip triple bracket parameter syntax", (_rule("a", "b"),), "{{{a}}}", None, 0),
    ("skip unclosed templates", (_rule("a", "b"),), "{{a}", None, 0),
    ("most trivial match", (INFO,), "{{Info}}", "{{Information}}", 1),
    ("case-insensitive", (INFO,), "{{info}}", "{{Information}}", 1),
    (
        "complex parameters",
        (INFO,),
        "{{info|desc={{en|Desc with a [[…|link]].}}}}",
        "{{Information|desc={{en|Desc with a [[…|link]].}}}}",
        1,
    ),
    (
        "count different replacements",
        (_rule("a", "b"), _rule("x", "y")),
        "{{a}}{{x|some params}}",
        "{{b}}{{y|some params}}",
        2,
    ),
    (
        "count identical replacements",
        (_rule("a", "b"),),
        "{{a}}{{a|some params}}",
        "{{b}}{{b|some params}}",
        2,
    ),
    (
        "keep multi-line syntax",
        (INFO,),
        "{{Info\n| param = value\n}}",
        "{{Information\n| param = value\n}}",
        1,
    ),
    (
        "replace nested templates",
        (INFO, _rule("enS", "en")),
        "{{Info|{{enS|…}}}}",
        "{{Information|{{en|…}}}}",
        2,
    ),
    (
        "most trivial parameter replacement",
        (_rule("Info", "Info", _p("Description", "Desc")),),
        "{{Info|Desc=…}}",
        "{{Info|Description=…}}",
        1,
    ),
    (
        "nested templates do not shift parameter offsets",
        (_rule("a", "a", _p("parameter2", "p2"), _p("p1", "p1")), _rule("b", "b", _p("parameter1", "p1"))),
        "{{a |p1={{b |p1=… }} |p2=… }}",
        "{{a |p1={{b |parameter1=… }} |parameter2=… }}",
        2,
    ),
    # as FileImporter: the unmapped unnamed "a" is kept where it is
    (
        "replace numeric parameters",
        (_rule("Info", "Info", _p("Description", "2")),),
        "{{Info|a|b}}",
        "{{Info|a|Description=b}}",
        1,
    ),
    # "b" keeps its position 2 although "a" before it became named
    (
        "a later unnamed parameter keeps its number",
        (_rule("Info", "Info", _p("Description", "1")),),
        "{{Info|a|b}}",
        "{{Info|Description=a|2=b}}",
        1,
    ),
    (
        # deviation: the first source present is renamed; the other sources are kept as they are
        "multiple source parameters",
        (_rule("Info", "Info", _p("Description", "1", "desc", "Desc")),),
        "{{Info|1}}\n{{Info|desc=lower}}\n{{Info|Desc=upper}}\n{{Info|1|desc=lower|Desc=upper|2}}\n"
        "{{Info|Desc=upper|desc=lower|1|2}}",
        "{{Info|Description=1}}\n{{Info|Description=lower}}\n{{Info|Description=upper}}\n"
        "{{Info|Description=1|desc=lower|Desc=upper|2=2}}\n{{Info|Desc=upper|desc=lower|Description=1|2=2}}",
        5,
    ),
    (
        "the target name wins over a source",
        (_rule("Info", "Info", _p("Description", "desc")),),
        "{{Info|Description=kept|desc=also kept}}",
        None,
        0,
    ),
    (
        "add language template",
        (_rule("Info", "Info", _p("desc", "desc", lang=True)),),
        "{{Info|desc = foo [[…|x=1]] \n}}",
        "{{Info|desc = {{de|1=foo [[…|x=1]]}} \n}}",
        1,
    ),
    (
        "empty value is not wrapped",
        (_rule("Info", "Info", _p("desc", "desc", lang=True)),),
        "{{Info|desc = \n}}",
        None,
        0,
    ),
    (
        "add language template to unnamed parameter",
        (_rule("Info", "Info", _p("desc", "1", lang=True)),),
        "{{Info| foo [[…|x]] }}",
        "{{Info|desc= {{de|1=foo [[…|x]]}} }}",
        1,
    ),
    (
        "language template not added twice",
        (_rule("Info", "Info", _p("desc", "desc", lang=True)),),
        "{{Info|desc={{en|1=foo}} {{de|1=bar}}}}",
        None,
        0,
    ),
    (
        "add missing parameter",
        (_rule("Bild-GFDL-Neu", "GFDL", _p("migration", add="not-eligible")),),
        "{{Bild-GFDL-Neu}}",
        "{{GFDL|migration=not-eligible}}",
        1,
    ),
    (
        "add missing parameter without value",
        (_rule("Bild-GFDL-Neu", "GFDL", _p("migration", add="")),),
        "{{Bild-GFDL-Neu\n}}",
        "{{GFDL\n|migration=}}",
        1,
    ),
    (
        # mwparserfromhell copies the spacing of the existing parameter (" | name = value\n")
        "add missing parameter reuses existing wikitext format",
        (_rule("Bild-GFDL-Neu", "GFDL", _p("migration", add=""), _p("p1", "p1")),),
        "{{Bild-GFDL-Neu\n | p1 = …\n}}",
        "{{GFDL\n | migration = \n| p1 = …\n}}",
        1,
    ),
    (
        "add missing parameter cannot replace existing",
        (_rule("Bild-GFDL-Neu", "GFDL", _p("migration", add="new")),),
        "{{Bild-GFDL-Neu|migration=old}}",
        "{{GFDL|migration=old}}",
        1,
    ),
    (
        "must skip single brackets",
        (_rule("Info", "Info", _p("Description", "Desc"), _p("1", "1")),),
        "{{Info|}|Desc=…}}{{Info|{|Desc=…}}",
        "{{Info|1=}|Description=…}}{{Info|1={|Description=…}}",
        2,
    ),
    (
        "must skip {{{…}}} syntax",
        (_rule("Info", "Info", _p("Description", "Desc"), _p("1", "1")),),
        "{{Info|{{{Info|Desc=…}}}|Desc=…}}",
        "{{Info|1={{{Info|Desc=…}}}|Description=…}}",
        1,
    ),
    # cut-off: not a template for the parser, left alone (FI renamed the parameters of the fragment)
    ("end-of-text", (_rule("Info", "Info", _p("x", "a"), _p("y", "b")),), "{{Info|a=|b=[[]", None, 0),
    ("subst: target kept", (_rule("Unc", "subst:Unc"),), "{{unc}}", "{{subst:Unc}}", 1),
]


@pytest.mark.parametrize(
    ("rules", "text", "expected", "count"), [t[1:] for t in TRANSFERS], ids=[t[0] for t in TRANSFERS]
)
def test_template_transfers(
    rules: tuple[TransferRule, ...], text: str, expected: str | None, count: int
) -> None:
    result, report = _transfer(rules, text)
    assert result == (expected or text)
    assert [n.key for n in report.changes] == ["wft-change-template-transferred"] * count
    again, second = _transfer(rules, result)  # a rule applied to its own output changes nothing
    assert again == result
    assert second.changes == [] or all(n.params[0] == n.params[1] for n in second.changes)


def test_unmapped_parameters_are_kept_and_nothing_is_removed() -> None:
    result, report = _transfer(
        (_rule("Info", "Info", _p("Description", "1", "desc")),), "{{Info|x|desc=y|Author=Alice}}"
    )
    assert result == "{{Info|Description=x|desc=y|Author=Alice}}"
    assert report.removed == []


def test_transfer_rule_without_params_keeps_all() -> None:
    result, report = _transfer((INFO,), "{{Info|a|b=c}}")
    assert result == "{{Information|a|b=c}}"
    assert report.removed == []


# ------------------------------------------------------------------------------------- FtCG replacements


def _replace(rules: tuple[RegexRule, ...], text: str, **ctx_changes: object) -> tuple[str, StepReport]:
    report = StepReport()
    return apply_replacements(text, context(RuleSet(replacements=rules), **ctx_changes), report), report


def test_replacements_then_self_licence_in_order_with_placeholders() -> None:
    rules = (
        RegexRule(
            r"{{self([^\}]*)}}",
            r"{{self\1|author=[[%%InterwikiLinkPrefix%%:User:%%OriginalUploader%%|]]}}",
            True,
        ),
        RegexRule(r"{{orphan image.*}}\n?", ""),
    )
    text, report = _replace(rules, "{{Orphan image}}\n{{Self|GFDL}}")
    assert text == "{{self|GFDL|author=[[:en:User:Alice|]]}}"
    assert report.self_licensed
    assert report.removed == ["{{Orphan image}}\n", "{{Self|GFDL}}"]
    assert [n.key for n in report.changes] == ["wft-change-replacement"] * 2


def test_replacement_keeps_non_ascii_and_escapes_placeholder_values() -> None:
    rules = (RegexRule(r"{{PD-self}}", "{{PD-user|%%OriginalUploader%%|en|Bénédicte}}", True),)
    facts = FileFacts(original_uploader=r"Zoë\1")
    text, _ = _replace(rules, "{{PD-self}}", facts=facts)
    assert text == r"{{PD-user|Zoë\1|en|Bénédicte}}"


def test_replacement_without_uploader_warns() -> None:
    rules = (RegexRule(r"{{PD-self}}", "{{PD-user|%%OriginalUploader%%}}", True, "r1"),)
    text, report = _replace(rules, "{{PD-self}}", facts=FileFacts(), interwiki_prefix=None)
    assert text == "{{PD-user|}}"
    assert [n.key for n in report.warnings] == ["wft-warn-uploader-unknown"]


def test_unusable_and_non_matching_and_no_op_replacements() -> None:
    rules = (
        RegexRule(r"(?<=a)b", "x", origin="lookbehind"),
        RegexRule(r"zzz", "y"),
        RegexRule(r"a", "a"),  # matches but changes nothing: not reported
    )
    text, report = _replace(rules, "ab")
    assert text == "ab"
    assert [(n.key, n.params[0]) for n in report.warnings] == [("wft-warn-rule-unusable", "lookbehind")]
    assert report.changes == []


def test_replacement_group_references_and_a_bad_template_built_in_code() -> None:
    # a group that did not take part expands to nothing; a loader never lets \\9 through, but a RuleSet
    # built in code may: it is reported like any unusable rule instead of raising
    rules = (
        RegexRule(r"(?P<x>a)(b)?(c)", r"[\1|\2|\g<3>|\g<x>]", origin="groups"),
        RegexRule(r"(q)", r"\9", origin="bad"),
    )
    text, report = _replace(rules, "ac q")
    assert text == "[a||c|a] q"
    assert [(n.key, n.params[0]) for n in report.warnings] == [("wft-warn-rule-unusable", "bad")]
    reason = report.warnings[0].params[1]
    assert isinstance(reason, Message) and reason.key == "wft-rule-error-bad-replacement"


def test_clean_templates_reparses_only_after_a_replacement() -> None:
    ctx = context(RuleSet(replacements=(RegexRule("{{a}}", "{{b}}"),)), lookups=OfflineLookups())
    code = mwparserfromhell.parse("{{a}} [[x]]")
    new, renamed = clean_templates(code, ctx, StepReport())
    assert str(new) == "{{b}} [[x]]" and new is not code and renamed == {}
    code = mwparserfromhell.parse("{{c}}")
    same, _ = clean_templates(code, ctx, StepReport())
    assert same is code


# ------------------------------------------------------------------------------------ missing templates


def test_missing_templates_localised_or_warned_in_one_batch() -> None:
    lookups = FakeLookups(
        templates={"Bild-frei": "Template:PD-author", "Hinweis": "Notice"}, existing={"Template:Keep"}
    )
    ctx = context(RuleSet(), lookups=lookups)
    code = mwparserfromhell.parse(
        "{{Keep}}{{bild-frei|x}}{{Bild-frei}}{{Hinweis}}{{Gone}}{{#if:a|b}}{{int:filedesc}}{{PAGENAME}}"
        "{{Template:keep}}{{User:X/sig}}{{!}}{{ {{{1}}} }}"
    )
    report = StepReport()
    localise_missing_templates(code, ctx, report)
    assert str(code) == (
        "{{Keep}}{{PD-author|x}}{{PD-author}}{{Notice}}{{Gone}}{{#if:a|b}}{{int:filedesc}}{{PAGENAME}}"
        "{{Template:keep}}{{User:X/sig}}{{!}}{{ {{{1}}} }}"
    )
    assert [c[0] for c in lookups.calls] == ["existing_on_target", "template_links"]
    assert lookups.calls[0][1] == ("Template:Keep", "Template:Bild-frei", "Template:Hinweis", "Template:Gone")
    assert [n.params for n in report.changes] == [("Bild-frei", "PD-author"), ("Hinweis", "Notice")]
    assert [n.params for n in report.warnings] == [("Gone",)]


def test_missing_templates_offline_or_all_present() -> None:
    code = mwparserfromhell.parse("{{Unknown}}")
    report = StepReport()
    localise_missing_templates(code, context(RuleSet(), lookups=OfflineLookups()), report)
    lookups = FakeLookups(existing={"Template:Unknown"})
    localise_missing_templates(code, context(RuleSet(), lookups=lookups), report)
    localise_missing_templates(mwparserfromhell.parse("text"), context(RuleSet(), lookups=lookups), report)
    assert report.warnings == [] and report.changes == []
    assert [c[0] for c in lookups.calls] == ["existing_on_target"]


def test_language_wrapped_detection() -> None:
    def wrapped(text: str) -> bool:
        return is_language_wrapped(mwparserfromhell.parse(text))

    assert wrapped("{{en|1=a}}") and wrapped(" {{pt-br|a}} <!-- c --> {{LangSwitch|en=a}}")
    assert not wrapped("{{Own}}") and not wrapped("{{en|a}} and text") and not wrapped("  ")
