"""Siteinfo parsing and title rules, on siteinfo answers recorded from real MediaWiki 1.39 wikis."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import responses

from wikifile_transfer.errors import InputError, NotAFileError, UnknownWikiError
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.siteinfo import (
    SITEINFO_PARAMS,
    fetch_siteinfo,
    parse_siteinfo,
    shared_repo_apis,
    ucfirst,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wiki"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"siteinfo_{name}.json").read_text("utf-8"))
    return data


@pytest.fixture
def de() -> Any:
    return parse_siteinfo(load("de"))


@pytest.fixture
def en() -> Any:
    return parse_siteinfo(load("en"))


@pytest.fixture
def enwiki() -> Any:
    return parse_siteinfo(load("enwiki"))


def test_general_fields_of_a_recorded_wiki(de: Any) -> None:
    assert de.sitename == "Andere Wikipedia"
    assert de.lang == "de"
    assert de.server.startswith("http://127.0.0.1:")
    assert (de.articlepath, de.scriptpath, de.wikiid, de.case) == (
        "/wiki/$1",
        "",
        "otherwiki",
        "first-letter",
    )
    assert de.base == de.server + "/wiki/Hauptseite"
    assert de.max_upload_size == 209715200
    assert de.min_chunk_size == 1024
    assert de.uploads_enabled is True
    assert (de.readonly, de.readonly_reason) == (False, None)
    assert {"png", "jpg", "svg", "pdf", "webm"} <= de.file_extensions
    assert de.shared_repos == ("shared",)
    assert de.generator == "MediaWiki 1.39.17"
    assert "A-Z" in de.legal_title_chars


def test_shared_repository_apis_come_with_siteinfo(de: Any, enwiki: Any) -> None:
    """The duplicate checks ask the shared repositories: their api.php is in ``filerepoinfo``'s
    ``scriptDirUrl`` (recorded: Commons for en.wikipedia, the testbed's commons for "other")."""
    assert enwiki.shared_repo_apis == ("https://commons.wikimedia.org/w/api.php",)
    assert len(de.shared_repo_apis) == 1 and de.shared_repo_apis[0].endswith("/api.php")
    assert parse_siteinfo(load("commons")).shared_repo_apis == ()  # only its own, local repository
    repos = [
        {"name": "local", "local": True, "scriptDirUrl": "/w"},
        {"name": "shared", "local": False, "scriptDirUrl": "//commons.wikimedia.org/w/"},
        {"name": "folder", "local": False},  # a foreign file folder has no API to ask
    ]
    assert shared_repo_apis(repos, "http") == ("http://commons.wikimedia.org/w/api.php",)
    assert shared_repo_apis(None) == ()


def test_namespaces_and_aliases(de: Any) -> None:
    file_ns = de.namespaces[6]
    assert (file_ns.name, file_ns.canonical, file_ns.case) == ("Datei", "File", "first-letter")
    assert set(file_ns.aliases) == {"Bild", "Image"}
    assert de.namespaces[0].name == ""
    assert de.namespaces[0].canonical is None
    assert de.namespaces[-2].name == "Medium"
    assert de.namespaces[14].name == "Kategorie"


@pytest.mark.parametrize(
    ("prefix", "ns"),
    [
        ("Datei", 6),
        ("datei", 6),
        ("File", 6),
        ("FILE", 6),
        ("Bild", 6),
        ("Image", 6),
        ("Medium", -2),
        ("Media", -2),
        ("Kategorie", 14),
        ("Category", 14),
        ("Benutzerin_Diskussion", 3),
        ("Benutzerin  Diskussion", 3),
        ("Nope", None),
        ("", None),
    ],
)
def test_namespace_id(de: Any, prefix: str, ns: int | None) -> None:
    assert de.namespace_id(prefix) == ns


@pytest.mark.parametrize(
    ("title", "normal"),
    [
        ("File:x.png", "Datei:X.png"),
        ("Datei:x.png", "Datei:X.png"),
        ("Bild:x.png", "Datei:X.png"),
        ("bild:x_y.png", "Datei:X y.png"),
        ("Image:x.png", "Datei:X.png"),
        ("Media:x.png", "Datei:X.png"),
        ("Medium:x.png", "Datei:X.png"),
        ("  Datei :  x__y .png ", "Datei:X y .png"),
        (":Datei:x.png", "Datei:X.png"),
        ("Datei:\u200ex\u00a0y.png", "Datei:X y.png"),
        ("Category:sunsets", "Kategorie:Sunsets"),
        ("sonnenuntergang", "Sonnenuntergang"),
        ("Foo: bar", "Foo: bar"),
        ("Datei:ßtraße.png", "Datei:ßtraße.png"),
        ("Datei:éclair.png", "Datei:Éclair.png"),
    ],
)
def test_normalize_german(de: Any, title: str, normal: str) -> None:
    assert de.normalize(title) == normal


def test_case_sensitive_namespace_keeps_case() -> None:
    data = load("en")
    data["query"]["general"]["case"] = "case-sensitive"
    data["query"]["namespaces"]["0"]["case"] = "case-sensitive"  # like Wiktionary: only ns 0
    site = parse_siteinfo(data)
    assert site.normalize("iPod") == "iPod"
    assert site.normalize("File:iPod.png") == "File:IPod.png"
    assert site.file_title("iPod.png") == "File:IPod.png"
    del data["query"]["namespaces"]["6"]
    assert parse_siteinfo(data).normalize("File:iPod.png") == "File:iPod.png"  # falls back to site case


@pytest.mark.parametrize(
    ("given", "title"),
    [
        ("x.png", "Datei:X.png"),
        ("File:x.png", "Datei:X.png"),
        ("Bild:x.png", "Datei:X.png"),
        ("Medium:x.png", "Datei:X.png"),
        ("Foo: bar.png", "Datei:Foo: bar.png"),
        ("Testbed_Sunset.png", "Datei:Testbed Sunset.png"),
    ],
)
def test_file_title(de: Any, given: str, title: str) -> None:
    assert de.file_title(given) == title


@pytest.mark.parametrize(
    "given", ["Kategorie:Sonnenuntergänge", "Category:X", "User:Alice/x.png", "Special:FilePath/X"]
)
def test_file_title_in_another_namespace(de: Any, given: str) -> None:
    with pytest.raises(NotAFileError) as info:
        de.file_title(given)
    assert info.value.key == "wft-error-not-a-file"


@pytest.mark.parametrize(
    "title",
    [
        "File:",
        "Datei:   ",
        "",
        "File:a<b>.png",
        "File:a{b}.png",
        "File:a|b.png",
        "File:a%41b.png",
        "File:a&amp;b.png",
        "File:" + "x" * 256,
    ],
)
def test_invalid_titles(de: Any, title: str) -> None:
    with pytest.raises(InputError):
        de.normalize(title)


def test_title_of_exactly_255_bytes_is_fine(de: Any) -> None:
    assert de.normalize("File:" + "x" * 255).startswith("Datei:X")


def test_page_url_like_mediawiki(de: Any, enwiki: Any) -> None:
    assert de.page_url("Datei:Ä b&c?.png") == de.server + "/wiki/Datei:%C3%84_b%26c%3F.png"
    assert (
        enwiki.page_url("File:A (1), B/C;d@e!~*$.png")
        == "https://en.wikipedia.org/wiki/File:A_(1),_B/C;d@e!~*$.png"
    )
    assert enwiki.page_url("File:50% off 'x' +1 #2.png") == (
        "https://en.wikipedia.org/wiki/File:50%25_off_%27x%27_%2B1_%232.png"
    )


def test_api_url(de: Any, enwiki: Any) -> None:
    assert de.api_url() == de.server + "/api.php"
    assert enwiki.api_url() == "https://en.wikipedia.org/w/api.php"


def test_protocol_relative_server(enwiki: Any) -> None:
    assert enwiki.server == "https://en.wikipedia.org"
    assert parse_siteinfo(load("enwiki"), default_scheme="http").server == "http://en.wikipedia.org"


def test_wikimedia_shaped_fields(enwiki: Any) -> None:
    assert enwiki.max_upload_size == 5 * 1024**3
    assert enwiki.shared_repos == ("shared",)
    assert enwiki.interwiki["commons"] == "https://commons.wikimedia.org/wiki/$1"
    assert enwiki.namespace_id("WP") == 4
    assert enwiki.namespace_id("project") == 4
    assert enwiki.normalize("wp:About") == "Wikipedia:About"
    assert enwiki.normalize("Image:x.jpg") == "File:X.jpg"


def test_commons_fixture_has_no_shared_repo() -> None:
    commons = parse_siteinfo(load("commons"))
    assert commons.shared_repos == ()
    assert commons.file_title("x.svg") == "File:X.svg"


def test_read_only_wiki() -> None:
    data = load("de")
    data["query"]["general"].update({"readonly": True, "readonlyreason": "Wartungsarbeiten"})
    site = parse_siteinfo(data)
    assert (site.readonly, site.readonly_reason) == (True, "Wartungsarbeiten")


def test_formatversion_1_shapes() -> None:
    """formatversion=1: ``*`` for names, ``""`` for true flags, absent for false."""
    data = load("de")
    general = data["query"]["general"]
    del general["uploadsenabled"]
    general["readonly"] = ""
    general["readonlyreason"] = "x"
    for ns in data["query"]["namespaces"].values():
        ns["*"] = ns.pop("name")
    data["query"]["namespacealiases"] = [{"id": 6, "*": "Bild"}]
    data["query"]["repos"] = [{"name": "shared"}, {"name": "local", "local": ""}]
    site = parse_siteinfo(data)
    assert site.uploads_enabled is False
    assert site.readonly is True
    assert site.namespaces[6].name == "Datei"
    assert site.normalize("Bild:x.png") == "Datei:X.png"
    assert site.shared_repos == ("shared",)


def test_missing_and_wrong_types_fall_back_to_defaults() -> None:
    data: dict[str, Any] = {
        "query": {
            "general": {
                "server": "https://wiki.example.org/",
                "maxuploadsize": "123",
                "minuploadchunksize": True,
            },
            "namespaces": {"6": {"id": 6, "name": 5}, "x": {"id": "7"}, "y": "junk", "8": {"id": True}},
            "namespacealiases": "junk",
            "fileextensions": [{"ext": "PNG"}, {"ext": 3}, "gif"],
            "interwikimap": [{"prefix": "c", "url": "https://c/$1"}, {"prefix": 1}],
            "repos": None,
        }
    }
    site = parse_siteinfo(data)
    assert site.server == "https://wiki.example.org"
    assert site.articlepath == "/index.php?title=$1"
    assert site.max_upload_size == 123
    assert site.min_chunk_size == 1024
    assert site.file_extensions == frozenset({"png"})
    assert site.interwiki == {"c": "https://c/$1"}
    assert list(site.namespaces) == [6]
    assert site.file_title("x.png") == "File:X.png"  # a nameless File namespace still has a name
    assert site.normalize("Media:x.png") == "File:X.png"
    data["query"]["general"]["maxuploadsize"] = "lots"
    data["query"]["general"]["legaltitlechars"] = "z-a"
    site = parse_siteinfo(data)
    assert site.max_upload_size == 0
    with pytest.raises(InputError):
        site.normalize("File:a<b.png")  # an unusable legaltitlechars falls back to MediaWiki's default


@pytest.mark.parametrize(
    "data",
    [{}, {"query": []}, {"query": {}}, {"query": {"general": []}}, {"query": {"general": {"server": 3}}}, []],
)
def test_not_a_siteinfo(data: Any) -> None:
    with pytest.raises(UnknownWikiError) as info:
        parse_siteinfo(data, source="https://x/api.php")
    assert info.value.params == ("https://x/api.php",)


def test_ucfirst() -> None:
    assert ucfirst("") == ""
    assert ucfirst("ßa") == "ßa"
    assert ucfirst("ǆa") == "ǅa" or ucfirst("ǆa") == "Ǆa"
    assert ucfirst("ä") == "Ä"


def test_siteinfo_is_plain_data(de: Any) -> None:
    other = parse_siteinfo(copy.deepcopy(load("de")))
    assert other == de


@responses.activate
def test_fetch_siteinfo_sends_one_request_and_uses_the_api_scheme() -> None:
    body = load("enwiki")
    responses.get("http://en.wikipedia.org/w/api.php", json=body)
    guard = HostGuard(resolver=lambda host, port: ["198.35.26.96"])
    api = ApiClient("http://en.wikipedia.org/w/api.php", HttpClient(guard), sleep=lambda s: None)
    site = fetch_siteinfo(api)
    assert site.server == "http://en.wikipedia.org"
    assert len(responses.calls) == 1
    sent = responses.calls[0].request.url or ""
    for key, value in SITEINFO_PARAMS.items():
        assert f"{key}={value}".replace("|", "%7C") in sent
    assert "formatversion=2" in sent
