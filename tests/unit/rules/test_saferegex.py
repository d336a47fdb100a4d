"""The safe regex engine: RE2 in linear time, .NET translation, replacement templates, size limits."""

from __future__ import annotations

import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rules_helpers import Messages

from wikifile_transfer.i18n import Message
from wikifile_transfer.wikitext.rules.model import RuleError
from wikifile_transfer.wikitext.rules.saferegex import (
    MAX_PATTERN_LENGTH,
    MAX_TEXT_LENGTH,
    GroupRef,
    RegexInputTooLargeError,
    SafeRegex,
    Template,
    UnsupportedRegexError,
    compile_replacement,
    compile_rule,
    escape_replacement,
    translate_dotnet,
    translate_dotnet_replacement,
)


def compiled(pattern: str, *, case_sensitive: bool = False) -> SafeRegex:
    regex = compile_rule(pattern, "test") if not case_sensitive else SafeRegex(pattern, case_sensitive=True)
    assert isinstance(regex, SafeRegex), regex
    return regex


# --- the guarantee RE2 gives ----------------------------------------------------------------------


def test_a_catastrophic_pattern_finishes_in_linear_time() -> None:
    regex = compiled(r"(a+)+$")
    text = "a" * 5000 + "b"
    started = time.perf_counter()
    assert regex.search(text) is None
    assert regex.sub("x", text) == text
    assert time.perf_counter() - started < 0.1


def test_nested_alternation_blowup_is_also_linear() -> None:
    regex = compiled(r"^(\w+\s?)*$")
    text = "word " * 2000 + "!"
    started = time.perf_counter()
    assert regex.search(text) is None
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("a{1,5000}", "invalid repetition size"),
        ("(unclosed", "missing )"),
        ("a**", "bad repetition operator"),
        (r"\p{IsGreek}", "invalid character class range"),
    ],
)
def test_a_pattern_re2_rejects_becomes_a_rule_error(pattern: str, reason: str) -> None:
    result = compile_rule(pattern, "file.wiki:[Replacement] #1 (line 3)")
    assert isinstance(result, RuleError)
    assert result.origin == "file.wiki:[Replacement] #1 (line 3)"
    assert result.reason.startswith("The regular expression is not valid: ")
    assert reason in result.reason


def test_a_too_long_pattern_is_refused_before_compiling() -> None:
    result = compile_rule("a" * (MAX_PATTERN_LENGTH + 1), "o")
    assert result == RuleError("o", "wft-rule-error-regex-too-long", (str(MAX_PATTERN_LENGTH),))
    assert result.reason == f"The regular expression is longer than {MAX_PATTERN_LENGTH} characters."


def test_text_over_the_limit_is_refused_by_every_method() -> None:
    regex = compiled("a")
    huge = "a" * (MAX_TEXT_LENGTH + 1)
    with pytest.raises(RegexInputTooLargeError) as caught:
        regex.search(huge)
    assert caught.value.key == "wft-error-regex-input-too-large"
    assert caught.value.params == (str(MAX_TEXT_LENGTH + 1), str(MAX_TEXT_LENGTH))
    with pytest.raises(RegexInputTooLargeError):
        list(regex.finditer(huge))
    with pytest.raises(RegexInputTooLargeError):
        regex.sub("b", huge)
    assert regex.search("a" * MAX_TEXT_LENGTH) is not None  # the limit itself is allowed


