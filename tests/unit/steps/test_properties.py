"""Properties of ``convert`` on wikitext from a small grammar (text, headings, templates with params,
links, categories, comments):

* the output parses and re-serialises byte for byte;
* converting the output again changes nothing;
* no word is lost, except inside spans the report lists as removed, headings it replaced, and categories
  it localised (their old names are in ``categories_localised``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import mwparserfromhell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from steps_fakes import FakeLookups, context

from wikifile_transfer.wikitext.steps.base import ConvertContext, FileFacts
from wikifile_transfer.wikitext.steps.pipeline import convert

WORDS = ["apple", "river", "stone", "cloud", "maple", "tiger", "ocean", "piano", "lemon", "amber"]


class EverythingExists(FakeLookups):
    """Every template exists on the target; categories Alpha→Beta localise, Beta and Gamma exist."""

    def existing_on_target(self, titles: Iterable[str]) -> set[str]:
        asked = tuple(titles)
        return {t for t in asked if t.startswith("Template:") or t in {"Category:Beta", "Category:Gamma"}}


def _ctx() -> ConvertContext:
    return context(
        lookups=EverythingExists(categories={"Category:Alpha": "Category:Beta"}),
        facts=FileFacts(original_uploader="Zed", first_upload="2001-01-01T00:00:00Z"),
    )


word = st.sampled_from(WORDS)
words = st.lists(word, min_size=1, max_size=4).map(" ".join)
link = st.one_of(
    word.map(lambda w: f"[[{w.title()}]]"),
    st.tuples(word, word).map(lambda p: f"[[{p[0].title()}|{p[1]}]]"),
    word.map(lambda w: f"[[User:{w.title()}|{w}]]"),
    word.map(lambda w: f"[[:Category:{w.title()}]]"),
    word.map(lambda w: f"[[de:{w.title()}]]"),
)
value = st.one_of(words, link, st.tuples(words, link).map(" ".join))
param = st.one_of(
    value,
    st.tuples(st.sampled_from(["Description", "Source", "Author", "Date", "other", "1"]), value).map(
        lambda p: f"{p[0]}={p[1]}"
    ),
)
template = st.tuples(
    st.sampled_from(["Information", "GFDL", "mtc", "Self", "w", "Orphan image", "PD-self", "Note"]),
    st.lists(param, max_size=3),
).map(lambda t: "{{" + "|".join([t[0], *t[1]]) + "}}")
inline = st.one_of(words, link, template)
line = st.one_of(
    st.lists(inline, min_size=1, max_size=3).map(" ".join),
    st.tuples(
        st.sampled_from(["==", "==="]), st.one_of(words, st.sampled_from(["Summary", "Licensing:"]))
    ).map(lambda h: f"{h[0]} {h[1]} {h[0]}"),
    st.sampled_from(["Alpha", "Beta", "Gamma", "Delta"]).map(lambda c: f"[[Category:{c}]]"),
    words.map(lambda w: f"<!-- {w} -->"),
    st.just(""),
)
page = st.lists(line, max_size=8).map("\n".join)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower())) & set(WORDS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page)
def test_convert_properties(text: str) -> None:
    ctx = _ctx()
    result = convert(text, ctx)
    out = result.text
    assert str(mwparserfromhell.parse(out)) == out
    assert convert(out, ctx).text == out
    excused = _words(" ".join(result.report.removed))
    excused |= _words(" ".join(n.params[0] for n in result.report.changes if n.key == "wft-change-heading"))
    excused |= _words(" ".join(result.report.categories_localised))
    missing = _words(text) - excused - _words(out)
    assert not missing, (missing, out, result.report)


def test_grammar_examples_exercise_the_steps() -> None:
    """A fixed sample of the grammar, so a change that makes the property vacuous is noticed."""
    text = (
        "== Summary ==\napple [[River]] {{w|stone}}\n{{mtc|cloud}}\n{{Self|GFDL}}\n"
        "[[Category:Alpha]]\n[[Category:Delta]]\n<!-- maple -->"
    )
    result = convert(text, _ctx())
    assert result.text == (
        "== {{int:filedesc}} ==\n{{Information\n|description={{en|1=apple [[:en:River|River]] {{w|stone}}}}\n"
        "|date={{original upload date|2001-01-01}}\n|source={{own work by original uploader}}\n"
        "|author=[[:en:User:Zed|Zed]]\n|permission=\n|other versions=\n}}\n"
        "{{self|GFDL|author=[[:en:User:Zed|]]}}\n[[Category:Beta]]\n<!-- [[Category:Delta]] -->\n<!-- maple -->\n"
    )
    assert result.report.removed == ["{{mtc|cloud}}\n", "{{Self|GFDL}}"]
