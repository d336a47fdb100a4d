"""``parsing.parse`` gives the tree ``mwparserfromhell.parse`` gives: every node, every attribute."""

from __future__ import annotations

import mwparserfromhell
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mwparserfromhell.parser.builder import Builder

from wikifile_transfer.wikitext.steps import parsing
from wikifile_transfer.wikitext.steps.parsing import build, parse, shape, tokenize

PIECES = [
    "a", "b c", "\n", " ", "=", "|", "{{", "}}", "{{{", "}}}", "[[", "]]", "[", "]", "{{self|GFDL}}",
    "{{Information\n|Description=x\n|Source={{own}}\n}}", "{{a|b|c=d|e}}", "{{a|1=x|2}}", "{{{1|d}}}",
    "[[File:X.jpg|thumb|[[y]]]]", "[[Category:Z]]", "[[a|b|c]]", "[http://x.org y]", "http://x.org/a",
    "[http://x.org]", "&amp;", "&#65;", "&#x41;", "&#X41;", "<!-- c -->", "<!--", "-->", "== H ==",
    "\n== H ==\n", "=== {{int:filedesc}} ===", "<ref>r</ref>", "<br/>", "''i''", "'''b'''", "\n* item",
    "\n{|\n| c\n|}", "<nowiki>{{x}}</nowiki>", "~~~~", "__NOTOC__", "\x00", "é", "======= x =======",
    '<span style="x">y</span>', "{{ {{a}} |b}}", "{{a|b=c=d}}", "{{#if:x|y|z}}",
]  # fmt: skip
texts = st.one_of(st.lists(st.sampled_from(PIECES), max_size=16).map("".join), st.text(max_size=40))


def test_the_fast_builder_is_used_with_the_pinned_mwparserfromhell() -> None:
    """Another mwparserfromhell would fall back to its own builder (correct, slower): this says so."""
    assert parsing.FAST


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("{{a|b|c=d|e}}")
@example("== {{int:filedesc}} ==\n{{Information\n|Description=x\n}}\n<!-- c -->[[a|b]]")
def test_parse_is_mwparserfromhell_parse(text: str) -> None:
    ours, theirs = parse(text), mwparserfromhell.parse(text)
    assert shape(ours) == shape(theirs)
    assert str(ours) == str(theirs)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_build_is_builder_build(text: str) -> None:
    assert shape(build(tokenize(text))) == shape(Builder().build(tokenize(text)))


def test_every_parse_is_a_new_tree() -> None:
    first, second = parse("{{a|b}}"), parse("{{a|b}}")
    first.nodes[0].name = "c"
    assert str(second) == "{{a|b}}" and str(first) == "{{c|b}}"


def test_the_nodes_behave_as_parsed_ones() -> None:
    """Setters, methods and the filter machinery work on the nodes the fast builder makes."""
    code = parse("{{Information|description=x|2}}\n== H ==\n[[a|b]]<!-- c -->")
    template = code.filter_templates()[0]
    template.add("source", "y")
    template.get("description").value = "z"
    code.filter_headings()[0].title = " K "
    code.filter_wikilinks()[0].text = None
    assert str(code) == "{{Information|description=z|2|source=y}}\n== K ==\n[[a]]<!-- c -->"
    assert shape(code) == shape(mwparserfromhell.parse(str(code)))
