"""URL forms users paste, including the ones that crashed other tools (ANCHORS §4.1 items 3, 4, 7)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikifile_transfer.errors import InputError
from wikifile_transfer.wiki.urls import (
    decode_component,
    parse_page_url,
    parse_wiki_url,
    query_params,
    split_wiki_prefix,
    title_from_articlepath,
)

EN = "en.wikipedia.org"
COMMONS = "commons.wikimedia.org"

# (input, host, title, title_source)
FORMS: list[tuple[str, str, str | None, str | None]] = [
    # plain article paths
    ("https://en.wikipedia.org/wiki/File:Example.jpg", EN, "File:Example.jpg", "path"),
    ("http://en.wikipedia.org/wiki/File:Example.jpg", EN, "File:Example.jpg", "path"),
    (
        "https://commons.wikimedia.org/wiki/File:Chicken_In_Snow.JPG",
        COMMONS,
        "File:Chicken In Snow.JPG",
        "path",
    ),
    ("https://en.wikipedia.org/wiki/Media:Example.jpg", EN, "File:Example.jpg", "path"),
    ("https://de.wikipedia.org/wiki/Datei:Beispiel.jpg", "de.wikipedia.org", "Datei:Beispiel.jpg", "path"),
    ("https://EN.Wikipedia.ORG/wiki/File:Example.jpg", EN, "File:Example.jpg", "path"),
    # missing scheme, protocol-relative, trailing spaces
    ("en.wikipedia.org/wiki/File:Example.jpg", EN, "File:Example.jpg", "path"),
    ("//commons.wikimedia.org/wiki/File:X.png", COMMONS, "File:X.png", "path"),
    ("  https://en.wikipedia.org/wiki/File:Example.jpg \n", EN, "File:Example.jpg", "path"),
    # mobile hosts
    ("https://en.m.wikipedia.org/wiki/File:Example.jpg", EN, "File:Example.jpg", "path"),
    ("https://commons.m.wikimedia.org/wiki/File:X.png", COMMONS, "File:X.png", "path"),
    ("https://m.mediawiki.org/wiki/File:Wiki.png", "www.mediawiki.org", "File:Wiki.png", "path"),
    ("https://m.wikidata.org/wiki/File:Q.png", "www.wikidata.org", "File:Q.png", "path"),
    # index.php forms (history tab, old revisions, no /w, PATH_INFO)
    (
        "https://en.wikipedia.org/w/index.php?title=File:Example.jpg&oldid=123&action=history",
        EN,
        "File:Example.jpg",
        "query-title",
    ),
    (
        "https://en.wikipedia.org/w/index.php?title=File:A+b_c.png&action=edit",
        EN,
        "File:A b c.png",
        "query-title",
    ),
    (
        "http://127.0.0.1:8081/index.php?title=File:Testbed_Sunset.png",
        "127.0.0.1",
        "File:Testbed Sunset.png",
        "query-title",
    ),
    (
        "http://127.0.0.1:8081/index.php/File:Testbed_Sunset.png",
        "127.0.0.1",
        "File:Testbed Sunset.png",
        "index-path",
    ),
    (
        "https://wiki.example.org/w/index.php/File:X.png?action=raw",
        "wiki.example.org",
        "File:X.png",
        "index-path",
    ),
    # language variants
    (
        "https://zh.wikipedia.org/zh-hans/File:%E5%9C%B0%E5%9B%BE.png",
        "zh.wikipedia.org",
        "File:地图.png",
        "path",
    ),
    ("https://zh.wikipedia.org/zh-tw/File:X.png", "zh.wikipedia.org", "File:X.png", "path"),
    (
        "https://sr.wikipedia.org/sr-ec/Датотека:Застава.svg",
        "sr.wikipedia.org",
        "Датотека:Застава.svg",
        "path",
    ),
    (
        "https://sr.wikipedia.org/sr-el/Datoteka:Zastava.svg",
        "sr.wikipedia.org",
        "Datoteka:Zastava.svg",
        "path",
    ),
    ("https://kk.wikipedia.org/kk-latn/File:X.png", "kk.wikipedia.org", "File:X.png", "path"),
    # '/', '%25', '%2F', '%3A', Unicode (encoded and raw), '+' in paths
    ("https://en.wikipedia.org/wiki/File:A/B.png", EN, "File:A/B.png", "path"),
    ("https://en.wikipedia.org/wiki/File:A%2FB.png", EN, "File:A/B.png", "path"),
    ("https://en.wikipedia.org/wiki/File:100%25_juice.png", EN, "File:100% juice.png", "path"),
    ("https://en.wikipedia.org/wiki/File%3AExample.jpg", EN, "File:Example.jpg", "path"),
    ("https://en.wikipedia.org/wiki/File:C++_logo.png", EN, "File:C++ logo.png", "path"),
    (
        "https://hi.wikipedia.org/wiki/%E0%A4%9A%E0%A4%BF%E0%A4%A4%E0%A5%8D%E0%A4%B0:X.jpg",
        "hi.wikipedia.org",
        "चित्र:X.jpg",
        "path",
    ),
    (
        "https://de.wikipedia.org/wiki/Datei:Sonnenuntergänge_über_Köln.jpg",
        "de.wikipedia.org",
        "Datei:Sonnenuntergänge über Köln.jpg",
        "path",
    ),
    (
        "https://de.wikipedia.org/wiki/Datei:K%F6ln.jpg",
        "de.wikipedia.org",
        "Datei:Köln.jpg",
        "path",
    ),  # Latin-1
    # query strings and fragments
    ("https://commons.wikimedia.org/wiki/File:X.png?uselang=de", COMMONS, "File:X.png", "path"),
    ("https://commons.wikimedia.org/wiki/File:X.png#Summary", COMMONS, "File:X.png", "path"),
    (
        "https://en.wikipedia.org/wiki/Haifa#/media/File:Mosque_Haifa.jpg",
        EN,
        "File:Mosque Haifa.jpg",
        "mediaviewer",
    ),
    # special pages that link to the file itself
    ("https://commons.wikimedia.org/wiki/Special:FilePath/X.png", COMMONS, "File:X.png", "filepath"),
    (
        "https://commons.wikimedia.org/wiki/Special:FilePath/X.png?width=200",
        COMMONS,
        "File:X.png",
        "filepath",
    ),
    ("https://commons.wikimedia.org/wiki/Special:Redirect/file/X_y.png", COMMONS, "File:X y.png", "filepath"),
    (
        "https://commons.wikimedia.org/w/index.php?title=Special:FilePath&file=X.png",
        COMMONS,
        "File:X.png",
        "filepath",
    ),
    # upload.wikimedia.org (original, thumbnail, archived version, other projects)
    (
        "https://upload.wikimedia.org/wikipedia/commons/a/ab/Chicken_In_Snow.JPG",
        COMMONS,
        "File:Chicken In Snow.JPG",
        "upload",
    ),
    (
        "https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/X.png/120px-X.png",
        COMMONS,
        "File:X.png",
        "upload",
    ),
    (
        "https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/Map.svg/800px-Map.svg.png",
        COMMONS,
        "File:Map.svg",
        "upload",
    ),
    (
        "https://upload.wikimedia.org/wikipedia/commons/archive/a/ab/20200101000000%21X.png",
        COMMONS,
        "File:X.png",
        "upload",
    ),
    ("https://upload.wikimedia.org/wikipedia/en/f/ff/Logo.png", EN, "File:Logo.png", "upload"),
    (
        "https://upload.wikimedia.org/wiktionary/fr/1/1a/Son.ogg",
        "fr.wiktionary.org",
        "File:Son.ogg",
        "upload",
    ),
    (
        "https://upload.wikimedia.org/wikipedia/commons/transcoded/b/bc/V.webm/V.webm.480p.vp9.webm",
        COMMONS,
        "File:V.webm",
        "upload",
    ),
    # a self-hosted wiki's file URL (testbed layout)
    (
        "http://127.0.0.1:8083/images/f/ff/Testbed_Sunset.png",
        "127.0.0.1",
        "File:Testbed Sunset.png",
        "upload",
    ),
    # pages named by number, or by a layout only the wiki knows
    ("https://en.wikipedia.org/w/index.php?curid=12345", EN, None, None),
    ("https://en.wikipedia.org/w/index.php?oldid=12345", EN, None, None),
    ("https://wiki.example.org/w/File:X.png", "wiki.example.org", None, None),
    ("https://wiki.example.org/w/?title=File:X.png", "wiki.example.org", "File:X.png", "query-title"),
]


@pytest.mark.parametrize(("text", "host", "title", "source"), FORMS)
def test_page_url_forms(text: str, host: str, title: str | None, source: str | None) -> None:
    url = parse_page_url(text)
    assert (url.host, url.title, url.title_source) == (host, title, source)


def test_there_are_enough_forms() -> None:
    assert len(FORMS) >= 30


def test_wikimedia_api_guess_is_https_w_api() -> None:
    assert parse_page_url("http://en.m.wikipedia.org/wiki/File:X.png").api_url_guess == (
        "https://en.wikipedia.org/w/api.php"
    )
    assert parse_page_url("https://upload.wikimedia.org/wikipedia/commons/a/ab/X.png").api_url_guess == (
        "https://commons.wikimedia.org/w/api.php"
    )
    assert parse_page_url("http://127.0.0.1:8081/wiki/File:X.png").api_url_guess is None


def test_parts_are_kept() -> None:
    url = parse_page_url("http://127.0.0.1:8081/index.php?title=File:X.png&curid=3")
    assert (url.scheme, url.port, url.path, url.netloc, url.origin) == (
        "http",
        8081,
        "/index.php",
        "127.0.0.1:8081",
        "http://127.0.0.1:8081",
    )
    assert url.params == {"title": "File:X.png", "curid": "3"}


def test_ipv6_host() -> None:
    url = parse_page_url("http://[::1]:8081/wiki/File:X.png")
    assert (url.host, url.netloc, url.title) == ("::1", "[::1]:8081", "File:X.png")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not a url",
        "http://",
        "https://",
        "ftp://x",
        "ftp://commons.wikimedia.org/wiki/File:X.png",
        "javascript:alert(1)",
        "mailto:someone@example.org",
        "File:X.png",
        "https://en.wikipedia.org",
        "https://en.wikipedia.org/",
        "https://en.wikipedia.org/wiki/",
        "https://en.wikipedia.org/w/index.php",
        "https://en.wikipedia.org/w/index.php?action=history",
        "https://en.wikipedia.org:99999/wiki/File:X.png",
        "https://en.wikipedia.org:port/wiki/File:X.png",
        "http://[::1/wiki/File:X.png",
        "https://user:secret@en.wikipedia.org/wiki/File:X.png",
        "https://en.wikipedia.org/wiki/File:%3Cscript%3E.png",
        "https://en.wikipedia.org/wiki/File:A[1].png",
        "https://en.wikipedia.org/wiki/File:A\tB.png",
        "https://upload.wikimedia.org/math/render/svg/abc",
        "https://upload.wikimedia.org/nonsense/xx/a/ab/X.png",
        "https://..example.org/wiki/File:X.png",
        "https://" + "a" * 9000,
    ],
)
def test_malformed_input_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_page_url(text)
    assert info.value.key == "wft-error-bad-input"
    assert info.value.detail


def test_input_error_names_the_input_shortened() -> None:
    with pytest.raises(InputError) as info:
        parse_page_url("ftp://" + "x" * 500)
    assert info.value.params[0].startswith("ftp://xxx")
    assert len(info.value.params[0]) <= 201


def test_lenient_parser_accepts_roots_and_api() -> None:
    root = parse_wiki_url("http://127.0.0.1:8083/")
    assert (root.title, root.title_source) == (None, None)
    api = parse_wiki_url("https://en.wikipedia.org/w/api.php?action=query")
    assert api.path == "/w/api.php"
    assert api.title is None


@given(st.text(max_size=300))
@settings(max_examples=400, deadline=None)
def test_never_raises_anything_but_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_page_url(text)


URL_ALPHABET = st.sampled_from([*"/:?#&=%+_.-[]@ aZ9é中", "%2F", "%ZZ", "%E4", "wiki/", "index.php", "//"])


@given(st.lists(URL_ALPHABET, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_url_shaped_noise_never_crashes(tail: str) -> None:
    for prefix in ("https://en.wikipedia.org/", "http://127.0.0.1:8081/", "https://upload.wikimedia.org/"):
        try:
            url = parse_page_url(prefix + tail)
        except InputError:
            continue
        assert url.title is None or url.title.strip() == url.title


def test_decode_component_and_query() -> None:
    assert decode_component("a%2Bb+c") == "a+b+c"
    assert decode_component("a%2Bb+c", plus_is_space=True) == "a+b c"
    assert query_params("title=A+b&&x&title=C%26D") == {"title": "C&D", "x": ""}


@pytest.mark.parametrize(
    ("url", "articlepath", "title"),
    [
        ("https://wiki.example.org/w/File:X_y.png", "/w/$1", "File:X y.png"),
        ("https://wiki.example.org/File:X.png", "/$1", "File:X.png"),
        ("https://wiki.example.org/index.php/File:X.png", "/index.php/$1", "File:X.png"),
        ("https://wiki.example.org/index.php?title=File:X.png", "/index.php?title=$1", "File:X.png"),
        ("https://wiki.example.org/pages/File:X.png.html", "/pages/$1.html", "File:X.png"),
        ("https://wiki.example.org/w/Special:FilePath/X.png", "/w/$1", "File:X.png"),
        ("https://wiki.example.org/other/File:X.png", "/w/$1", None),
        ("https://wiki.example.org/w/", "/w/$1", None),
        ("https://wiki.example.org/index.php?title=File:X.png", "/wiki/index.php?title=$1", None),
        ("https://wiki.example.org/index.php?title=File:X.png", "/index.php?page", None),
    ],
)
def test_title_from_articlepath(url: str, articlepath: str, title: str | None) -> None:
    assert title_from_articlepath(parse_wiki_url(url), articlepath) == title


KNOWN = {"en.wikipedia", "commons", "enwiki", "src", "en.wikipedia.org"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en.wikipedia:File:X.png", ("en.wikipedia", "File:X.png")),
        ("commons:File:X", ("commons", "File:X")),
        ("enwiki:File:X", ("enwiki", "File:X")),
        ("src:Datei:X", ("src", "Datei:X")),
        ("commons:File:A:B.png", ("commons", "File:A:B.png")),
        (" commons : File:X.png ", ("commons", "File:X.png")),
        ("commons:X.png", ("commons", "X.png")),
        ("unknown:File:X.png", None),
        ("File:X.png", None),
        ("commons:", None),
        (":File:X.png", None),
        ("commons", None),
        ("https://en.wikipedia.org/wiki/File:X.png", None),
        ("//en.wikipedia.org/wiki/File:X.png", None),
        ("en.wikipedia.org/wiki/File:X.png", None),
    ],
)
def test_split_wiki_prefix(text: str, expected: tuple[str, str] | None) -> None:
    assert split_wiki_prefix(text, KNOWN.__contains__) == expected
