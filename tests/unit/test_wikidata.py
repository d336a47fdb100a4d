"""WikidataClient and the NowCommons template, on wbgetentities answers in Wikidata's real format
(tests/fixtures/wikidata, see SOURCES.md there for which are verbatim and which constructed)."""

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
from wikifile_transfer.wiki.wikidata import (
    NOW_COMMONS_ITEM,
    WIKIDATA_API,
    WikidataClient,
    now_commons_template,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wikidata"
PUBLIC = "208.80.154.224"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    return data


def query_of(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query, keep_blank_values=True).items()}


def client() -> WikidataClient:
    http = HttpClient(HostGuard(resolver=lambda host, port: [PUBLIC]))
    return WikidataClient.create(http)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_default_api_is_wikidata_and_configurable() -> None:
    http = HttpClient(HostGuard(resolver=lambda host, port: [PUBLIC]))
    assert WikidataClient.create(http).api.api_url == WIKIDATA_API == "https://www.wikidata.org/w/api.php"
    other = WikidataClient(ApiClient("https://test.wikidata.org/w/api.php", http))
    assert other.api.api_url == "https://test.wikidata.org/w/api.php"


def test_now_commons_template_from_the_verbatim_fileimporter_entity(rsps: responses.RequestsMock) -> None:
    # The FileImporter file is keyed Q123 (its placeholder): a single entity is taken whatever its key.
    rsps.get(WIKIDATA_API, json=fixture("NowCommons_entity.json"))
    wikidata = client()
    assert now_commons_template(wikidata, "afwiki") == "NouCommons"
    assert now_commons_template(wikidata, "bat_smgwiki") == "Vikitekuo"
    assert now_commons_template(wikidata, "xxwiki") is None
    assert len(rsps.calls) == 1  # the item is fetched once and cached
    query = query_of(rsps.calls[0])
    assert (query["action"], query["ids"], query["props"]) == ("wbgetentities", NOW_COMMONS_ITEM, "sitelinks")
    assert query["ids"] == "Q5611955"


def test_now_commons_template_keyed_by_the_item(rsps: responses.RequestsMock) -> None:
    rsps.get(WIKIDATA_API, json=fixture("wbgetentities_Q5611955_sitelinks.json"))
    wikidata = client()
    assert now_commons_template(wikidata, "enwiki") == "Now Commons"
    assert wikidata.sitelinks_of("Q5611955")["afwiki"] == "Sjabloon:NouCommons"


def test_missing_item_has_no_sitelinks(rsps: responses.RequestsMock) -> None:
    rsps.get(WIKIDATA_API, json=fixture("wbgetentities_missing_id.json"))
    wikidata = client()
    assert wikidata.sitelinks_of("Q5611955") == {}
    assert now_commons_template(wikidata, "enwiki") is None


def test_sitelinks_by_titles_skips_missing_and_maps_back(rsps: responses.RequestsMock) -> None:
    rsps.get(WIKIDATA_API, json=fixture("wbgetentities_sites_enwiki_categories.json"))
    titles = ["Category:Sunsets", "Category:Dusk", "Category:Nonexistent things"]
    found = client().sitelinks_by_titles("enwiki", titles)
    assert set(found) == {"Category:Sunsets", "Category:Dusk"}
    assert found["Category:Sunsets"]["dewiki"] == "Kategorie:Sonnenuntergang"
    assert found["Category:Sunsets"]["commonswiki"] == "Category:Sunsets"
    assert found["Category:Dusk"] == {"dewiki": "Abenddämmerung", "enwiki": "Category:Dusk"}
    query = query_of(rsps.calls[0])
    assert query["sites"] == "enwiki"
    assert query["titles"] == "|".join(titles)
    assert query["props"] == "sitelinks"
    assert "normalize" not in query  # Wikibase normalises one title a request only


def test_single_title_is_normalised_and_mapped_back(rsps: responses.RequestsMock) -> None:
    rsps.get(WIKIDATA_API, json=fixture("wbgetentities_normalized.json"))
    found = client().sitelinks_by_titles("enwiki", ["category:sunsets"])
    assert found == {"category:sunsets": {"commonswiki": "Category:Sunsets", "enwiki": "Category:Sunsets"}}
    assert query_of(rsps.calls[0])["normalize"] == "1"


def test_sitelinks_by_titles_batches_fifty(rsps: responses.RequestsMock) -> None:
    asked: list[list[str]] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        titles = parse_qs(urlsplit(request.url).query)["titles"][0].split("|")
        asked.append(titles)
        entities = {
            f"Q{1000 + i}": {
                "type": "item",
                "id": f"Q{1000 + i}",
                "sitelinks": {
                    "enwiki": {"site": "enwiki", "title": title, "badges": []},
                    "commonswiki": {"site": "commonswiki", "title": title, "badges": []},
                },
            }
            for i, title in enumerate(titles)
        }
        return 200, {}, json.dumps({"entities": entities, "success": 1})

    rsps.add_callback(responses.GET, WIKIDATA_API, callback=answer)
    titles = [f"Category:C{i}" for i in range(120)]
    found = client().sitelinks_by_titles("enwiki", titles + titles[:5])  # duplicates are asked once
    assert [len(batch) for batch in asked] == [50, 50, 20]
    assert len(found) == 120
    assert found["Category:C119"]["commonswiki"] == "Category:C119"


def test_no_titles_no_request(rsps: responses.RequestsMock) -> None:
    assert client().sitelinks_by_titles("enwiki", []) == {}
    assert len(rsps.calls) == 0


def test_odd_shapes_are_tolerated(rsps: responses.RequestsMock) -> None:
    body = {
        "normalized": [{"from": "a", "to": "A"}],
        "entities": {
            "Q1": {"id": "Q1", "sitelinks": [{"site": "enwiki", "title": "A"}, "junk"]},
            "Q2": "junk",
            "Q3": {"id": "Q3", "sitelinks": "junk"},
        },
    }
    rsps.get(WIKIDATA_API, json=body)
    rsps.get(WIKIDATA_API, json={"entities": "junk"})
    rsps.get(WIKIDATA_API, json={"entities": {"Q7": {"id": "Q7", "sitelinks": {"enwiki": {"title": 5}}}}})
    wikidata = client()
    assert wikidata.sitelinks_by_titles("enwiki", ["a", "b"]) == {"a": {"enwiki": "A"}}
    assert wikidata.sitelinks_by_titles("enwiki", ["a", "b"]) == {}
    assert wikidata.sitelinks_of("Q7") == {}
