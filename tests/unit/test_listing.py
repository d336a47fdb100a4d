"""Batch sources without a wiki: name forms, the parameters sent, URL lists checked offline, and how a
wiki that fails is remembered for the rest of a list. Against real wikis:
tests/integration/test_listing_testbed.py."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from fakewiki import fake_wiki

from wikifile_transfer.errors import (
    ApiError,
    InputError,
    NotAFileError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki.listing import (
    BadUserNameError,
    ListError,
    ListItem,
    NotACategoryError,
    category_files,
    category_title,
    check_source_text,
    page_files,
    parse_url_list,
    user_name,
    user_uploads,
)
from wikifile_transfer.wiki.site import Wiki


def no_requests(params: dict[str, Any]) -> dict[str, Any]:
    raise AssertionError(f"unexpected request {params}")


def test_category_titles() -> None:
    de, _ = fake_wiki(no_requests, site="de")
    assert category_title(de, "sonnenuntergänge") == "Kategorie:Sonnenuntergänge"
    assert category_title(de, "Category:Sonnen_untergänge") == "Kategorie:Sonnen untergänge"
    assert category_title(de, "Kategorie:Foo: bar") == "Kategorie:Foo: bar"
    with pytest.raises(NotACategoryError) as err:
        category_title(de, "Bild:X.png")
    assert err.value.params == ("Bild:X.png", "src")
    with pytest.raises(InputError):
        category_title(de, "Kategorie:")


def test_user_names() -> None:
    de, _ = fake_wiki(no_requests, site="de")
    assert user_name(de, "Benutzerin:alice") == "alice"  # MediaWiki capitalises it itself
    assert user_name(de, "User:Bob") == "Bob"
    assert user_name(de, "Carol") == "Carol"
    for bad in ("Kategorie:X", "Benutzer:", "Benutzer:Alice/Archiv"):
        with pytest.raises(BadUserNameError):
            user_name(de, bad)


def test_category_listing_parameters_and_depth() -> None:
    members = {
        ("Category:Top", "file"): ["File:A.png", "File:B.png"],
        ("Category:Top", "subcat"): ["Category:Top", "Category:Sub"],
        ("Category:Sub", "file"): ["File:B.png", "File:C.png"],
    }

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        titles = members[(params["cmtitle"], params["cmtype"])]
        return {"query": {"categorymembers": [{"title": t} for t in titles] + [{"ns": 6}]}}

    wiki, api = fake_wiki(answer)
    assert list(category_files(wiki, "Top", limit=7)) == ["File:A.png", "File:B.png"]
    assert api.calls[0] | {} == {
        "list": "categorymembers",
        "cmtitle": "Category:Top",
        "cmtype": "file",
        "cmprop": "title",
        "cmlimit": 7,
        "action": "query",
    }
    api.calls.clear()
    assert list(category_files(wiki, "Top", depth=1)) == ["File:A.png", "File:B.png", "File:C.png"]
    assert [(c["cmtitle"], c["cmtype"]) for c in api.calls] == [
        ("Category:Top", "file"),
        ("Category:Top", "subcat"),
        ("Category:Sub", "file"),
    ], "a category in itself is not listed again"
    with pytest.raises(InputError):
        next(category_files(wiki, "Top", depth=-1))


def test_user_uploads_parameters() -> None:
    log = [
        {"ns": 6, "title": "File:B.png"},
        {"ns": 6, "title": "File:A.png"},
        {"ns": 6, "title": "File:B.png"},
    ]
    log += [{"ns": 6, "actionhidden": True}, {"ns": 2, "title": "User:Odd"}]

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        return {"query": {"logevents": log}}

    wiki, api = fake_wiki(answer)
    assert list(user_uploads(wiki, "User:alice")) == ["File:B.png", "File:A.png"]
    assert api.calls[0]["letype"] == "upload" and api.calls[0]["leuser"] == "alice"
    assert "leaction" not in api.calls[0]
    list(user_uploads(wiki, "alice", reuploads=False, limit=3))
    assert api.calls[1]["leaction"] == "upload/upload" and "letype" not in api.calls[1]
    assert api.calls[1]["lelimit"] == 3


def test_user_uploads_errors() -> None:
    def refuse(params: dict[str, Any]) -> dict[str, Any]:
        raise ApiError(params.pop("code", "baduser"), "Invalid value")

    wiki, _ = fake_wiki(refuse)
    with pytest.raises(BadUserNameError) as err:
        list(user_uploads(wiki, "Foo<bar"))
    assert err.value.detail == "Invalid value"

    def other(params: dict[str, Any]) -> dict[str, Any]:
        raise ApiError("readapidenied", "no")

    wiki, _ = fake_wiki(other)
    with pytest.raises(ApiError) as api_err:
        list(user_uploads(wiki, "Alice"))
    assert api_err.value.code == "readapidenied"


def test_page_files_filters_and_parameters() -> None:
    pages = [
        {"title": "File:Local.png", "imagerepository": "local"},
        {"title": "File:Shared.png", "imagerepository": "shared"},
        {"title": "File:Red.png", "missing": True, "imagerepository": ""},
        {"title": "File:Local.png", "imagerepository": "local"},  # again, in a prop continuation
        {"imagerepository": "local"},
    ]
    wiki, api = fake_wiki(lambda params: {"query": {"pages": pages}})
    assert list(page_files(wiki, "Article")) == ["File:Local.png", "File:Shared.png"]
    assert list(page_files(wiki, "Article", local_only=True, limit=5)) == ["File:Local.png"]
    first = api.calls[0]
    assert (first["generator"], first["titles"], first["redirects"], first["iiprop"]) == (
        "images",
        "Article",
        True,
        "",
    )
    assert api.calls[1]["gimlimit"] == 5


# --- URL lists --------------------------------------------------------------------------------------


def test_source_text_forms_checked_offline() -> None:
    for good in (
        "https://en.wikipedia.org/wiki/File:X.jpg",
        "//commons.wikimedia.org/wiki/File:X.jpg",
        "en.wikipedia.org/wiki/File:X.jpg",
        "commons:File:X.jpg",
        "src:File:A:B/C.png",
    ):
        check_source_text(good)
    for bad in (
        "File",
        "commons:",
        "commons:  ",
        "commons:___",
        "ftp://x/y",
        "https://en.wikipedia.org/",
        "x:a<b",
        "x" * 9000,
    ):
        with pytest.raises(InputError):
            check_source_text(bad)


def test_url_list_offline() -> None:
    lines = [
        "\ufeffcommons:File:A.png\n",
        "# a comment\n",
        "\n",
        "https://en.wikipedia.org/wiki/File:B.jpg#/media/File:C.jpg\n",
        "just some words\n",
        "  https://en.wikipedia.org/wiki/Special:FilePath/D.png  \n",
        "y" * 300,
    ]
    out = list(parse_url_list(lines))
    assert [(type(o).__name__, o.line) for o in out] == [
        ("ListItem", 1),
        ("ListItem", 4),
        ("ListError", 5),
        ("ListItem", 6),
        ("ListError", 7),
    ]
    assert out[0] == ListItem(1, "commons:File:A.png")
    error = out[2]
    assert isinstance(error, ListError) and error.key == "wft-error-bad-input"
    assert error.message() == "Line 5: This input cannot be understood: just some words"
    assert error.message("de").startswith("Zeile 5: ")
    long_line = out[4]
    assert isinstance(long_line, ListError) and len(long_line.text) == 201  # 200 characters and "…"


class StubRegistry:
    """``resolve_source`` only: the registry part parse_url_list uses."""

    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki
        self.asked: list[str] = []

    def resolve_source(self, text: str) -> tuple[Wiki, str]:
        self.asked.append(text)
        if text.startswith("down:") or "://down.example" in text or text.startswith("down.example/"):
            raise WikiUnreachableError("down.example")
        if "Article" in text:
            raise NotAFileError("Article")
        return self.wiki, "File:" + text.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def test_url_list_remembers_a_wiki_that_failed() -> None:
    wiki, _ = fake_wiki(no_requests)
    registry = StubRegistry(wiki)
    lines = [
        "down:File:1.png",
        "src:File:A.png",
        "down:File:2.png",
        "https://down.example/wiki/File:3.png",
        "https://DOWN.example/wiki/File:4.png",
        "down.example/wiki/File:5.png",
        "down.example/wiki/File:6.png",
        "src:Article",
        "src:Article",
        "src:File:A.png",
    ]
    out = list(parse_url_list(lines, registry))  # type: ignore[arg-type]
    keys = [o.key if isinstance(o, ListError) else "item" for o in out]
    assert keys == [
        "wft-error-wiki-unreachable",
        "item",
        "wft-error-wiki-unreachable",
        "wft-error-wiki-unreachable",
        "wft-error-wiki-unreachable",
        "wft-error-wiki-unreachable",
        "wft-error-wiki-unreachable",
        "wft-error-not-a-file",
        "wft-error-not-a-file",
        "wft-batch-line-duplicate",
    ]
    # asked once per wiki that failed (by its prefix; by its host, with or without a scheme), and
    # every time for a line's own problem
    assert registry.asked == [
        "down:File:1.png",
        "src:File:A.png",
        "https://down.example/wiki/File:3.png",
        "src:Article",
        "src:Article",
        "src:File:A.png",
    ]
    item = out[1]
    assert isinstance(item, ListItem) and item.wiki is wiki and item.title == "File:A.png"


def test_url_list_is_a_stream() -> None:
    pulled = 0

    def lines() -> Iterator[str]:
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield f"commons:File:{i}.png"

    first = list(itertools.islice(parse_url_list(lines()), 5))
    assert len(first) == 5 and pulled == 5
