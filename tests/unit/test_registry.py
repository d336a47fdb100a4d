"""WikiRegistry and Wiki: names, URLs, EditURI discovery through the guard, one object per API."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import (
    ConfigError,
    HttpStatusError,
    InputError,
    NotAFileError,
    NotLoggedInError,
    SsrfError,
    UnknownWikiError,
)
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.registry import WikiRegistry, api_key, find_api_link, find_edit_uri
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import parse_siteinfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wiki"
PUBLIC = "208.80.154.224"
PRIVATE = {"intranet.example": "10.0.0.5", "localhost": "127.0.0.1"}
ENWIKI_API = "https://en.wikipedia.org/w/api.php"
COMMONS_API = "https://commons.wikimedia.org/w/api.php"


def resolver(host: str, port: int) -> list[str]:
    if host.replace(".", "").isdigit():
        return [host]
    return [PRIVATE.get(host, PUBLIC)]


def registry(wikis: dict[str, WikiConfig] | None = None) -> WikiRegistry:
    return WikiRegistry(Config(wikis=wikis or {}), HttpClient(HostGuard(resolver=resolver)))


def siteinfo(name: str, **general: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"siteinfo_{name}.json").read_text("utf-8"))
    data["query"]["general"].update(general)
    return data


def page_html(api_href: str) -> str:
    """The recorded <head> of a MediaWiki 1.39 page, its EditURI pointing at ``api_href``."""
    text = (FIXTURES / "page_de_404_head.html").read_text("utf-8")
    return text.replace("{origin}/api.php?action=rsd", api_href)


def wikipedia_like_html(host: str) -> str:
    """How Wikipedia writes it: protocol-relative, no self-closing slash."""
    return (
        '<!DOCTYPE html>\n<html class="client-nojs" lang="en" dir="ltr">\n<head>\n<meta charset="UTF-8">\n'
        "<title>File:X.png - Wiki</title>\n"
        '<link rel="alternate" type="application/x-wiki" title="Edit" href="/w/index.php?title=File:X.png">\n'
        f'<link rel="EditURI" type="application/rsd+xml" href="//{host}/w/api.php?action=rsd">\n'
        f'<link rel="canonical" href="https://{host}/wiki/File:X.png">\n</head>\n<body></body></html>\n'
    )


def mock_siteinfo(api_url: str, data: dict[str, Any]) -> None:
    responses.get(
        api_url,
        json=data,
        match=[responses.matchers.query_param_matcher({"meta": "siteinfo|filerepoinfo"}, strict_match=False)],
    )


def query_of(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


# --- names --------------------------------------------------------------------------------------


@responses.activate
def test_wikimedia_names_and_urls_give_one_object_without_requests() -> None:
    reg = registry()
    wiki = reg.get("en.wikipedia")
    assert (wiki.name, wiki.api_url, wiki.credentials) == ("en.wikipedia", ENWIKI_API, None)
    for other in (
        "enwiki",
        "en.wikipedia.org",
        "en.m.wikipedia.org",
        "https://en.m.wikipedia.org/wiki/File:X.png",
        "http://en.wikipedia.org/w/api.php",
        "https://en.wikipedia.org/w/api.php?action=query",
        "  en.wikipedia  ",
    ):
        assert reg.get(other) is wiki, other
    assert reg.get("commons").api_url == COMMONS_API
    assert reg.get("https://upload.wikimedia.org/wikipedia/commons/a/ab/X.png") is reg.get("commonswiki")
    assert len(responses.calls) == 0


@responses.activate
def test_configured_name_wins_over_wikimedia_name() -> None:
    reg = registry({"enwiki": WikiConfig("enwiki", "http://127.0.0.1:8081/api.php", "Admin@bot", "pw")})
    wiki = reg.get("enwiki")
    assert (wiki.name, wiki.api_url, wiki.credentials) == (
        "enwiki",
        "http://127.0.0.1:8081/api.php",
        ("Admin@bot", "pw"),
    )
    assert reg.get("en.wikipedia").api_url == ENWIKI_API
    assert reg.get("http://127.0.0.1:8081/wiki/File:X.png") is wiki
    assert reg.get("http://127.0.0.1:8081/api.php") is wiki
    assert len(responses.calls) == 0


def test_configured_wikimedia_wiki_keeps_its_account_for_every_spelling() -> None:
    reg = registry({"commons": WikiConfig("commons", "https://commons.wikimedia.org/", "Me@bot", "pw")})
    wiki = reg.get("commons")
    assert wiki.credentials == ("Me@bot", "pw")
    assert wiki.api_url == COMMONS_API
    for other in ("commonswiki", "commons.wikimedia.org", "https://commons.m.wikimedia.org/wiki/File:X.png"):
        assert reg.get(other) is wiki, other
    # Wikimedia hosts stay public-only even when configured.
    assert reg.guard.private_ok("commons.wikimedia.org") is False


def test_configured_name_reached_first_by_wikimedia_name() -> None:
    reg = registry({"c": WikiConfig("c", "https://commons.wikimedia.org/wiki/Main_Page", "Me@bot", "pw")})
    wiki = reg.get("commonswiki")
    assert wiki.name == "c"
    assert reg.get("c") is wiki


def test_two_configured_names_for_one_api_are_two_accounts() -> None:
    reg = registry(
        {
            "a": WikiConfig("a", "http://127.0.0.1:8081/api.php", "A@bot", "pw"),
            "b": WikiConfig("b", "http://127.0.0.1:8081/api.php", "B@bot", "pw"),
        }
    )
    assert reg.get("a") is not reg.get("b")
    assert reg.get("b").credentials == ("B@bot", "pw")
    assert reg.get("b") is reg.get("b")


@responses.activate
@pytest.mark.parametrize("name", ["nosuchname", "en", "File", "src", "en.wikipedla.org"])
def test_unknown_names(name: str) -> None:
    with pytest.raises(UnknownWikiError) as info:
        registry().get(name)
    assert info.value.params == (name,)


def test_empty_name() -> None:
    with pytest.raises(InputError):
        registry().get("  ")


@responses.activate
def test_typo_of_a_wikimedia_name_is_unknown_not_unreachable() -> None:
    with pytest.raises(UnknownWikiError) as info:
        registry().get("en.wikipedla")
    assert info.value.params == ("en.wikipedla",)


def test_bad_configured_url_in_code_built_config() -> None:
    with pytest.raises(ConfigError, match=r"wikis\.x\.url"):
        WikiRegistry(Config(wikis={"x": WikiConfig("x", "ftp://nope/")}))


def test_default_http_client_and_configured_hosts_in_guard() -> None:
    reg = WikiRegistry(
        Config(wikis={"tb": WikiConfig("tb", "http://127.0.0.1:8083/")}, contact="me@example.org")
    )
    assert "me@example.org" in str(reg.http.session.headers["User-Agent"])
    assert reg.guard.is_allowed("127.0.0.1")
    assert reg.guard.private_ok("127.0.0.1")
    assert not reg.guard.is_allowed("wiki.example.org")


# --- discovery ----------------------------------------------------------------------------------


@responses.activate
def test_discovery_from_a_page_with_a_custom_article_path() -> None:
    responses.get("https://wiki.example.org/page/File:x_y.png", body=wikipedia_like_html("wiki.example.org"))
    mock_siteinfo(
        "https://wiki.example.org/w/api.php",
        siteinfo("en", server="https://wiki.example.org", articlepath="/page/$1", scriptpath="/w"),
    )
    reg = registry()
    wiki, title = reg.resolve_source("https://wiki.example.org/page/File:x_y.png")
    assert (wiki.name, wiki.api_url, title) == (
        "wiki.example.org",
        "https://wiki.example.org/w/api.php",
        "File:X y.png",
    )
    assert reg.guard.is_allowed("wiki.example.org")
    assert not reg.guard.private_ok("wiki.example.org")
    assert len(responses.calls) == 2
    # Further URLs on the same wiki need no new discovery: by article path, script path and api.php.
    assert reg.resolve_source("https://wiki.example.org/page/Image:other.png") == (wiki, "File:Other.png")
    assert reg.resolve_source("https://wiki.example.org/w/index.php?title=File:Z.png&action=history") == (
        wiki,
        "File:Z.png",
    )
    assert reg.resolve_source("https://wiki.example.org/w/index.php/File:Q.png") == (wiki, "File:Q.png")
    assert reg.get("https://wiki.example.org/w/api.php") is wiki
    assert len(responses.calls) == 2
    assert wiki.page_url("File:X y.png") == "https://wiki.example.org/page/File:X_y.png"
    # another unconfigured wiki is discovered on its own
    responses.get("https://wiki2.example.org/wiki/File:X.png", body=wikipedia_like_html("wiki2.example.org"))
    other = reg.get("https://wiki2.example.org/wiki/File:X.png")
    assert other is not wiki
    assert other.api_url == "https://wiki2.example.org/w/api.php"


@responses.activate
def test_discovery_reads_404_pages_and_the_recorded_head() -> None:
    responses.get(
        "https://wiki.example.org/wiki/Main_Page",
        body=page_html("https://api.example.org/api.php?action=rsd"),
        status=404,
        content_type="text/html; charset=UTF-8",
    )
    reg = registry()
    wiki = reg.get("https://wiki.example.org/wiki/Main_Page")
    assert wiki.api_url == "https://api.example.org/api.php"
    assert reg.guard.is_allowed("api.example.org")  # the API host the wiki names is allowed too


@responses.activate
def test_configured_wiki_by_page_url_is_discovered_through_the_guard_on_loopback() -> None:
    responses.get("http://127.0.0.1:8083/", body=page_html("http://127.0.0.1:8083/api.php?action=rsd"))
    mock_siteinfo("http://127.0.0.1:8083/api.php", siteinfo("commons", server="http://127.0.0.1:8083"))
    reg = registry({"commons": WikiConfig("commons", "http://127.0.0.1:8083/", "Admin@testbot", "pw")})
    wiki, title = reg.resolve_source("http://127.0.0.1:8083/wiki/File:testbed_Sunset.png")
    assert (wiki.name, wiki.api_url, title) == (
        "commons",
        "http://127.0.0.1:8083/api.php",
        "File:Testbed Sunset.png",
    )
    assert wiki.credentials == ("Admin@testbot", "pw")
    assert reg.get("commons") is wiki
    assert responses.calls[0].request.url == "http://127.0.0.1:8083/"
    assert len(responses.calls) == 2


@responses.activate
def test_configured_wiki_reached_first_by_its_api_host_is_upgraded() -> None:
    responses.get("http://localhost:8083/", body=page_html("http://127.0.0.1:8083/api.php?action=rsd"))
    reg = registry({"tb": WikiConfig("tb", "http://localhost:8083/", "Admin@testbot", "pw")})
    anonymous = reg.get("http://127.0.0.1:8083/api.php")  # host differs from the configured one
    assert anonymous.credentials is None
    wiki = reg.get("tb")
    assert wiki is anonymous
    assert (wiki.name, wiki.credentials) == ("tb", ("Admin@testbot", "pw"))
    # the API host named by a configured wiki inherits its private_ok
    assert reg.guard.private_ok("127.0.0.1")


@responses.activate
def test_several_configured_wikis_on_one_host() -> None:
    reg = registry(
        {
            "a": WikiConfig("a", "https://farm.example.org/a/api.php"),
            "b": WikiConfig("b", "https://farm.example.org/b/api.php"),
        }
    )
    assert reg.get("https://farm.example.org/b/index.php?title=File:X.png").name == "b"
    assert reg.get("https://farm.example.org/a/index.php/File:X.png").name == "a"
    responses.get(
        "https://farm.example.org/c/wiki/X", body=page_html("https://farm.example.org/c/api.php?action=rsd")
    )
    assert reg.get("https://farm.example.org/c/wiki/X").api_url == "https://farm.example.org/c/api.php"


@responses.activate
def test_discovery_for_a_file_url_asks_index_php() -> None:
    responses.get("https://wiki.example.org/w/index.php", body=wikipedia_like_html("wiki.example.org"))
    mock_siteinfo("https://wiki.example.org/w/api.php", siteinfo("en", server="https://wiki.example.org"))
    wiki, title = registry().resolve_source("https://wiki.example.org/w/images/thumb/a/ab/X.png/120px-X.png")
    assert (wiki.api_url, title) == ("https://wiki.example.org/w/api.php", "File:X.png")


@responses.activate
def test_rsd_fallback_when_edituri_is_not_api_php() -> None:
    responses.get("https://wiki.example.org/wiki/X", body=page_html("/rsd.xml"))
    rsd = (FIXTURES / "rsd_de.xml").read_text("utf-8").replace("{origin}", "https://wiki.example.org/mw")
    responses.get("https://wiki.example.org/rsd.xml", body=rsd, content_type="application/rsd+xml")
    assert registry().get("https://wiki.example.org/wiki/X").api_url == "https://wiki.example.org/mw/api.php"


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, "<html><head><title>Not a wiki</title></head></html>", UnknownWikiError),
        (404, "Not Found", UnknownWikiError),
        (502, "<html>Bad gateway</html>", HttpStatusError),
        (200, '<link rel="EditURI" href="javascript:alert(1)">', UnknownWikiError),
        (
            200,
            '<link rel="EditURI" href="/rsd.xml">',
            UnknownWikiError,
        ),  # rsd.xml answers 404 without apiLink
        (200, '<link rel="EditURI" href="/rsd2.xml">', UnknownWikiError),  # apiLink is not http(s)
        (200, " " * (2 * 1024 * 1024 + 10) + page_html("/w/api.php?action=rsd"), UnknownWikiError),
    ],
)
def test_discovery_failures(status: int, body: str, error: type[Exception]) -> None:
    responses.get("https://wiki.example.org/wiki/X", body=body, status=status)
    responses.get("https://wiki.example.org/rsd.xml", body="nope", status=404)
    responses.get("https://wiki.example.org/rsd2.xml", body='<api apiLink="ftp://wiki.example.org/api.php"/>')
    with pytest.raises(error) as info:
        registry().get("https://wiki.example.org/wiki/X")
    if isinstance(info.value, UnknownWikiError):
        assert info.value.params == ("wiki.example.org",)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/wiki/File:X.png",
        "http://intranet.example/wiki/File:X.png",
        "http://10.1.2.3/wiki/Foo",
    ],
)
@responses.activate
def test_discovery_of_private_hosts_is_refused(url: str) -> None:
    with pytest.raises(SsrfError):
        registry().get(url)
    assert len(responses.calls) == 0


@responses.activate
def test_bare_public_host_is_discovered() -> None:
    responses.get("https://wiki.example.org/", body=wikipedia_like_html("wiki.example.org"))
    assert registry().get("wiki.example.org").api_url == "https://wiki.example.org/w/api.php"


def test_find_edit_uri_variants() -> None:
    assert (
        find_edit_uri("<LINK REL='EditURI' HREF='/w/api.php?action=rsd&amp;x=1'>")
        == "/w/api.php?action=rsd&x=1"
    )
    assert find_edit_uri("<link href=/api.php?action=rsd rel=EditURI type=application/rsd+xml>") == (
        "/api.php?action=rsd"
    )
    assert find_edit_uri('<link rel="alternate EditURI" href="/a.php">') == "/a.php"
    assert find_edit_uri('<link rel="EditURI"><link rel="EditURI" href="">') is None
    assert find_edit_uri('<link rel="stylesheet" href="/x.css"><p>EditURI</p>') is None
    assert find_api_link("<api apiLink='https://x/api.php' />") == "https://x/api.php"
    assert find_api_link("<api/>") is None


def test_api_key() -> None:
    assert api_key("HTTPS://EN.Wikipedia.org/w/api.php?action=rsd#x") == "https://en.wikipedia.org/w/api.php"


# --- resolve_source -------------------------------------------------------------------------------


@responses.activate
def test_resolve_source_forms() -> None:
    mock_siteinfo(ENWIKI_API, siteinfo("enwiki"))
    mock_siteinfo(COMMONS_API, siteinfo("commons", server="https://commons.wikimedia.org", scriptpath="/w"))
    mock_siteinfo("http://127.0.0.1:8082/api.php", siteinfo("de", server="http://127.0.0.1:8082"))
    reg = registry({"other": WikiConfig("other", "http://127.0.0.1:8082/api.php")})
    enwiki, commons, other = reg.get("enwiki"), reg.get("commons"), reg.get("other")
    cases = {
        "en.wikipedia:File:example.jpg": (enwiki, "File:Example.jpg"),
        "enwiki:Image:example.jpg": (enwiki, "File:Example.jpg"),
        "commons:File:A:B.png": (commons, "File:A:B.png"),
        "commons:x.png": (commons, "File:X.png"),
        "other:File:x.png": (other, "Datei:X.png"),
        "other:Bild:x.png": (other, "Datei:X.png"),
        "https://en.m.wikipedia.org/wiki/File:Example.jpg": (enwiki, "File:Example.jpg"),
        "en.wikipedia.org/wiki/Media:example.jpg": (enwiki, "File:Example.jpg"),
        "https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/X_y.png/120px-X_y.png": (
            commons,
            "File:X y.png",
        ),
        "http://127.0.0.1:8082/index.php?title=Medium:x.png&action=history": (other, "Datei:X.png"),
        "https://en.wikipedia.org/wiki/Haifa#/media/File:Mosque.jpg": (enwiki, "File:Mosque.jpg"),
    }
    for text, expected in cases.items():
        assert reg.resolve_source(text) == expected, text
    assert len(responses.calls) == 3  # one siteinfo per wiki


@responses.activate
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", InputError),
        ("File:X.png", InputError),
        ("nosuchname:File:X.png", InputError),
        ("https://en.wikipedia.org/", InputError),
        ("ftp://en.wikipedia.org/wiki/File:X.png", InputError),
        ("https://en.wikipedia.org/wiki/Category:X", NotAFileError),
        ("en.wikipedia:Category:X", NotAFileError),
        ("https://en.wikipedia.org/wiki/Special:Upload", NotAFileError),
        ("https://en.wikipedia.org/wiki/Haifa", NotAFileError),
        ("https://en.wikipedia.org/wiki/File_talk:X.png", NotAFileError),
        ("https://en.wikipedia.org/wiki/File:", InputError),
    ],
)
def test_resolve_source_errors(text: str, error: type[Exception]) -> None:
    mock_siteinfo(ENWIKI_API, siteinfo("enwiki"))
    with pytest.raises(error):
        registry().resolve_source(text)


@responses.activate
def test_page_and_revision_ids_are_asked_from_the_wiki() -> None:
    mock_siteinfo(ENWIKI_API, siteinfo("enwiki"))
    responses.get(
        ENWIKI_API,
        json={
            "batchcomplete": True,
            "query": {"pages": [{"pageid": 123, "ns": 6, "title": "File:Example.jpg"}]},
        },
        match=[responses.matchers.query_param_matcher({"pageids": "123"}, strict_match=False)],
    )
    responses.get(
        ENWIKI_API,
        json={"query": {"pages": [{"pageid": 7, "ns": 0, "title": "Haifa"}]}},
        match=[responses.matchers.query_param_matcher({"revids": "99"}, strict_match=False)],
    )
    responses.get(
        ENWIKI_API,
        json={"query": {"badrevids": {"5": {"revid": 5, "missing": True}}}},
        match=[responses.matchers.query_param_matcher({"revids": "5"}, strict_match=False)],
    )
    responses.get(
        ENWIKI_API,
        json={"query": {"pages": [{"pageid": 4, "missing": True, "title": "x"}]}},
        match=[responses.matchers.query_param_matcher({"pageids": "4"}, strict_match=False)],
    )
    reg = registry()
    assert reg.resolve_source("https://en.wikipedia.org/w/index.php?curid=123")[1] == "File:Example.jpg"
    with pytest.raises(NotAFileError):
        reg.resolve_source("https://en.wikipedia.org/w/index.php?oldid=99")
    with pytest.raises(InputError, match="oldid=5"):
        reg.resolve_source("https://en.wikipedia.org/w/index.php?oldid=5")
    with pytest.raises(InputError, match="curid=4"):
        reg.resolve_source("https://en.wikipedia.org/w/index.php?curid=4")


@responses.activate
def test_unknown_layout_without_title_is_an_input_error() -> None:
    responses.get("https://wiki.example.org/x/y", body=wikipedia_like_html("wiki.example.org"))
    mock_siteinfo("https://wiki.example.org/w/api.php", siteinfo("en", server="https://wiki.example.org"))
    with pytest.raises(InputError, match="no page title"):
        registry().resolve_source("https://wiki.example.org/x/y")


# --- Wiki -----------------------------------------------------------------------------------------


@responses.activate
def test_wiki_siteinfo_is_cached_and_login_happens_once() -> None:
    mock_siteinfo("http://127.0.0.1:8081/api.php", siteinfo("en", server="http://127.0.0.1:8081"))
    responses.get(
        "http://127.0.0.1:8081/api.php",
        json={"query": {"tokens": {"logintoken": "abc+\\"}}},
        match=[responses.matchers.query_param_matcher({"type": "login"}, strict_match=False)],
    )
    responses.post(
        "http://127.0.0.1:8081/api.php", json={"login": {"result": "Success", "lgusername": "Admin"}}
    )
    reg = registry({"src": WikiConfig("src", "http://127.0.0.1:8081/api.php", "Admin@testbot", "secret-pw")})
    wiki = reg.get("src")
    assert wiki.cached_siteinfo is None
    assert wiki.siteinfo() is wiki.siteinfo()
    assert wiki.cached_siteinfo is wiki.siteinfo()
    assert wiki.page_url("File:A b.png") == "http://127.0.0.1:8081/wiki/File:A_b.png"
    assert wiki.file_title("a b.png") == "File:A b.png"
    wiki.ensure_login()
    wiki.ensure_login()
    assert wiki.api.logged_in
    assert len(responses.calls) == 3  # siteinfo, login token, login
    assert "secret-pw" not in repr(wiki)
    assert "with account" in repr(wiki)


def test_wiki_without_credentials_cannot_log_in() -> None:
    wiki = registry().get("commons")
    with pytest.raises(NotLoggedInError) as info:
        wiki.ensure_login()
    assert info.value.params == ("commons",)
    assert "anonymous" in repr(wiki)


def test_wiki_can_be_built_with_a_siteinfo() -> None:
    reg = registry()
    site = parse_siteinfo(copy.deepcopy(siteinfo("de")))
    wiki = Wiki("x", reg.get("commons").api, siteinfo=site)
    assert wiki.file_title("Bild:x.png") == "Datei:X.png"