# --- translation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dotnet", "re2"),
    [
        ("{{orphan image.*}}", r"\{\{orphan image.*\}\}"),
        ("a{2,3}b{4}c{5,}", "a{2,3}b{4}c{5,}"),
        ("x{,3}", r"x\{,3\}"),
        ("(?<year>\\d+)", r"(?P<year>[\p{Nd}]+)"),
        ("(?'year'x)", "(?P<year>x)"),
        ("(?P<year>x)", "(?P<year>x)"),
        ("(?>a+)b", "(?:a+)b"),
        ("a*+b++c?+d{2}+", "a*b+c?d{2}"),
        ("a*?b+?c??d{1,2}?", "a*?b+?c??d{1,2}?"),
        (r"end\Z", r"end\z"),
        (r"\A\z\b\B", r"\A\z\b\B"),
        (r"(?#a comment)x", "x"),
        ("(?i)x(?-i:y)(?s:.)(?U)z", "(?i)x(?-i:y)(?s:.)(?U)z"),
        ("(?:x)", "(?:x)"),
        (r"\u00e9", r"\x{00e9}"),
        (r"\x41\x{42}{2}", r"\x41\x{42}{2}"),
        (r"\e\cA\0\012", r"\x{1B}\x{1}\x{0}\x{A}"),
        (
            r"\h\H",
            r"[\t\x{20}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"
            r"[^\t\x{20}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]",
        ),
        (r"\R", r"(?:\r\n|[\n\x{0B}\f\r\x{85}\x{2028}\x{2029}])"),
        (r"\w\s\D", r"[\p{L}\p{Mn}\p{Nd}\p{Pc}][\t\n\x{0B}\f\r\x{85}\p{Z}][^\p{Nd}]"),
        (r"[\w-][\d][\W][\b]", r"[\p{L}\p{Mn}\p{Nd}\p{Pc}-][\p{Nd}][\W][\x{08}]"),
        (r"[\h]", r"[\t\x{20}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"),
        (r"[^]a][[:alpha:]x[]", r"[^\]a][[:alpha:]x\[]"),
        (r"\pL\p{Lu}\P{N}", r"\pL\p{Lu}\P{N}"),
        (r"\Q{a.b}\E+", r"\x{7B}a\x{2E}b\x{7D}+"),
        (r"\Qrest", "rest"),
        (r"\.\*\\", r"\.\*\\"),
        ("兵庫|é", "兵庫|é"),
    ],
)
def test_dotnet_constructs_re2_can_express_are_translated(dotnet: str, re2: str) -> None:
    assert translate_dotnet(dotnet) == re2
    assert isinstance(compile_rule(dotnet, "o"), SafeRegex)


@pytest.mark.parametrize(
    ("pattern", "construct", "position"),
    [
        ("a(?=b)", "a lookahead (?=…)", 2),
        ("a(?!b)", "a negative lookahead (?!…)", 2),
        ("(?<=a)b", "a lookbehind (?<=…)", 1),
        ("(?<!a)b", "a negative lookbehind (?<!…)", 1),
        (r"(a)\1", "a backreference", 4),
        (r"(?<n>a)\k<n>", "a backreference", 8),
        (r"(a)\g{1}", "a backreference", 4),
        (r"(a)\g1", "a backreference", 4),
        ("(?P<n>a)(?P=n)", "a backreference", 9),
        ("(?<open-close>x)", "a balancing group (?<name-other>…)", 1),
        ("(?<-close>x)", "a balancing group (?<name-other>…)", 1),
        ("(?<2>x)", "a numbered group (?<1>…)", 1),
        ("(?<bad name>x)", "a malformed group name", 1),
        ("(?<unclosed", "a malformed group name", 1),
        ("(?(1)a|b)", "a conditional (?(…)…)", 1),
        ("(?|a|b)", "a branch reset group (?|…)", 1),
        ("(?R)", "a recursion (?R)", 1),
        ("(?1)", "a recursion (?1)", 1),
        ("(?-1)", "a recursion (?1)", 1),
        ("(?&name)", "a recursion (?&…)", 1),
        ("(?P>name)", "a recursion (?P>…)", 1),
        ("(?+1)", "a recursion (?+…)", 1),
        ("(?*a)", "a non-atomic lookaround (?*…)", 1),
        ("(?x)a b", "the inline option (x)", 1),
        ("(?n:a)", "the inline option (n)", 1),
        ("(?)", "an empty option group (?)", 1),
        ("(?%a)", "an unknown group construct (?…", 1),
        ("(?#open", "an unterminated comment (?#…", 1),
        (r"\Gx", r"\G (the end of the previous match)", 1),
        (r"a\C", r"\C (a single byte)", 2),
        (r"a\Kb", r"\K (reset of the match start)", 2),
        (r"\X", r"\X (a grapheme cluster)", 1),
        ("[a-z-[aeiou]]", "a character class subtraction [a-z-[…]]", 6),
        ("[abc", "an unterminated character class [", 1),
        (r"[\R]", r"\R inside a character class", 2),
        (r"[\Qa\E]", r"\Q…\E inside a character class", 2),
        (r"\x{41", r"an unterminated \x{…}", 1),
        ("abc\\", "a trailing backslash", 4),
    ],
)
def test_constructs_re2_lacks_are_reported_with_a_reason(pattern: str, construct: str, position: int) -> None:
    with pytest.raises(UnsupportedRegexError) as caught:
        translate_dotnet(pattern)
    assert (caught.value.construct.text(), caught.value.position) == (construct, position)
    result = compile_rule(pattern, "rules.wiki:[Replacement] #2 (line 9)")
    assert result == RuleError(
        "rules.wiki:[Replacement] #2 (line 9)",
        "wft-rule-error-unsupported-regex",
        (caught.value.construct, str(position)),
    )
    assert result.reason == (
        f"The regular expression uses {construct} (at character {position}), which the safe regex engine "
        "(RE2) cannot run."
    )


