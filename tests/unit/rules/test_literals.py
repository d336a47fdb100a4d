"""The literal pre-test of rule regexes: sound (never skips a text RE2 would match), and useful on the
bundled rules (each of them has a word to test)."""

from __future__ import annotations

import pytest
import re2
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wikifile_transfer.transfer.describe import rules_for
from wikifile_transfer.wikitext.rules.literals import excluded, required_literals
from wikifile_transfer.wikitext.rules.saferegex import SafeRegex, compile_rule, translate_dotnet


def test_case_folding_of_ascii_characters_matches_re2() -> None:
    """The argument the pre-test rests on: whatever RE2 matches case-insensitively for an ASCII
    character (``K`` KELVIN SIGN for ``k``, ``ſ`` LONG S for ``s``) casefolds to that character's fold."""
    every_character = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    options = re2.Options()
    options.case_sensitive = False
    for char in map(chr, range(128)):
        for match in re2.compile(re2.escape(char), options).finditer(every_character):
            assert match.group().casefold() == char.casefold(), (char, match.group())


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"\{\{PD-self([^}]*)\}\}", {"{{pd-self"}),
        (r"\{\{(ffd|puf)", {"ffd", "puf"}),
        (r"\{\{(keep ?local|nocommons)", {"local", "nocommons"}),
        (r"= *I .*created this (image|work) entirely by myself.?", {" entirely by myself"}),
        (r"ab+c", {"ab"}),
        (r"x(?:abc)+y", {"abc"}),
        (r"(?i)Foo", {"foo"}),
        (r"(?P<n>abc)d", {"abc"}),
        (r"\.\{x", {".{x"}),
        (r"ab{2,3}", {"ab"}),
    ],
)
def test_required_words(pattern: str, needs: set[str]) -> None:
    assert required_literals(pattern) == needs


@pytest.mark.parametrize(
    "pattern",
    [
        "a|",  # an empty alternative matches anything
        "(abc)?",
        "(abc)*x?",
        "a*",
        "[[:alpha:]]abc]",  # nested brackets are not read
        r"\Qabc\E",
        r"a\1",
        "abc)",
        "",
        "(?#comment)",
        "é",  # non-ASCII literals are not kept
        r"\pLabc{",
    ],
)
def test_nothing_known(pattern: str) -> None:
    needs = required_literals(pattern)
    assert needs is None or all(word and word.isascii() for word in needs)
    if pattern in ("a|", "(abc)?", "(abc)*x?", "a*", "", "é"):
        assert needs is None


def test_every_bundled_rule_regex_has_a_word() -> None:
    """Speed, not correctness: a rule without a word runs RE2 on every page (bench/convert.py uses
    these rules). A new rule may fail this for good reason; then drop it from here."""
    rules = rules_for("en.wikipedia", "commons")
    patterns = [r.pattern for r in rules.replacements] + [p.match for p in rules.problems if p.is_regex]
    for pattern in [*patterns, rules.copy_to_commons or ""]:
        regex = compile_rule(pattern, "test")
        assert isinstance(regex, SafeRegex) and regex.needs, pattern


# --- soundness: a skipped text never has a match -------------------------------------------------

_ATOMS = [
    "a", "b", "k", "s", "K", "S", " ", "-", "x", "\\{", "\\}", "\\|", "\\.", ".", "\\d", "\\w", "\\s",
    "\\b", "^", "$", "[ab]", "[^}]", "[]a]", "[\\]k]", "\\x{212A}", "\\pL", "\\p{Greek}", "é", "(?i)",
    "(?-i)", "(?s)",
]  # fmt: skip
_QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?"]


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    """RE2 patterns from atoms, quantifiers, groups and alternation (some are invalid: skipped)."""
    items = []
    for _ in range(draw(st.integers(0, 5))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            opener = draw(st.sampled_from(["(", "(?:", "(?P<g>", "(?i:"]))
            item = opener + draw(patterns(depth + 1)) + ")"
        else:
            item = draw(st.sampled_from(_ATOMS))
        items.append(item + draw(st.sampled_from(_QUANTIFIERS)))
    sequence = "".join(items)
    if draw(st.booleans()):
        return sequence
    return sequence + "|" + draw(patterns(depth + 1)) if depth < 2 else sequence


texts = st.text(alphabet=st.sampled_from([*"abksxKSé{}|. -", "\u212a", "\u017f", "ß", "İ"]), max_size=30)


@settings(max_examples=800, deadline=None)
@given(patterns(), texts, st.booleans())
@example(r"\{\{self", "{{\u017fELF}}", False)
@example("kk", "\u212ak", False)
def test_a_text_the_test_excludes_has_no_match(pattern: str, text: str, case_sensitive: bool) -> None:
    try:
        regex = SafeRegex(pattern, case_sensitive=case_sensitive)
    except re2.error:
        return
    if excluded(regex.needs, text.casefold()):
        assert regex.search(text) is None, (pattern, text, regex.needs)
    if regex.excluded_by(text.casefold()):
        assert regex.search(text, folded=text.casefold()) is None


_PIECES = [*"ab{}()[]|\\*+?.^$-:", "(?", "{2}", "\\x{", "(?<n>", "\\p{L}"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), texts)
def test_translated_patterns_are_read_soundly(pattern: str, text: str) -> None:
    """.NET patterns as the loaders give them, through ``compile_rule``: never an error, never a
    skipped match."""
    try:
        translate_dotnet(pattern)
    except ValueError:
        return
    regex = compile_rule(pattern, "test")
    if isinstance(regex, SafeRegex) and regex.excluded_by(text.casefold()):
        assert regex.search(text) is None, (pattern, text, regex.needs)
