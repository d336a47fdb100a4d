"""The planner's pure helpers: the interwiki prefix for the source wiki, and category prefixes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from wikifile_transfer.transfer.describe import CATEGORY_NS, category_prefixes, interwiki_prefix
from wikifile_transfer.wiki.siteinfo import Namespace, SiteInfo, parse_siteinfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wiki"


def load(name: str) -> SiteInfo:
    data: dict[str, Any] = json.loads((FIXTURES / f"siteinfo_{name}.json").read_text("utf-8"))
    return parse_siteinfo(data)


@pytest.fixture(scope="module")
def de() -> SiteInfo:
    return load("de")


@pytest.fixture(scope="module")
def en() -> SiteInfo:
    return load("en")


@pytest.fixture(scope="module")
def commons() -> SiteInfo:
    return load("commons")


@pytest.fixture(scope="module")
def enwiki() -> SiteInfo:
    return load("enwiki")


def with_interwiki(site: SiteInfo, interwiki: dict[str, str]) -> SiteInfo:
    return dataclasses.replace(site, interwiki=interwiki)


def source_at(site: SiteInfo, server: str, articlepath: str = "/wiki/$1") -> SiteInfo:
    return dataclasses.replace(site, server=server, articlepath=articlepath)


# --- interwiki_prefix ------------------------------------------------------------------------------------


def test_recorded_testbed_wikis_know_each_other(de: SiteInfo, en: SiteInfo, commons: SiteInfo) -> None:
    # the testbed's interwiki table maps "de" to the German wiki and "commons" to the shared repository
    assert interwiki_prefix(en, de) == "de"
    assert interwiki_prefix(de, commons) == "commons"
    assert interwiki_prefix(en, commons) == "commons"


def test_every_testbed_wiki_has_a_prefix_on_the_others(de: SiteInfo, en: SiteInfo, commons: SiteInfo) -> None:
    assert interwiki_prefix(de, en) == "en"
    assert interwiki_prefix(commons, de) == "de"


def test_mediawikis_default_table_links_to_the_english_wikipedia(de: SiteInfo, enwiki: SiteInfo) -> None:
    assert de.interwiki["wikipedia"] == "https://en.wikipedia.org/wiki/$1"
    assert interwiki_prefix(de, enwiki) == "wikipedia"


def test_no_prefix_when_the_target_has_no_link_to_the_source(de: SiteInfo, enwiki: SiteInfo) -> None:
    assert interwiki_prefix(enwiki, de) is None  # a local testbed wiki is unknown to Wikipedia
    assert interwiki_prefix(de, source_at(de, "https://unknown.example")) is None


def test_empty_interwiki_table_gives_none(de: SiteInfo, commons: SiteInfo) -> None:
    assert interwiki_prefix(with_interwiki(de, {}), commons) is None


def test_shortest_prefix_wins(enwiki: SiteInfo) -> None:
    # enwiki maps both "c" and "commons" to Commons
    assert enwiki.interwiki["c"] == enwiki.interwiki["commons"]
    commons_wmf = source_at(enwiki, "https://commons.wikimedia.org")
    assert interwiki_prefix(enwiki, commons_wmf) == "c"


def test_equal_length_prefixes_are_chosen_alphabetically(de: SiteInfo) -> None:
    target = with_interwiki(
        de,
        {"zz": "https://src.example/wiki/$1", "aa": "https://src.example/wiki/$1", "mm": "https://x/$1"},
    )
    assert interwiki_prefix(target, source_at(de, "https://src.example")) == "aa"


def test_scheme_and_host_case_do_not_matter(de: SiteInfo) -> None:
    source = source_at(de, "https://Src.Example.ORG")
    for url in (
        "http://src.example.org/wiki/$1",
        "https://SRC.example.org/wiki/$1",
        "//src.example.org/wiki/$1",  # protocol-relative
        "src.example.org/wiki/$1",  # no scheme at all
    ):
        assert interwiki_prefix(with_interwiki(de, {"src": url}), source) == "src", url


def test_path_case_matters(de: SiteInfo) -> None:
    target = with_interwiki(de, {"src": "https://src.example/Wiki/$1"})
    assert interwiki_prefix(target, source_at(de, "https://src.example")) is None


def test_trailing_slash_of_the_server_is_ignored(de: SiteInfo) -> None:
    target = with_interwiki(de, {"src": "https://src.example/wiki/$1"})
    assert interwiki_prefix(target, source_at(de, "https://src.example/")) == "src"


def test_port_must_match(de: SiteInfo) -> None:
    target = with_interwiki(
        de, {"eight": "http://127.0.0.1:8080/wiki/$1", "nine": "http://127.0.0.1:9090/wiki/$1"}
    )
    assert interwiki_prefix(target, source_at(de, "http://127.0.0.1:9090")) == "nine"


def test_a_different_article_path_does_not_match(de: SiteInfo) -> None:
    target = with_interwiki(de, {"src": "https://src.example/wiki/$1", "w": "https://src.example/w/$1"})
    assert interwiki_prefix(target, source_at(de, "https://src.example", "/w/$1")) == "w"
    assert interwiki_prefix(target, source_at(de, "https://src.example", "/view/$1")) is None


def test_index_php_article_paths_match(de: SiteInfo) -> None:
    target = with_interwiki(de, {"old": "https://old.example/index.php?title=$1"})
    source = source_at(de, "https://old.example", "/index.php?title=$1")
    assert interwiki_prefix(target, source) == "old"


def test_another_host_with_the_same_path_does_not_match(de: SiteInfo) -> None:
    target = with_interwiki(de, {"other": "https://other.example/wiki/$1"})
    assert interwiki_prefix(target, source_at(de, "https://src.example")) is None


# --- category_prefixes -----------------------------------------------------------------------------------


def test_category_namespace_id() -> None:
    assert CATEGORY_NS == 14


def test_local_name_comes_before_the_canonical_name(de: SiteInfo) -> None:
    assert category_prefixes(de) == ["Kategorie", "Category"]


def test_english_wiki_repeats_its_canonical_name(en: SiteInfo) -> None:
    # name and canonical name are both "Category": duplicates are harmless for prefix matching
    assert category_prefixes(en) == ["Category", "Category"]


def test_aliases_follow_the_names(de: SiteInfo) -> None:
    namespaces = dict(de.namespaces)
    namespaces[14] = Namespace(14, "Kategorie", "Category", ("Kat", "Cat"), "first-letter")
    site = dataclasses.replace(de, namespaces=namespaces)
    assert category_prefixes(site) == ["Kategorie", "Category", "Kat", "Cat"]


def test_aliases_from_a_parsed_siteinfo() -> None:
    data: dict[str, Any] = json.loads((FIXTURES / "siteinfo_de.json").read_text("utf-8"))
    data["query"]["namespacealiases"] = [
        *data["query"].get("namespacealiases", []),
        {"id": 14, "alias": "Kat"},
    ]
    assert category_prefixes(parse_siteinfo(data)) == ["Kategorie", "Category", "Kat"]


def test_no_canonical_name_leaves_it_out(de: SiteInfo) -> None:
    namespaces = dict(de.namespaces)
    namespaces[14] = Namespace(14, "Kategorie", None, (), "first-letter")
    assert category_prefixes(dataclasses.replace(de, namespaces=namespaces)) == ["Kategorie"]


def test_unknown_category_namespace_falls_back_to_english(de: SiteInfo) -> None:
    namespaces = {k: v for k, v in de.namespaces.items() if k != 14}
    assert category_prefixes(dataclasses.replace(de, namespaces=namespaces)) == ["Category"]