_REGEX_PIECES = st.sampled_from(
    [
        "a",
        "é",
        "{",
        "}",
        "{2}",
        "{1,3}",
        "(",
        ")",
        "(?:",
        "(?<n>",
        "(?>",
        "[",
        "]",
        "^",
        "-",
        "*",
        "+",
        "?",
        "|",
        ".",
        "$",
        r"\w",
        r"\d",
        r"\s",
        r"\D",
        r"\h",
        r"\R",
        r"\Z",
        r"\b",
        r"\x41",
        r"\x{42}",
        r"\u0043",
        r"\pL",
        r"\p{Lu}",
        r"\Qx.\E",
        "(?#c)",
        r"\e",
        r"\0",
        r"\cA",
        "(?i)",
        "[:alpha:]",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_REGEX_PIECES, max_size=12).map("".join))
@example("a*++")  # found by hypothesis: a dropped possessive + must not expose a nested quantifier
@example("a{2}+?")
@example("a*+{")  # found by hypothesis: a "{" that is no quantifier makes the "+" before it possessive
@example("a*+{2}")
def test_translation_is_idempotent_so_re2_patterns_pass_through(pattern: str) -> None:
    try:
        once = translate_dotnet(pattern)
    except UnsupportedRegexError:
        return
    if not isinstance(compile_rule(once, "o"), SafeRegex):
        return  # RE2 refuses an invalid pattern anyway
    assert translate_dotnet(once) == once


def test_translated_classes_are_unicode_aware_like_dotnet() -> None:
    assert compiled(r"^\w+$").search("Straße_東京") is not None
    assert compiled(r"^\d+$").search("٣٤") is not None
    assert compiled(r"^a\sb$").search("a\u00a0b") is not None
    assert compiled(r"^\D$").search("x") is not None


def test_matching_is_case_insensitive_unless_asked() -> None:
    assert compiled("{{self").search("{{Self|cc-by-sa-4.0}}") is not None
    assert compiled("self", case_sensitive=True).search("Self") is None
    assert isinstance(compile_rule("self", "o", case_sensitive=True), SafeRegex)


# --- matching and replacing -----------------------------------------------------------------------


def test_search_finditer_and_match_accessors() -> None:
    regex = compiled(r"(?<name>[a-z]+)=(\d+)?")
    assert regex.groups == 2
    assert regex.groupindex == {"name": 1}
    match = regex.search("x: é key=12 other=", 3)
    assert match is not None
    assert match.group() == "key=12"
    assert match.group("name") == "key"
    assert match.span(2) == (9, 11)
    assert (match.start(), match.end()) == (5, 11)
    assert match.groups() == ("key", "12")
    matches = list(regex.finditer("a=1 b="))
    assert [m.group(1) for m in matches] == ["a", "b"]
    assert matches[1].group(2) is None
    assert matches[1].groups() == ("b", None)
    assert repr(regex) == f"SafeRegex({regex.pattern!r})"


def test_match_positions_count_characters_not_bytes() -> None:
    match = compiled("b").search("ééb")
    assert match is not None
    assert (match.start(), match.end()) == (2, 3)


def test_sub_expands_numbered_and_named_groups_and_keeps_non_ascii_text() -> None:
    regex = compiled(r"\{\{self([^}]*)\}\}")
    text = "== Lizenz ==\n{{Self|cc-by-sa-4.0}} und {{self|GFDL}}"
    assert regex.sub(r"{{self\1|author=兵庫 ü}}", text) == (
        "== Lizenz ==\n{{self|cc-by-sa-4.0|author=兵庫 ü}} und {{self|GFDL|author=兵庫 ü}}"
    )
    assert regex.sub(r"[\g<0>]", text, count=1) == "== Lizenz ==\n[{{Self|cc-by-sa-4.0}}] und {{self|GFDL}}"
    assert regex.subn("", text) == ("== Lizenz ==\n und ", 2)
    named = compiled(r"(?<k>\w+)=(?<v>\w+)")
    assert named.sub(r"\g<v>=\g<k>\n\t\\", "a=b") == "b=a\n\t\\"
    assert named.sub(r"\g<1>\g<2>", "a=b") == "ab"


