"""The minimal description transform on real description pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikifile_transfer.wikitext.minimal import transform

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def test_headings_templates_categories() -> None:
    text = (
        "== Summary ==\n{{Copy to Wikimedia Commons|human=Alice}}\n"
        "{{Information|description=A sunset|author=[[User:Alice]]}}\n"
        "== Licensing: ==\n{{Cc-by-sa-4.0}}\n\n"
        "[[Category:Sunsets]]\n[[category:Test_images|sortkey]]\n[[:Category:Only a link]]\n"
    )
    result = transform(text, category_prefixes=["Category"])
    assert result.text == (
        "== {{int:filedesc}} ==\n"
        "{{Information|description=A sunset|author=[[User:Alice]]}}\n"
        "== {{int:license-header}} ==\n{{Cc-by-sa-4.0}}\n\n"
        "<!-- [[Category:Sunsets]] -->\n<!-- [[category:Test_images|sortkey]] -->\n"
        "[[:Category:Only a link]]\n"
    )
    assert result.commented_categories == ["Sunsets", "Test_images"]
    keys = [c.key for c in result.changes]
    assert keys.count("wft-change-heading") == 2
    assert "wft-change-template-removed" in keys


@pytest.mark.parametrize(
    "name", ["mtc", "Move to Commons", "copy to commons", "Copy_to_Wikimedia_Commons", "To commons"]
)
def test_copy_to_commons_variants_removed(name: str) -> None:
    result = transform(f"{{{{{name}}}}}\nText\n", category_prefixes=["Category"])
    assert result.text == "Text\n"


def test_localised_category_namespace_and_alias() -> None:
    text = "[[Kategorie:Sonnenuntergänge]]\n[[Category:Sunsets]]\n[[Datei:X.png]]\n"
    result = transform(text, category_prefixes=["Kategorie", "Category"])
    assert result.commented_categories == ["Sonnenuntergänge", "Sunsets"]
    assert "[[Datei:X.png]]" in result.text


def test_unrelated_text_round_trips() -> None:
    text = "{{Information\n|description = {{en|1=Nested {{tpl}}}}\n|source     = own\n}}\n== Other ==\nfoo\n"
    assert transform(text, category_prefixes=["Category"]).text == text


def test_empty_text() -> None:
    result = transform("", category_prefixes=["Category"])
    assert result.text == ""
    assert result.changes == []


@pytest.mark.parametrize("page", sorted(p.name for p in PAGES.glob("*.wikitext")))
def test_real_pages_keep_templates_and_hide_categories(page: str) -> None:
    """Real description pages: every template survives, no live category link remains."""
    text = (PAGES / page).read_text(encoding="utf-8")
    result = transform(text, category_prefixes=["Category"])
    for line in result.text.splitlines():
        if "[[Category:" in line:
            assert line.strip().startswith("<!--"), line
    assert result.text.count("{{") >= text.count("{{") - sum(
        1 for c in result.changes if c.key == "wft-change-template-removed"
    )
