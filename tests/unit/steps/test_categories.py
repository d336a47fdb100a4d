"""Step 7 (categories): localised, kept or commented out, with two batched lookups."""

from __future__ import annotations

import mwparserfromhell
from steps_fakes import FakeLookups, context

from wikifile_transfer.wikitext.steps.base import StepReport
from wikifile_transfer.wikitext.steps.categories import localise_categories


def test_localise_keep_comment_in_batches() -> None:
    lookups = FakeLookups(
        categories={"Category:Sunsets": "Kategorie:Sonnenuntergang", "Category:Same": "Same"},
        existing={"Kategorie:Haifa"},
    )
    ctx = context(
        lookups=lookups, target_category_namespace="Kategorie", category_namespace_names=("Category", "Cat")
    )
    text = (
        "[[Category:Sunsets|key]]\n[[category:haifa]]\n[[Cat:Same]]\n[[Category:Nowhere_Land|k]]\n"
        "[[:Category:Sunsets]]\n[[Category:Sunsets]]\n[[Kategorie:Haifa]]\n[[Category:]]"
    )
    code = mwparserfromhell.parse(text)
    report = StepReport()
    localise_categories(code, ctx, report)
    assert str(code) == (
        "[[Kategorie:Sonnenuntergang|key]]\n[[Kategorie:Haifa]]\n[[Kategorie:Same]]\n"
        "<!-- [[Category:Nowhere_Land|k]] -->\n[[:Category:Sunsets]]\n[[Kategorie:Sonnenuntergang]]\n"
        "[[Kategorie:Haifa]]\n[[Category:]]"
    )
    assert lookups.calls == [
        ("category_links", ("Category:Sunsets", "Category:Haifa", "Category:Same", "Category:Nowhere Land")),
        ("existing_on_target", ("Kategorie:Haifa", "Kategorie:Nowhere Land")),
    ]
    assert report.categories_localised == {
        "Category:Sunsets": "Kategorie:Sonnenuntergang",
        "Category:Same": "Kategorie:Same",
    }
    assert report.categories_kept == ["Haifa", "Haifa"]
    assert report.categories_commented == ["Nowhere Land"]
    assert [n.key for n in report.changes] == [
        "wft-change-category-localised",
        "wft-change-category-commented",
        "wft-change-category-localised",
    ]
    # a second run: the commented one is a comment now, the others are target categories that exist
    lookups.existing |= {"Kategorie:Sonnenuntergang", "Kategorie:Same"}
    again = mwparserfromhell.parse(str(code))
    localise_categories(again, ctx, StepReport())
    assert str(again) == str(code)


def test_no_categories_no_lookups() -> None:
    lookups = FakeLookups()
    localise_categories(
        mwparserfromhell.parse("[[:Category:A]] [[User:B]] [[A]]"), context(lookups=lookups), StepReport()
    )
    assert lookups.calls == []


def test_all_localised_skips_existence_lookup() -> None:
    lookups = FakeLookups(categories={"Category:A": "Category:A"})
    report = StepReport()
    localise_categories(mwparserfromhell.parse("[[Category:A]]"), context(lookups=lookups), report)
    assert [c[0] for c in lookups.calls] == ["category_links"]
    assert report.changes == []  # same name: nothing to tell the user
