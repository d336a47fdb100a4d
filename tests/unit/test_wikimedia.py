"""Wikimedia site codes, database names and hosts, offline."""

from __future__ import annotations

import pytest

from wikifile_transfer.wiki.wikimedia import (
    is_wikimedia_host,
    strip_mobile,
    upload_wiki_host,
    wikimedia_host,
    wikimedia_name,
)


@pytest.mark.parametrize(
    ("name", "host"),
    [
        ("en.wikipedia", "en.wikipedia.org"),
        ("enwiki", "en.wikipedia.org"),
        ("en.wiktionary", "en.wiktionary.org"),
        ("enwiktionary", "en.wiktionary.org"),
        ("dewikisource", "de.wikisource.org"),
        ("frwikivoyage", "fr.wikivoyage.org"),
        ("commons", "commons.wikimedia.org"),
        ("commonswiki", "commons.wikimedia.org"),
        ("commons.wikimedia", "commons.wikimedia.org"),
        ("meta", "meta.wikimedia.org"),
        ("metawiki", "meta.wikimedia.org"),
        ("species", "species.wikimedia.org"),
        ("specieswiki", "species.wikimedia.org"),
        ("wikidata", "www.wikidata.org"),
        ("wikidatawiki", "www.wikidata.org"),
        ("www.wikidata", "www.wikidata.org"),
        ("mediawiki", "www.mediawiki.org"),
        ("mediawikiwiki", "www.mediawiki.org"),
        ("incubator", "incubator.wikimedia.org"),
        ("incubatorwiki", "incubator.wikimedia.org"),
        ("zh-min-nan.wikipedia", "zh-min-nan.wikipedia.org"),
        ("zh_min_nanwiki", "zh-min-nan.wikipedia.org"),
        ("zh_classicalwiki", "zh-classical.wikipedia.org"),
        ("be-tarask.wikipedia", "be-tarask.wikipedia.org"),
        ("be_x_oldwiki", "be-tarask.wikipedia.org"),
        ("be-x-old.wikipedia", "be-tarask.wikipedia.org"),
        ("be-x-old.wikipedia.org", "be-tarask.wikipedia.org"),
        ("dewikimedia", "de.wikimedia.org"),
        ("simplewiki", "simple.wikipedia.org"),
        ("test2wiki", "test2.wikipedia.org"),
        ("sourceswiki", "wikisource.org"),
        ("betawikiversity", "beta.wikiversity.org"),
        ("en.wikipedia.org", "en.wikipedia.org"),
        ("EN.Wikipedia.org.", "en.wikipedia.org"),
        ("en.m.wikipedia.org", "en.wikipedia.org"),
        ("commons.m.wikimedia.org", "commons.wikimedia.org"),
        ("m.mediawiki.org", "www.mediawiki.org"),
        ("wikidata.org", "www.wikidata.org"),
        ("  hi.wikipedia ", "hi.wikipedia.org"),
    ],
)
def test_wikimedia_host(name: str, host: str) -> None:
    assert wikimedia_host(name) == host


@pytest.mark.parametrize(
    "name",
    [
        "",
        "en",
        "wiki",
        "wikipedia",
        "src",
        "en.wikipedla",
        "example.org",
        "wiki.example.org",
        "upload.wikimedia.org",
        "wikimedia.org",
        "en.wikipedia.org/wiki",
        "en_.wikipedia.org",
        "EN WIKI",
        "1.wikipedia",
        "x" * 200,
    ],
)
def test_not_wikimedia(name: str) -> None:
    assert wikimedia_host(name) is None


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("en.wikipedia.org", "en.wikipedia"),
        ("en.m.wikipedia.org", "en.wikipedia"),
        ("commons.wikimedia.org", "commons"),
        ("meta.wikimedia.org", "meta"),
        ("www.wikidata.org", "wikidata"),
        ("www.mediawiki.org", "mediawiki"),
        ("de.wikimedia.org", "de.wikimedia"),
        ("test-commons.wikimedia.org", "test-commons.wikimedia"),
        ("wikisource.org", "wikisource"),
        ("127.0.0.1", "127.0.0.1"),
        ("Wiki.Example.org", "wiki.example.org"),
    ],
)
def test_wikimedia_name(host: str, name: str) -> None:
    assert wikimedia_name(host) == name


def test_names_round_trip() -> None:
    for name in (
        "en.wikipedia",
        "commons",
        "meta",
        "wikidata",
        "mediawiki",
        "zh-min-nan.wikipedia",
        "de.wiktionary",
    ):
        host = wikimedia_host(name)
        assert host is not None
        assert wikimedia_name(host) == name


def test_is_wikimedia_and_mobile() -> None:
    assert is_wikimedia_host("upload.wikimedia.org")
    assert not is_wikimedia_host("wikipedia.org.evil.example")
    assert not is_wikimedia_host("evilwikipedia.org")
    assert strip_mobile("en.m.wikipedia.org") == "en.wikipedia.org"
    assert strip_mobile("m.wikidata.org") == "www.wikidata.org"
    assert strip_mobile("en.m.example.org") == "en.m.example.org"  # not Wikimedia: left alone
    assert strip_mobile("en.wikipedia.org") == "en.wikipedia.org"


@pytest.mark.parametrize(
    ("project", "code", "host"),
    [
        ("wikipedia", "commons", "commons.wikimedia.org"),
        ("wikipedia", "en", "en.wikipedia.org"),
        ("wikipedia", "mediawiki", "www.mediawiki.org"),
        ("wikipedia", "meta", "meta.wikimedia.org"),
        ("wiktionary", "fr", "fr.wiktionary.org"),
        ("wikidata", "wikidata", "www.wikidata.org"),
        ("wikidata", "www", "www.wikidata.org"),
        ("math", "render", None),
        ("wikipedia", "-x", None),
    ],
)
def test_upload_wiki_host(project: str, code: str, host: str | None) -> None:
    assert upload_wiki_host(project, code) == host
