"""CommonsHelper2 / FileImporter rule pages, with the outcomes FileImporter's own tests expect.

Ported from FileImporter's CommonsHelperConfigParserTest (provideCommonsHelperConfig,
testHeadingReplacements, provideTransferRules) and CommonsHelperConfigRetrieverTest (page titles).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_helpers import Messages, explained

from wikifile_transfer.wikitext.rules import (
    RuleSyntaxError,
    parse_commonshelper,
    rule_page_title,
)
from wikifile_transfer.wikitext.rules.model import (
    InformationNames,
    ParamRule,
    RuleSet,
    TransferRule,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules" / "fileimporter"

HEAD = "== Categories ==\n=== Bad ===\n== Templates ==\n=== Good ===\n=== Bad ===\n=== Remove ===\n=== Transfer ===\n"
TAIL = "\n== Information ==\n=== Description ===\n=== Licensing ==="
EMPTY_PAGE = HEAD + TAIL


# --- provideCommonsHelperConfig --------------------------------------------------------------------

FULL_LISTS = (["GoodTemplate"], ["BadTemplate"], ["BadCategory"], ["ObsoleteTemplate"])


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("empty-lists.wiki", ([], [], [], [])),
        (
            "simple-1-element-lists.wiki",
            (["GoodTemplate"], ["BadTemplate"], ["兵庫県立考古博物館"], ["ObsoleteTemplate"]),
        ),
        ("compressed-syntax.wiki", FULL_LISTS),
        ("tabs.wiki", FULL_LISTS),
        ("additional-elements-to-ignore.wiki", FULL_LISTS),
    ],
)
def test_config_pages_give_the_lists_fileimporter_expects(
    fixture: str, expected: tuple[list[str], list[str], list[str], list[str]]
) -> None:
    rules = parse_commonshelper((FIXTURES / fixture).read_text(encoding="utf-8"), fixture)
    good, bad, bad_categories, remove = expected
    assert rules.good_templates == frozenset(good)
    assert rules.bad_templates == frozenset(bad)
    assert rules.bad_categories == frozenset(bad_categories)
    assert rules.remove_templates == frozenset(remove)
    assert (rules.transfer, rules.description_headings, rules.licensing_headings, rules.errors) == (
        (),
        (),
        (),
        (),
    )


def test_missing_lists_give_empty_rules() -> None:
    rules = parse_commonshelper(EMPTY_PAGE + "\n", "page", revision=7)
    assert rules == RuleSet(origin="page", revision=7)


@pytest.mark.parametrize(
    ("wikitext", "section"),
    [
        ("", "Categories"),
        ("== Categories ==\n=== Bad ===\n== Templates ==\n=== Good ===\n== Information ==", "Templates/Bad"),
        ("== Categories ==\n=== Bad ===\n== Templates ==\n== Information ==", "Templates/Good"),
        (
            "== Categories ==\n=== Bad ===\n== Templates ==\n=== Good ===\n=== Bad ===\n== Information ==",
            "Templates/Remove",
        ),
        (
            "== Categories ==\n=== Bad ===\n== Templates ==\n=== Good ===\n=== Bad ===\n=== Remove ===\n"
            "== Information ==",
            "Templates/Transfer",
        ),
        ("== Categories ==\n== Templates ==\n== Information ==", "Categories/Bad"),
        ("== Categories ==\n== Templates ==", "Information"),
        (HEAD + "== Information ==", "Information/Description"),
        (HEAD + "== Information ==\n=== Description ===", "Information/Licensing"),
        ("== Categories ==\n== Information ==", "Templates"),
        (
            "== templates ==\n" + EMPTY_PAGE.replace("== Templates ==", ""),
            "Templates",
        ),  # headings are case-sensitive
    ],
)
def test_a_missing_section_raises_naming_it(wikitext: str, section: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_commonshelper(wikitext, "mw:Extension:FileImporter/Data/xx.wikipedia")
    assert caught.value.key == "wft-error-rules-missing-section"
    assert caught.value.params == ("mw:Extension:FileImporter/Data/xx.wikipedia", section)


def test_a_section_commented_out_counts_as_missing() -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_commonshelper(EMPTY_PAGE.replace("=== Remove ===", "<!-- === Remove === -->"), "p")
    assert caught.value.params[1] == "Templates/Remove"


def test_heading_replacements() -> None:
    wikitext = (
        "== Categories ==\n=== Bad ===\n== Templates ==\n=== Good ===\n=== Bad ===\n=== Remove ===\n"
        "=== Transfer ===\n== Information ==\n=== Description ===\n* A\n=== Licensing ===\n* 兵庫県立考古博物館"
    )
    rules = parse_commonshelper(wikitext, "p")
    assert rules.description_headings == ("A",)
    assert rules.licensing_headings == ("兵庫県立考古博物館",)


def test_a_heading_in_both_lists_stays_a_description_heading() -> None:
    page = EMPTY_PAGE.replace("=== Description ===", "=== Description ===\n* Both\n* Only here").replace(
        "=== Licensing ===", "=== Licensing ===\n* Both\n* Lizenz"
    )
    rules = parse_commonshelper(page, "p")
    assert rules.description_headings == ("Both", "Only here")
    assert rules.licensing_headings == ("Lizenz",)


def test_sections_end_at_the_next_heading_of_the_same_or_higher_level_and_order_does_not_matter() -> None:
    page = (
        "Intro text\n== Information ==\n=== Licensing ===\n* Licence\n==== Deeper ====\n* still licensing\n"
        "=== Description ===\n* Desc\n"
        "== Templates ==\n=== Transfer ===\n=== Remove ===\n* R\n=== Bad ===\n* B\n=== Good ===\n* G\n"
        "== Categories ==\n=== Bad ===\n* C\n== Other ==\n* not a category\n"
    )
    rules = parse_commonshelper(page, "p")
    assert rules.licensing_headings == ("Licence", "still licensing")
    assert rules.description_headings == ("Desc",)
    assert (rules.remove_templates, rules.bad_templates, rules.good_templates) == ({"R"}, {"B"}, {"G"})
    assert rules.bad_categories == {"C"}


def test_words_of_a_heading_match_with_any_spacing() -> None:
    # FileImporter: "== Foo bar ==" also matches "==Foobar=="; one-word names match with tabs and spaces
    page = EMPTY_PAGE.replace("== Categories ==", "==\t Categories  ==  ")
    assert parse_commonshelper(page, "p").bad_categories == frozenset()


def test_windows_line_breaks_are_read() -> None:
    page = EMPTY_PAGE.replace("=== Good ===", "=== Good ===\n* Cc-by-4.0").replace("\n", "\r\n")
    assert parse_commonshelper(page, "p").good_templates == {"Cc-by-4.0"}


def test_duplicate_items_are_kept_once_in_order() -> None:
    page = EMPTY_PAGE.replace("=== Description ===", "=== Description ===\n* A\n* B\n* A")
    assert parse_commonshelper(page, "p").description_headings == ("A", "B")


def test_commonshelper2_information_template_section_is_read_when_present() -> None:
    page = EMPTY_PAGE.replace("=== Licensing ===", "=== Licensing ===\n=== Template ===\n* Infobox Datei")
    rules = parse_commonshelper(page, "p")
    assert rules.information == InformationNames(template="Infobox Datei")
    page = EMPTY_PAGE.replace("=== Licensing ===", "=== Licensing ===\n=== Template ===\n")
    assert parse_commonshelper(page, "p").information == InformationNames()


# --- provideTransferRules ----------------------------------------------------------------------------


def _rule(target: str = "Target", *params: ParamRule, source: str = "Source") -> TransferRule:
    return TransferRule(source, target, tuple(params), origin="p: Templates/Transfer (line 8)")


def _param(
    target: str = "target_param", *sources: str, add: str | None = None, lang: bool = False
) -> ParamRule:
    return ParamRule(target, tuple(sources), add, lang)


TRANSFER_CASES: dict[str, tuple[tuple[TransferRule, ...], int]] = {
    # wikitext line → (expected rules, number of reported errors)
    ";": ((), 1),
    ";Source": ((), 1),
    ";Source:": ((), 1),
    ";Source\n:": ((), 1),
    ";Source\n\n:Target": ((), 1),
    ";Source:Target|incomplete": ((_rule(),), 1),
    ";Source|param:Target": ((), 1),
    ";Source:subst:Target": ((_rule("subst:Target"),), 0),
    ";兵庫県立考古博物館:兵庫県立考古博物館": (
        (_rule("兵庫県立考古博物館", source="兵庫県立考古博物館"),),
        0,
    ),
    ";Source:Target": ((_rule(),), 0),
    ";Source\n:Target": ((_rule(),), 0),
    ";Source:Target|": ((_rule(),), 0),
    ";Source:Target|target_param=source_param": (
        (_rule("Target", _param("target_param", "source_param")),),
        0,
    ),
    "; Source : Target | target_param = source_param": (
        (_rule("Target", _param("target_param", "source_param")),),
        0,
    ),
    ";Source:Target|+target_param=static value": ((_rule("Target", _param(add="static value")),), 0),
    ";Source:Target|@target_param=source_param": (
        (_rule("Target", _param("target_param", "source_param", lang=True)),),
        0,
    ),
    # "+@ combination leaves a meaningless @ behind", "@+ … a meaningless + behind" (FileImporter)
    ";Source:Target|+@target_param=static value": (
        (_rule("Target", _param("@target_param", add="static value")),),
        0,
    ),
    ";Source:Target|@+target_param=source_param": (
        (_rule("Target", _param("+target_param", "source_param", lang=True)),),
        0,
    ),
    ";Source:Target|target_param=%MAGIC_WORD%": ((_rule(),), 1),
    ";Source:Target|@target_param=source_param1|target_param=source_param2": (
        (_rule("Target", _param("target_param", "source_param1", "source_param2", lang=True)),),
        0,
    ),
    ";Source:Target|target_param=source_param|+target_param=static value": (
        (_rule("Target", _param("target_param", "source_param", add="static value")),),
        0,
    ),
}


@pytest.mark.parametrize(("line", "expected"), TRANSFER_CASES.items(), ids=list(TRANSFER_CASES))
def test_transfer_rules(line: str, expected: tuple[tuple[TransferRule, ...], int]) -> None:
    rules = parse_commonshelper(HEAD + line + TAIL, "p")
    assert rules.transfer == expected[0]
    assert len(rules.errors) == expected[1]


def test_every_line_of_the_shared_fixture_has_an_expected_outcome() -> None:
    lines = (FIXTURES / "transfer-rule-lines.txt").read_text(encoding="utf-8").splitlines()
    ported = [line for line in lines if not line.startswith("#")]
    assert ported and set(ported) <= set(TRANSFER_CASES)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            ";Source|param:Target",
            "This transfer line cannot be read: ;Source|param:Target. Write it as ; Local template : "
            "Target template | target_param=local_param.",
        ),
        (";Source:Target|incomplete", 'The parameter rule "incomplete" is ignored: it has no "=".'),
        (
            ";Source:Target|+author=%AUTHOR%",
            'The parameter rule "+author=%AUTHOR%" is ignored: placeholders such as %AUTHOR% are not supported.',
        ),
    ],
)
def test_unreadable_transfer_parts_are_reported_not_raised(line: str, reason: str) -> None:
    rules = parse_commonshelper(HEAD + line + TAIL, "p")
    assert explained(rules.errors) == [("p: Templates/Transfer (line 8)", reason)]


def test_several_rules_numbers_and_later_lines_for_the_same_template() -> None:
    transfer = (
        "; Information : Information | @description=1 | description=desc | description=Desc | date=2\n"
        ";Bild-CC-by-sa/4.0\n:Cc-by-sa-4.0\n"
        ";Information:Information|author=Urheber\n"
    )
    rules = parse_commonshelper(HEAD + transfer + TAIL, "p")
    assert [r.source for r in rules.transfer] == ["Information", "Bild-CC-by-sa/4.0"]
    # the last line for a template replaces the earlier one (FileImporter keys rules by template)
    assert rules.transfer_rule("information") == TransferRule(
        "Information", "Information", (ParamRule("author", ("Urheber",)),), "p: Templates/Transfer (line 11)"
    )
    assert rules.transfer_rule("Bild-CC-by-sa/4.0") == TransferRule(
        "Bild-CC-by-sa/4.0", "Cc-by-sa-4.0", (), "p: Templates/Transfer (line 9)"
    )


def test_error_lines_count_in_the_page_as_written_with_comments() -> None:
    page = "<!--\nlong\nintro\ncomment\n-->\n" + HEAD + "<!-- x -->;broken\n;Ok:Fine|+a=<!-- -->b" + TAIL
    rules = parse_commonshelper(page, "p")
    assert explained(rules.errors) == [
        (
            "p: Templates/Transfer (line 13)",
            "This transfer line cannot be read: ;broken. Write it as ; Local template : Target template | "
            "target_param=local_param.",
        ),
    ]
    assert rules.transfer == (
        TransferRule("Ok", "Fine", (ParamRule("a", (), "b"),), "p: Templates/Transfer (line 14)"),
    )


# --- CommonsHelperConfigRetriever: page titles ----------------------------------------------------


@pytest.mark.parametrize(
    ("host", "page"),
    [
        ("de.wikipedia.org", "de.wikipedia"),
        ("en.MediaWiki.org", "en.mediawiki"),
        ("www.mediawiki.org", "www.mediawiki"),
        ("www.Wikipedia.org", "www.wikipedia"),
        ("mediawiki.org", "www.mediawiki"),
        ("wikipedia.org", "www.wikipedia"),
        ("en.m.de", "en.m"),
        ("en.comics.wikia.com", "en.comics.wikia"),
        ("de.wikipedia.beta.wmflabs.org", "de.wikipedia"),
        ("commons.wikimedia.org", "commons.wikimedia"),
        ("wiki.example.org:8080", "wiki.example"),
        ("127.0.0.1", "127.0.0"),
    ],
)
def test_rule_page_title(host: str, page: str) -> None:
    assert rule_page_title(host) == f"Extension:FileImporter/Data/{page}"


def test_every_reason_of_the_loader_is_a_complete_message(messages: Messages) -> None:
    rules = parse_commonshelper(HEAD + ";broken\n;A:B|x|+y=%AUTHOR%" + TAIL, "p")
    keys = {error.key for error in rules.errors}
    assert keys == {
        "wft-rule-error-transfer-line",
        "wft-rule-error-transfer-param-syntax",
        "wft-rule-error-transfer-param-placeholder",
    }
    messages.assert_complete(keys)


def test_the_information_template_overrides_an_earlier_layer_only_when_the_page_names_one() -> None:
    earlier = RuleSet(information=InformationNames(template="Info"))
    without = parse_commonshelper(EMPTY_PAGE, "p")
    assert earlier.merged(without).information.template == "Info"
    named = parse_commonshelper(EMPTY_PAGE + "\n=== Template ===\n* Information\n", "p")
    assert named.explicit == {"information"}
    assert earlier.merged(named).information.template == "Information"  # even though it is the default
