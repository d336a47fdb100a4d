"""Where the image link goes into an article, and when an article already uses the file."""

from __future__ import annotations

import mwparserfromhell
import pytest

from wikifile_transfer.wikitext.article import add_file, image_link, uses_file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain prose: the image goes first, on a line of its own
        ("A '''sunset''' is…\n", "[[File:Sun.png|thumb|Dusk]]\nA '''sunset''' is…\n"),
        # hatnotes, maintenance tags, an infobox and comments stay above it
        (
            "{{Short description|Daily event}}\n<!-- note -->\n{{Infobox|a=1\n|b=2}}\n\n'''Sunset''' is…",
            "{{Short description|Daily event}}\n<!-- note -->\n{{Infobox|a=1\n|b=2}}\n\n"
            "[[File:Sun.png|thumb|Dusk]]\n'''Sunset''' is…",
        ),
        # prose right after a template on the same line: the link still gets a line of its own
        ("{{Hatnote}}Text", "{{Hatnote}}\n[[File:Sun.png|thumb|Dusk]]\nText"),
        # an article that is only templates: the link goes after them
        ("{{Stub}}", "{{Stub}}\n[[File:Sun.png|thumb|Dusk]]\n"),
        ("", "[[File:Sun.png|thumb|Dusk]]\n"),
    ],
)
def test_the_link_goes_before_the_first_line_of_prose(text: str, expected: str) -> None:
    assert add_file(text, "File:Sun.png", "Dusk") == expected


@pytest.mark.parametrize(
    "text",
    [
        "[[File:Sun.png|thumb]] text",
        "[[Datei:sun.png]]",  # another namespace name, first letter in lower case
        "<gallery>\nSun.png|x\n</gallery>",
        "{{Infobox|image = Sun.png}}",
        "[[Image:Sun_png]] and [[File:Sun_.png]] [[File: Sun.png]]",  # the last one counts
    ],
)
def test_an_article_that_already_uses_the_file_is_left_alone(text: str) -> None:
    assert add_file(text, "File:Sun.png") is None


def test_names_with_several_words_match_with_spaces_or_underscores() -> None:
    assert uses_file("[[File:Sunset_over the_sea.jpg]]", "Sunset over the sea.jpg")
    assert not uses_file("[[File:Sunset over the lake.jpg]]", "Sunset over the sea.jpg")
    assert not uses_file("anything", " ")
    assert uses_file("[[File:1 Sun.png]]", "1 Sun.png")
    # a longer name that contains it is another file
    assert not uses_file("[[File:MySun.png]] [[File:Sun.png.svg]]", "Sun.png")
    assert uses_file("gallery line\nSun.png|caption", "Sun.png")


def test_adding_twice_changes_nothing_and_the_result_parses() -> None:
    once = add_file("{{Infobox}}\nText [[Link]].\n", "Datei:Sonne Berg.png", "Sonnenuntergang\nam Berg")
    assert once is not None
    assert "[[Datei:Sonne Berg.png|thumb|Sonnenuntergang am Berg]]\nText" in once
    assert add_file(once, "Datei:Sonne Berg.png", "other caption") is None
    assert str(mwparserfromhell.parse(once)) == once


def test_image_link_without_caption() -> None:
    assert image_link("File:X.png", None) == "[[File:X.png|thumb]]"
    assert image_link("File:X.png", "  ") == "[[File:X.png|thumb]]"
