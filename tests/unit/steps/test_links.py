"""Step 6 (links): FileImporter WikiLinkPrefixer / NamespaceUnlocalizer behaviour."""

from __future__ import annotations

import mwparserfromhell
import pytest
from steps_fakes import context

from wikifile_transfer.wikitext.steps.base import StepReport
from wikifile_transfer.wikitext.steps.links import prefix_links

DE_NAMESPACES = {
    "benutzer": "User",
    "benutzerin": "User",
    "kategorie": "Category",
    "datei": "File",
    "hilfe": "Help",
}

CASES = [
    ("[[Sunset]]", "[[:en:Sunset|Sunset]]"),
    ("[[Sunset|the sun]]", "[[:en:Sunset|the sun]]"),
    ("[[Sunset#Colour|x]]", "[[:en:Sunset#Colour|x]]"),
    ("[[:User:Alice]]", "[[:en:User:Alice|User:Alice]]"),
    ("[[User talk:Alice|talk]]", "[[:en:User talk:Alice|talk]]"),
    (
        "[[Wikipedia:FTCG]] [[Help:Files]]",
        "[[:en:Wikipedia:FTCG|Wikipedia:FTCG]] [[:en:Help:Files|Help:Files]]",
    ),
    ("[[Star Wars: Episode I]]", "[[:en:Star Wars: Episode I|Star Wars: Episode I]]"),
    ("{{Information|author=[[User:A|A]]}}", "{{Information|author=[[:en:User:A|A]]}}"),
    # left alone: categories, files, media, interwiki and language links, anchors, templated titles
    (
        "[[Category:X]] [[:Category:X]] [[File:A.jpg|thumb|[[Sunset]]]]",
        "[[Category:X]] [[:Category:X]] [[File:A.jpg|thumb|[[:en:Sunset|Sunset]]]]",
    ),
    ("[[Image:A.jpg]] [[Media:A.ogg]] [[:File:A.jpg]]", None),
    ("[[de:Sonne]] [[:fr:Soleil]] [[w:Sun]] [[wikt:sun]] [[#Licensing]] [[{{PAGENAME}}]] [[ ]]", None),
    ("[[:en:Sunset|Sunset]] [[:w:en:Sunset|Sunset]]", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_links_en(text: str, expected: str | None) -> None:
    code = mwparserfromhell.parse(text)
    report = StepReport()
    prefix_links(code, context(), report)
    assert str(code) == (expected or text)
    assert bool(report.changes) == (expected is not None)
    again = mwparserfromhell.parse(str(code))
    prefix_links(again, context(), StepReport())
    assert str(again) == str(code)


def test_namespace_unlocalised_and_two_hop_prefix() -> None:
    code = mwparserfromhell.parse(
        "[[Benutzer:Alice]] [[Hilfe:Bilder|Hilfe]] [[Kategorie:X]] [[Datei:A.jpg]] [[Sonne]]"
    )
    report = StepReport()
    prefix_links(
        code,
        context(
            namespaces=DE_NAMESPACES,
            interwiki_prefix="w:de",
            category_namespace_names=("Kategorie", "Category"),
        ),
        report,
    )
    assert str(code) == (
        "[[:w:de:User:Alice|Benutzer:Alice]] [[:w:de:Help:Bilder|Hilfe]] [[Kategorie:X]] [[Datei:A.jpg]] "
        "[[:w:de:Sonne|Sonne]]"
    )
    assert report.changes[0].params == ("3",)


def test_no_prefix_warns_once_and_changes_nothing() -> None:
    text = "[[Sunset]] [[Moon]]"
    code = mwparserfromhell.parse(text)
    report = StepReport()
    prefix_links(code, context(interwiki_prefix=None), report)
    assert str(code) == text
    assert [n.key for n in report.warnings] == ["wft-warn-no-interwiki-prefix"]


def test_no_links_no_warning() -> None:
    report = StepReport()
    prefix_links(mwparserfromhell.parse("[[Category:A]] text"), context(interwiki_prefix=None), report)
    assert report.warnings == [] and report.changes == []
