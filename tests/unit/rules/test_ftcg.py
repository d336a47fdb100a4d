"""FtCG local-wiki-data files: the real en.wikipedia file, and every quirk of LoadWikiData."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_helpers import Messages, explained

from wikifile_transfer.wikitext.rules import parse_ftcg
from wikifile_transfer.wikitext.rules.ftcg import parse_ftcg_data
from wikifile_transfer.wikitext.rules.model import (
    InformationNames,
    ProblemRule,
    RegexRule,
    RuleError,
    RuleSet,
)
from wikifile_transfer.wikitext.rules.saferegex import SafeRegex, compile_rule, escape_replacement

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "rules" / "en.wikipedia.wiki"
ORIGIN = "en.wikipedia.wiki"


@pytest.fixture(scope="module")
def en() -> RuleSet:
    return parse_ftcg(FIXTURE.read_text(encoding="utf-8"), ORIGIN)


def regex(pattern: str) -> SafeRegex:
    compiled = compile_rule(pattern, "test")
    assert isinstance(compiled, SafeRegex)
    return compiled


def apply(rules: RuleSet, text: str, *, uploader: str = "Fizbin", prefix: str = ":en") -> str:
    """What FtCG does with the replacements: in order, placeholders expanded, case-insensitive."""
    for rule in rules.replacements:
        replacement = rule.replacement.replace("%%OriginalUploader%%", escape_replacement(uploader))
        replacement = replacement.replace("%%InterwikiLinkPrefix%%", escape_replacement(prefix))
        text = regex(rule.pattern).sub(replacement, text)
    return text


def errors_for(rules: RuleSet, section: str) -> list[RuleError]:
    return [e for e in rules.errors if f":{section} #" in e.origin]


# --- the real file ---------------------------------------------------------------------------------


def test_every_rule_of_the_en_file_is_usable_or_reported(en: RuleSet) -> None:
    replacements = [r for r in en.replacements if not r.self_licence]
    self_licence = [r for r in en.replacements if r.self_licence]
    assert len(en.problems) + len(errors_for(en, "[PotentialProblem]")) == 11
    assert len(replacements) + len(errors_for(en, "[Replacement]")) == 7
    assert len(self_licence) + len(errors_for(en, "[SelfLicenseReplacement]")) == 5
    # and in fact every one of them runs on RE2
    assert (len(en.problems), len(replacements), len(self_licence), en.errors) == (11, 7, 5, ())
    assert en.replacements == (*replacements, *self_licence)  # Replacement first, as FtCG runs them


def test_the_en_file_keys_map_onto_the_rule_set(en: RuleSet) -> None:
    assert en.information == InformationNames(
        template="Information",
        description="Description",
        date="Date",
        source="Source",
        author="Author",
        permission="Permission",
        other_versions="Other_versions",
    )
    assert en.heading_regexes == (("Summary|Description", "filedesc"), ("Licensing:?", "license-header"))
    assert en.now_commons_template == "now Commons"
    assert en.category_namespace == "Category"
    assert en.origin == ORIGIN
    assert (en.source_wiki, en.target_wiki) == (None, None)


def test_the_copy_to_commons_regex_is_translated_and_matches_the_tags(en: RuleSet) -> None:
    assert en.copy_to_commons is not None
    tag = regex(en.copy_to_commons)
    text = "{{Copy to Wikimedia Commons|bot=Fbot}}\n== Summary ==\n{{MTC}}{{move to commons}}"
    assert tag.sub("", text) == "== Summary ==\n"


def test_rules_carry_an_origin_with_section_number_and_line(en: RuleSet) -> None:
    assert en.problems[0].origin == "en.wikipedia.wiki:[PotentialProblem] #1 (line 38)"
    assert en.replacements[2].origin == "en.wikipedia.wiki:[Replacement] #3 (line 90)"
    assert en.replacements[-1].origin == "en.wikipedia.wiki:[SelfLicenseReplacement] #5 (line 126)"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    assert lines[89] == "[Replacement]" and lines[90].startswith("LookFor={{(bots|nobots")


def test_problems_keep_substring_versus_regex_as_in_the_file(en: RuleSet) -> None:
    assert en.problems[0] == ProblemRule(
        "{{db-", "The file appears to be tagged for speedy deletion.", False, en.problems[0].origin
    )
    # FtCG's IfContains with regex syntax stays a substring, as FtCG would test it
    assert (en.problems[3].match, en.problems[3].is_regex) == ("{{(ffd|puf)", False)
    keep_local = en.problems[8]
    assert keep_local.is_regex and keep_local.match == r"\{\{(keep ?local|nocommons)"
    assert regex(keep_local.match).search("{{Keep Local}}") is not None
    assert [p.is_regex for p in en.problems].count(True) == 3


def test_replacement_values_are_translated(en: RuleSet) -> None:
    gfdl = en.replacements[8]
    assert gfdl == RegexRule(
        r"\{\{GFDL-self-with-disclaimers([^\}]*)\}\}",
        r"{{GFDL-user-en-with-disclaimers|%%OriginalUploader%%\1}}",
        self_licence=True,
        origin="en.wikipedia.wiki:[SelfLicenseReplacement] #2 (line 114)",
    )
    assert en.replacements[5].replacement == "{{Convert to SVG}}"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("{{PD-self}}", "{{PD-user|Fizbin|en}}"),
        (
            "{{GFDL-self-with-disclaimers|migration=relicense}}",
            "{{GFDL-user-en-with-disclaimers|Fizbin|migration=relicense}}",
        ),
        ("{{GFDL-self-no-disclaimers}}", "{{GFDL-user|Fizbin|en}}"),
        ("{{self|cc-by-sa-4.0}}", "{{self|cc-by-sa-4.0|author=[[:en:User:Fizbin|]]}}"),
        ("{{Self|GFDL|author=Me}}", "{{self|GFDL|author=Me}}"),
        ("{{orphan image|date=May 2010}}\nText", "Text"),
        ("{{Bots|deny=all}}{{ffd|log=2010}}x", "x"),
        ("{{SVGMTC}}", "{{Convert to SVG}}"),
        (
            "|source= I (Fizbin) created this work entirely by myself.",
            "|source= {{own work by original uploader}}",
        ),
        ("{{Cc-by-sa-4.0}}", "{{Cc-by-sa-4.0}}"),
    ],
)
def test_the_en_rules_rewrite_pages_as_ftcg_does(en: RuleSet, before: str, after: str) -> None:
    assert apply(en, before) == after


def test_extras_keep_the_keys_without_a_rule_set_field() -> None:
    data = parse_ftcg_data(FIXTURE.read_text(encoding="utf-8"), ORIGIN)
    assert data.rules == parse_ftcg(FIXTURE.read_text(encoding="utf-8"), ORIGIN)
    assert data.extras["LocalDomain"] == "en.wikipedia (Default)"
    assert data.extras["Category1"] == "Copy to Wikimedia Commons"
    assert data.extras["Category3"] == ""
    assert data.extras["FileTalkMinimumSize"] == "500"
    assert data.extras["NowCommonsDeletionSummary"] == "[[WP:CSD#F8|F8]]: Media file available on Commons"
    assert data.extras["LocalFtcgPage"] == "w:en:WP:FTCG"


# --- parser quirks ------------------------------------------------------------------------------------


def test_an_empty_file_gives_defaults() -> None:
    data = parse_ftcg_data("", "empty.wiki")
    assert data.rules == RuleSet(origin="empty.wiki")
    assert data.extras == {
        "DefaultCategory": "1",
        "NowCommonsDeletionSummary": "Media file now available on Commons",
        "NowCommonsAddingTagEditSummary": "Added {{now Commons}} tag",
        "NowCommonsReplacingTagEditSummary": "Replaced {{move to Commons}} tag with {{now Commons}} tag",
        "LocalFtcgPage": "w:en:WP:FTCG",
        "FileTalkMinimumSize": "120",
    }


def test_keys_are_case_insensitive_unknown_ones_ignored_and_the_last_one_wins() -> None:
    text = (
        "\ufeffnowcommonstag=NC\r\nINFORMATION=Info\r\n\r\ndescription=Beschreibung\r\n"
        "Bogus=1\nno equals sign here\n  Date=indented keys do not match\nNowCommonsTag=NowCommons\n"
        "CATEGORYNAMESPACE=Kategorie\nFileTalkMinimumSize=abc\nPotentialProblems=not a string property\n"
    )
    data = parse_ftcg_data(text, "de.wiki")
    assert data.rules.now_commons_template == "NowCommons"
    assert data.rules.information == InformationNames(template="Info", description="Beschreibung")
    assert data.rules.category_namespace == "Kategorie"
    assert data.extras["FileTalkMinimumSize"] == "120"  # not an integer → FtCG's default
    assert data.rules.problems == ()


def test_a_value_keeps_everything_after_the_first_equals_sign() -> None:
    rules = parse_ftcg("[Replacement]\nLookFor== *x\nReplaceWith=a=b\n", "o")
    assert rules.replacements == (RegexRule("= *x", "a=b", origin="o:[Replacement] #1 (line 1)"),)


def test_sections_take_the_next_two_lines_by_position_whatever_they_are() -> None:
    text = "[PotentialProblem]\n\n# a comment is consumed as the test line\nMessage=m\nIfContains=x\n"
    rules = parse_ftcg(text, "o")
    # the comment has no '=', so FtCG uses the whole line; the "IfContains=x" line after is a plain key
    assert rules.problems == (
        ProblemRule(
            "# a comment is consumed as the test line", "m", False, "o:[PotentialProblem] #1 (line 1)"
        ),
    )


def test_any_prefix_other_than_ifregex_means_substring() -> None:
    rules = parse_ftcg("[PotentialProblem]\nIfWhatever={{x\nMessage=m\n", "o")
    assert (rules.problems[0].match, rules.problems[0].is_regex) == ("{{x", False)


def test_replacement_values_get_newlines_and_group_references() -> None:
    text = "[Replacement]\nLookFor=\\{\\{a\\|(\\w+)\\}\\}\nReplaceWith={{b|$1}}\\n{{c}}\n"
    rules = parse_ftcg(text, "o")
    assert rules.replacements[0].replacement == "{{b|\\1}}\n{{c}}"
    assert apply(rules, "{{a|x}}") == "{{b|x}}\n{{c}}"


def test_a_section_at_the_end_of_the_file_is_reported() -> None:
    rules = parse_ftcg("[Replacement]\nLookFor=x\n", "f.wiki")
    assert rules.replacements == ()
    assert explained(rules.errors) == [
        (
            "f.wiki:[Replacement] #1 (line 1)",
            "The section [Replacement] needs two lines after it; the file ends after 1 of them.",
        ),
    ]
    assert rules.errors[0].key == "wft-rule-error-ftcg-incomplete-section"


def test_a_section_marker_where_a_rule_line_was_expected_is_reported_and_parsing_resumes() -> None:
    text = "[SelfLicenseReplacement]\nLookFor=x\n[Replacement]\nLookFor=a\nReplaceWith=b\n"
    rules = parse_ftcg(text, "f.wiki")
    assert explained(rules.errors) == [
        (
            "f.wiki:[SelfLicenseReplacement] #1 (line 1)",
            "The section [SelfLicenseReplacement] needs two rule lines, but line 3 starts a new section "
            "[Replacement].",
        ),
    ]
    assert rules.replacements == (RegexRule("a", "b", origin="f.wiki:[Replacement] #1 (line 3)"),)


@pytest.mark.parametrize(
    ("section", "lines", "reason"),
    [
        (
            "[Replacement]",
            "LookFor=(?<=a)b\nReplaceWith=c",
            "The regular expression uses a lookbehind (?<=…) (at character 1), which the safe regex engine "
            "(RE2) cannot run.",
        ),
        (
            "[SelfLicenseReplacement]",
            "LookFor=(a)\\1\nReplaceWith=c",
            "The regular expression uses a backreference (at character 4), which the safe regex engine (RE2) "
            "cannot run.",
        ),
        (
            "[PotentialProblem]",
            "IfRegex=a{1,2000}\nMessage=m",
            "The regular expression is not valid: invalid repetition size: {1,2000}",
        ),
        (
            "[Replacement]",
            "LookFor=(a)\nReplaceWith=$2",
            "The replacement text cannot be used: group 2 does not exist (the pattern has 1)",
        ),
        (
            "[Replacement]",
            "LookFor=(a)\nReplaceWith=$'",
            "The replacement text cannot be used: $' (text around the match) is not supported",
        ),
    ],
)
def test_unusable_rules_are_reported_with_their_origin(section: str, lines: str, reason: str) -> None:
    rules = parse_ftcg(
        f"# header\n{section}\n{lines}\n[Replacement]\nLookFor=ok\nReplaceWith=fine\n", "x.wiki"
    )
    assert explained(rules.errors) == [(f"x.wiki:{section} #1 (line 2)", reason)]
    assert len(rules.replacements) == 1  # the good rule after it still counts
    assert rules.problems == ()


def test_bad_single_value_regex_keys_are_reported_and_left_unset() -> None:
    text = "Summary=(?=x)\nLicensing=Lizenz\nCopyToCommonsRegex=(a)\\1\n"
    rules = parse_ftcg(text, "d.wiki")
    assert rules.heading_regexes == (("Lizenz", "license-header"),)
    assert rules.copy_to_commons is None
    assert [e.origin for e in rules.errors] == [
        "d.wiki:Summary (line 1)",
        "d.wiki:CopyToCommonsRegex (line 3)",
    ]


def test_empty_values_leave_the_defaults() -> None:
    rules = parse_ftcg("Summary=\nInformation=\nNowCommonsTag=\nCategoryNamespace=\n", "o")
    assert rules == RuleSet(origin="o")


def test_every_reason_of_the_loader_is_a_complete_message(messages: Messages) -> None:
    rules = parse_ftcg("[Replacement]\nLookFor=(?<=a)\nReplaceWith=x\n[Replacement]\n[Replacement]\nx\n", "o")
    keys = {error.key for error in rules.errors}
    assert keys == {
        "wft-rule-error-unsupported-regex",
        "wft-rule-error-ftcg-section-in-section",
        "wft-rule-error-ftcg-incomplete-section",
    }
    messages.assert_complete(keys)


def test_a_key_written_with_the_default_value_still_overrides_an_earlier_layer() -> None:
    german = RuleSet(category_namespace="Kategorie", now_commons_template="NowCommons")
    rules = parse_ftcg("CategoryNamespace=Category\nNowCommonsTag=Now Commons\n", "o")
    assert rules.explicit == {"category_namespace", "now_commons_template"}
    merged = german.merged(rules)
    assert (merged.category_namespace, merged.now_commons_template) == ("Category", "Now Commons")
    # an empty value is "not set" in FtCG: it leaves the earlier layer's value
    assert german.merged(parse_ftcg("CategoryNamespace=\n", "o")).category_namespace == "Kategorie"
