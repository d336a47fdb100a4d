"""WikiLookups on fake HTTP: langlinks first, Wikidata second, 50 titles a request, cached answers.

The wikis' siteinfo is the recorded one (tests/fixtures/wiki), moved to Wikimedia hosts so that the
interwiki map of enwiki (``de`` → de.wikipedia.org, ``commons`` → commons.wikimedia.org) points at
them. The query answers are built by ``FakeQuery`` in MediaWiki's formatversion=2 shape (normalized,
redirects, missing, known, langlinks); the Wikidata answers are the fixtures of test_wikidata.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.lookups import WikiLookups, page_exists, query_titles
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import SiteInfo, parse_siteinfo, ucfirst
from wikifile_transfer.wiki.wikidata import WIKIDATA_API, WikidataClient
from wikifile_transfer.wikitext.steps.base import Lookups

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PUBLIC = "208.80.154.224"
EN_API = "https://en.wikipedia.org/w/api.php"
DE_API = "https://de.wikipedia.org/w/api.php"
COMMONS_API = "https://commons.wikimedia.org/w/api.php"


def siteinfo(name: str, **general: Any) -> SiteInfo:
    data = json.loads((FIXTURES / "wiki" / f"siteinfo_{name}.json").read_text("utf-8"))
    data["query"]["general"].update(general)
    return parse_siteinfo(data)


ENWIKI = siteinfo("enwiki")
DEWIKI = siteinfo("de", server="https://de.wikipedia.org", scriptpath="/w", wikiid="dewiki")
COMMONS = siteinfo("commons", server="https://commons.wikimedia.org", scriptpath="/w", wikiid="commonswiki")
ELSEWHERE = siteinfo("de", server="https://wiki.example.org", scriptpath="/w", wikiid="examplewiki")


def wikidata_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "wikidata" / name).read_text("utf-8"))
    return data


def params_of(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query, keep_blank_values=True).items()}


class FakeQuery:
    """``action=query&titles=…`` of one wiki: normalisation (namespace names, first letter, ``_``),
    redirects (with ``redirects=1``), existing/missing/known pages and ``langlinks`` (``lllang``)."""

    def __init__(
        self,
        site: SiteInfo,
        pages: dict[str, dict[str, Any]],
        *,
        redirects: dict[str, str] | None = None,
        known: set[str] | None = None,
    ) -> None:
        self.site = site
        self.pages = pages
        self.redirects = redirects or {}
        self.known = known or set()
        self.calls: list[dict[str, str]] = []

    def normalize(self, title: str) -> str:
        ns, rest = self.site.split_title(title)
        rest = ucfirst(rest.replace("_", " "))
        return f"{self.site.namespaces[ns].name}:{rest}" if ns else rest

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.calls.append(params)
        assert params["action"] == "query"
        titles = params["titles"].split("|")
        assert len(titles) <= 50
        normalized, redirects, pages = [], [], {}
        for title in titles:
            final = self.normalize(title)
            if final != title:
                normalized.append({"fromencoded": False, "from": title, "to": final})
            if params.get("redirects") and final in self.redirects:
                redirects.append({"from": final, "to": self.redirects[final]})
                final = self.redirects[final]
            page: dict[str, Any] = {"ns": self.site.split_title(final)[0], "title": final}
            if final in self.pages:
                page["pageid"] = 100 + len(pages)
                links = self.pages[final].get("langlinks", [])
                wanted = [link for link in links if link["lang"] == params.get("lllang")]
                if "langlinks" in params.get("prop", "") and wanted:
                    page["langlinks"] = wanted
            else:
                page["missing"] = True
                if final in self.known:
                    page["known"] = True
            pages[final] = page
        query: dict[str, Any] = {"pages": list(pages.values())}
        if normalized:
            query["normalized"] = normalized
        if redirects:
            query["redirects"] = redirects
        return 200, {}, json.dumps({"batchcomplete": True, "query": query})


def http() -> HttpClient:
    return HttpClient(HostGuard(resolver=lambda host, port: [PUBLIC]))


def wiki(name: str, api_url: str, site: SiteInfo, client: HttpClient) -> Wiki:
    return Wiki(name, ApiClient(api_url, client, sleep=lambda _s: None), siteinfo=site)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def serve(rsps: responses.RequestsMock, api_url: str, fake: FakeQuery) -> FakeQuery:
    rsps.add_callback(responses.GET, api_url, callback=fake)
    return fake


def lookups(
    target: SiteInfo = DEWIKI, *, wikidata: bool = False, target_api: str = DE_API
) -> tuple[WikiLookups, HttpClient]:
    client = http()
    source = wiki("enwiki", EN_API, ENWIKI, client)
    other = wiki("target", target_api, target, client)
    data = WikidataClient.create(client) if wikidata else None
    return WikiLookups(source, other, data), client


def test_implements_the_protocol() -> None:
    instance, _client = lookups()
    checked: Lookups = instance
    assert checked.category_links([]) == {}


def test_langlink_prefix_comes_from_the_interwiki_map() -> None:
    assert lookups(DEWIKI)[0].langlink_prefix() == "de"
    # enwiki has two prefixes for Commons ("c" and "commons"); neither is a language link, either is fine
    assert lookups(COMMONS, target_api=COMMONS_API)[0].langlink_prefix() in {"c", "commons"}
    assert lookups(ELSEWHERE, target_api="https://wiki.example.org/w/api.php")[0].langlink_prefix() is None
    client = http()
    same = wiki("enwiki", EN_API, ENWIKI, client)
    assert WikiLookups(same, same).langlink_prefix() is None


def test_category_links_batch_120_titles_in_three_requests(rsps: responses.RequestsMock) -> None:
    pages = {
        f"Category:Cat {i}": {"langlinks": [{"lang": "de", "title": f"Kategorie:Kat {i}"}]}
        for i in range(120)
    }
    fake = serve(rsps, EN_API, FakeQuery(ENWIKI, pages))
    instance, client = lookups()
    titles = [f"Category:Cat {i}" for i in range(120)]
    found = instance.category_links(titles)
    assert len(found) == 120
    assert found["Category:Cat 7"] == "Kategorie:Kat 7"
    assert [len(call["titles"].split("|")) for call in fake.calls] == [50, 50, 20]
    assert {(c["prop"], c["lllang"], c["redirects"]) for c in fake.calls} == {("langlinks", "de", "1")}
    assert client.stats.total == 3
    # cached: the same titles again (in another order) cost nothing
    assert instance.category_links(reversed(titles)) == found
    assert client.stats.total == 3


def test_existing_on_target_batches_and_maps_through_normalisation(rsps: responses.RequestsMock) -> None:
    existing = {f"Kategorie:K{i}": {} for i in range(0, 120, 2)}
    existing["Kategorie:Sonnenuntergänge"] = {}
    fake = serve(rsps, DE_API, FakeQuery(DEWIKI, existing, known={"Datei:Shared.png"}))
    instance, client = lookups()
    titles = [f"Category:K{i}" for i in range(120)]
    found = instance.existing_on_target(titles)
    assert found == {f"Category:K{i}" for i in range(0, 120, 2)}
    assert [len(call["titles"].split("|")) for call in fake.calls] == [50, 50, 20]
    asked = ["Category:Sonnenuntergänge", "Kategorie:Sonnenuntergänge", "category:Sonnenuntergänge"]
    more = instance.existing_on_target([*asked, "Kategorie:Fehlt", "File:Shared.png"])
    assert more == {*asked, "File:Shared.png"}  # a shared-repository file is "known"
    assert client.stats.total == 4
    assert instance.existing_on_target(["Category:K0", "Category:K1", "File:Shared.png"]) == {
        "Category:K0",
        "File:Shared.png",
    }
    assert client.stats.total == 4


def test_normalisation_and_redirects_map_back_to_every_asked_title(rsps: responses.RequestsMock) -> None:
    pages = {
        "Category:Sunsets": {"langlinks": [{"lang": "de", "title": "Kategorie:Sonnenuntergänge"}]},
        "Template:Cc-by-sa-4.0": {"langlinks": [{"lang": "de", "title": "Vorlage:CC-by-sa-4.0"}]},
        "Template:Information": {"langlinks": [{"lang": "de", "title": "Template:Information"}]},
    }
    redirects = {"Category:Sunset": "Category:Sunsets", "Template:Cc-by-sa": "Template:Cc-by-sa-4.0"}
    fake = serve(rsps, EN_API, FakeQuery(ENWIKI, pages, redirects=redirects))
    instance, _client = lookups()
    titles = [
        "Category:Sunsets",
        "category:sunsets",
        "Category:Sunset",
        "Category:Sunsets_",
        "Category:Other",
    ]
    assert instance.category_links(titles) == {
        "Category:Sunsets": "Kategorie:Sonnenuntergänge",
        "category:sunsets": "Kategorie:Sonnenuntergänge",
        "Category:Sunset": "Kategorie:Sonnenuntergänge",
        "Category:Sunsets_": "Kategorie:Sonnenuntergänge",
    }
    # templates: asked without namespace, answered without namespace (German local name dropped)
    found = instance.template_links(["Cc-by-sa-4.0", "cc-by-sa", "Information", "Unknown"])
    assert found == {"Cc-by-sa-4.0": "CC-by-sa-4.0", "cc-by-sa": "CC-by-sa-4.0", "Information": "Information"}
    assert fake.calls[-1]["titles"].split("|") == [
        "Template:Cc-by-sa-4.0",
        "Template:cc-by-sa",
        "Template:Information",
        "Template:Unknown",
    ]


def test_langlink_in_the_wrong_namespace_is_ignored(rsps: responses.RequestsMock) -> None:
    pages = {"Category:Sunsets": {"langlinks": [{"lang": "de", "title": "Sonnenuntergang"}]}}
    serve(rsps, EN_API, FakeQuery(ENWIKI, pages))
    instance, _client = lookups()
    assert instance.category_links(["Category:Sunsets"]) == {}
    assert instance.template_links(["Sunsets"]) == {}


def test_wikidata_fallback_for_commons(rsps: responses.RequestsMock) -> None:
    pages = {"Category:Sunsets": {}, "Category:Dusk": {}, "Category:Nonexistent things": {}}
    fake = serve(rsps, EN_API, FakeQuery(ENWIKI, pages))
    rsps.get(WIKIDATA_API, json=wikidata_fixture("wbgetentities_sites_enwiki_categories.json"))
    instance, client = lookups(COMMONS, wikidata=True, target_api=COMMONS_API)
    titles = ["Category:Sunsets", "Category:Dusk", "Category:Nonexistent things", "Category:No page"]
    assert instance.category_links(titles) == {"Category:Sunsets": "Category:Sunsets"}
    assert fake.calls[0]["lllang"] in {"c", "commons"}
    wikidata_calls = [call for call in rsps.calls if call.request.url.startswith(WIKIDATA_API)]
    assert len(wikidata_calls) == 1
    query = params_of(wikidata_calls[0])
    assert (query["action"], query["sites"], query["props"]) == ("wbgetentities", "enwiki", "sitelinks")
    # a category without a page has no item: it is not asked for
    assert query["titles"].split("|") == ["Category:Sunsets", "Category:Dusk", "Category:Nonexistent things"]
    assert client.stats.total == 2
    instance.category_links(titles)
    assert client.stats.total == 2


def test_wikidata_fallback_only_for_titles_without_langlink(rsps: responses.RequestsMock) -> None:
    pages = {
        "Category:Sunsets": {},
        "Category:Dusk": {},
        "Category:Evening": {"langlinks": [{"lang": "de", "title": "Kategorie:Abend"}]},
    }
    serve(rsps, EN_API, FakeQuery(ENWIKI, pages))
    rsps.get(WIKIDATA_API, json=wikidata_fixture("wbgetentities_sites_enwiki_categories.json"))
    instance, _client = lookups(DEWIKI, wikidata=True)
    found = instance.category_links(["Category:Evening", "category:sunsets", "Category:Dusk"])
    # Dusk's dewiki sitelink is an article, not a category: not used
    assert found == {"Category:Evening": "Kategorie:Abend", "category:sunsets": "Kategorie:Sonnenuntergang"}
    wikidata_calls = [call for call in rsps.calls if call.request.url.startswith(WIKIDATA_API)]
    assert params_of(wikidata_calls[0])["titles"] == "Category:Sunsets|Category:Dusk"


def test_template_wikidata_fallback(rsps: responses.RequestsMock) -> None:
    serve(rsps, EN_API, FakeQuery(ENWIKI, {"Template:Information": {}}))
    rsps.get(WIKIDATA_API, json=wikidata_fixture("wbgetentities_sites_enwiki_templates.json"))
    instance, _client = lookups(DEWIKI, wikidata=True)
    assert instance.template_links(["Information"]) == {"Information": "Information"}


def test_no_way_to_the_target_means_no_request(rsps: responses.RequestsMock) -> None:
    instance, client = lookups(ELSEWHERE, target_api="https://wiki.example.org/w/api.php")
    assert instance.category_links(["Category:Sunsets"]) == {}
    assert instance.template_links(["Information"]) == {}
    assert client.stats.total == 0


def test_target_without_prefix_still_uses_wikidata(rsps: responses.RequestsMock) -> None:
    fake = serve(rsps, EN_API, FakeQuery(ENWIKI, {"Category:Sunsets": {}}))
    rsps.get(WIKIDATA_API, json=wikidata_fixture("wbgetentities_sites_enwiki_categories.json"))
    target = siteinfo("de", server="https://wiki.example.org", scriptpath="/w", wikiid="dewiki")
    instance, _client = lookups(target, wikidata=True, target_api="https://wiki.example.org/w/api.php")
    assert instance.category_links(["Category:Sunsets"]) == {"Category:Sunsets": "Kategorie:Sonnenuntergang"}
    assert "prop" not in fake.calls[0]  # only normalisation and redirects were asked for


def test_empty_input_sends_nothing(rsps: responses.RequestsMock) -> None:
    instance, client = lookups(wikidata=True)
    assert instance.category_links([]) == {}
    assert instance.template_links(["", "  "]) == {}
    assert instance.existing_on_target([]) == set()
    assert client.stats.total == 0


def test_query_titles_merges_continuations(rsps: responses.RequestsMock) -> None:
    first = {
        "continue": {"llcontinue": "11|de", "continue": "||"},
        "query": {
            "normalized": [{"from": "category:b", "to": "Category:B"}],
            "pages": [
                {
                    "pageid": 10,
                    "ns": 14,
                    "title": "Category:A",
                    "langlinks": [{"lang": "de", "title": "K:A"}],
                },
                {"pageid": 11, "ns": 14, "title": "Category:B"},
            ],
        },
    }
    second = {
        "batchcomplete": True,
        "query": {
            "pages": [
                {"pageid": 10, "ns": 14, "title": "Category:A"},
                {
                    "pageid": 11,
                    "ns": 14,
                    "title": "Category:B",
                    "langlinks": [{"lang": "de", "title": "K:B"}],
                },
            ]
        },
    }
    rsps.get(EN_API, json=first)
    rsps.get(EN_API, json=second)
    api = ApiClient(EN_API, http())
    answer = query_titles(api, ["Category:A", "category:b"], {"prop": "langlinks", "lllang": "de"})
    assert answer.final == {"Category:A": "Category:A", "category:b": "Category:B"}
    assert answer.page("category:b") == {
        "pageid": 11,
        "ns": 14,
        "title": "Category:B",
        "langlinks": [{"lang": "de", "title": "K:B"}],
    }
    assert answer.pages["Category:A"]["langlinks"] == [{"lang": "de", "title": "K:A"}]
    assert params_of(rsps.calls[1])["llcontinue"] == "11|de"


def test_page_exists() -> None:
    assert page_exists({"pageid": 1, "title": "A"})
    assert page_exists({"title": "File:A.png", "missing": True, "known": True})
    assert not page_exists({"title": "A", "missing": True})
    assert not page_exists({"title": "A<", "invalid": True, "invalidreason": "bad"})
    assert not page_exists(None)


def test_unusable_answers_are_ignored(rsps: responses.RequestsMock) -> None:
    # an empty or illegal langlink title is no answer; a target without a dbname has no sitelinks
    pages = {
        "Category:Empty": {"langlinks": [{"lang": "de", "title": "Kategorie:"}]},
        "Category:Bad": {"langlinks": [{"lang": "de", "title": "Kategorie:A%41"}]},
    }
    serve(rsps, EN_API, FakeQuery(ENWIKI, pages))
    target = siteinfo("de", server="https://de.wikipedia.org", scriptpath="/w", wikiid="")
    instance, client = lookups(target, wikidata=True)
    assert instance.category_links(["Category:Empty", "Category:Bad"]) == {}
    assert client.stats.total == 1  # no Wikidata request without the target's dbname
