"""Step 8 (layout): tidy rules and where the provenance section goes."""

from __future__ import annotations

import pytest

from wikifile_transfer.wikitext.steps.layout import place_provenance, tidy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\n\n\n\nb", "a\n\nb\n"),
        ("a  \t\nb ", "a\nb\n"),
        ("\n\na\n\n\n", "a\n"),
        ("", ""),
        ("  \n\n", ""),
    ],
)
def test_tidy(text: str, expected: str) -> None:
    assert tidy(text) == expected
    assert tidy(tidy(text)) == tidy(text)


PROV = "== {{Original upload log}} ==\n{{original description page|en.wikipedia|X.jpg}}\n"


def test_provenance_goes_before_the_closing_category_block() -> None:
    text = "{{Information}}\n\n[[Category:A]]\n<!-- [[Category:B]] -->\n[[kategorie:C|key]]\n"
    result = place_provenance(text, PROV, ("Category", "Kategorie"))
    assert result == (
        "{{Information}}\n\n"
        + PROV.rstrip("\n")
        + "\n\n[[Category:A]]\n<!-- [[Category:B]] -->\n[[kategorie:C|key]]\n"
    )


def test_provenance_at_the_end_without_categories() -> None:
    assert place_provenance("{{Information}}\n[[:Category:Link]] text\n", PROV) == (
        "{{Information}}\n[[:Category:Link]] text\n\n" + PROV
    )
    assert place_provenance("", PROV) == PROV
    assert place_provenance("[[Category:A]]", PROV) == PROV + "\n[[Category:A]]\n"


def test_mid_page_category_and_other_links_do_not_move_it() -> None:
    text = "[[Category:Early]]\nText\n[[User:X]]\n<!-- note -->\n"
    assert place_provenance(text, PROV) == text + "\n" + PROV