def test_an_optional_group_that_did_not_take_part_expands_to_nothing() -> None:
    assert compiled(r"a(b)?c").sub(r"[\1]", "ac abc") == "[] [b]"


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        (r"\2", "group 2 does not exist (the pattern has 1)"),
        (r"\g<nope>", "no group named nope"),
        (r"\q", "unknown escape \\q"),
        ("trailing\\", "a trailing backslash"),
    ],
)
def test_an_unusable_template_is_a_value_error_and_a_rule_error(template: str, problem: str) -> None:
    regex = compiled("(a)")
    with pytest.raises(ValueError) as caught:
        regex.sub(template, "a")
    assert str(caught.value) == problem
    error = compile_replacement(regex, template, "o")
    assert error is not None and (error.origin, error.key) == ("o", "wft-rule-error-bad-replacement")
    assert error.reason == f"The replacement text cannot be used: {problem}"
    assert compile_replacement(regex, r"\1", "o") is None


def test_escape_replacement_inserts_run_time_values_literally() -> None:
    uploader = r"Back\slash \1"
    regex = compiled("%%OriginalUploader%%")
    assert regex.sub(escape_replacement(uploader), "{{PD-user|%%OriginalUploader%%}}") == (
        r"{{PD-user|Back\slash \1}}"
    )


def test_template_parse_keeps_pieces_in_order() -> None:
    assert Template.parse(r"a\1b\g<x>\\c") == Template(("a", GroupRef(1), "b", GroupRef("x"), "\\c"))
    assert Template.parse("").pieces == ()
    assert Template.parse(r"\12").max_group() == 12


@pytest.mark.parametrize(
    ("dotnet", "template"),
    [
        ("{{self$1|x}}", r"{{self\1|x}}"),
        ("$10", r"\10"),
        ("${1}0", r"\g<1>0"),
        ("$1$2", r"\1\2"),
        ("${name}", r"\g<name>"),
        ("$0 $&", r"\g<0> \g<0>"),
        ("$100", r"\g<100>"),
        ("cost: $$5 $x $", "cost: $5 $x $"),
        ("back\\slash \\1", r"back\\slash \\1"),
        ("%%OriginalUploader%%|en", "%%OriginalUploader%%|en"),
    ],
)
def test_dotnet_replacements_become_templates(dotnet: str, template: str) -> None:
    assert translate_dotnet_replacement(dotnet) == template


@pytest.mark.parametrize("symbol", ["`", "'", "+", "_"])
def test_dotnet_substitutions_without_an_equivalent_are_refused(symbol: str) -> None:
    with pytest.raises(ValueError, match="not supported"):
        translate_dotnet_replacement(f"a ${symbol} b")


# --- messages -------------------------------------------------------------------------------------


def test_reasons_are_messages_rendered_in_the_readers_language() -> None:
    # the construct is a message of its own, nested in the reason: both follow the reader's language
    error = compile_rule("(?<=a)b", "o")
    assert isinstance(error, RuleError)
    assert error.params == (Message("wft-regex-construct-lookbehind", ("(?<=…)",)), "1")
    assert error.message.text("de") == (
        "Der reguläre Ausdruck verwendet eine Lookbehind-Bedingung (?<=…) (bei Zeichen 1), was die "
        "sichere Regex-Engine (RE2) nicht ausführen kann."
    )
    assert error.message.to_json() == {
        "key": "wft-rule-error-unsupported-regex",
        "params": [{"key": "wft-regex-construct-lookbehind", "params": ["(?<=…)"]}, "1"],
    }
    bad = compile_replacement(compiled("(a)"), r"\2", "o")
    assert bad is not None
    assert bad.message.text("de") == (
        "Der Ersetzungstext kann nicht verwendet werden: Gruppe 2 existiert nicht (das Muster hat 1)"
    )


def test_every_reason_key_is_documented_and_translated(messages: Messages) -> None:
    prefixes = ("wft-rule-error-", "wft-regex-construct-", "wft-replacement-")
    reasons = [key for key in messages.en if key.startswith(prefixes)]
    assert len(reasons) > 30
    messages.assert_complete(reasons)  # the rule report is translated as a whole, not half
    assert "wft-error-regex-input-too-large" in messages.en
