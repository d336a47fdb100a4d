"""Latest revision id and revision text, the two requests behind the rule-page cache (fake HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.edits import MissingPageError
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.pages import latest_revision, revision_text
from wikifile_transfer.wiki.site import Wiki

API = "https://www.mediawiki.org/w/api.php"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def wiki() -> Wiki:
    http = HttpClient(HostGuard(resolver=lambda host, port: ["208.80.154.224"]))
    return Wiki("mw", ApiClient(API, http, sleep=lambda _s: None))


def query(pages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"batchcomplete": True, "query": {"pages": pages, **extra}}


def test_the_latest_revision_follows_normalisation_and_redirects(rsps: responses.RequestsMock) -> None:
    rsps.get(
        API,
        json=query(
            [{"title": "Extension:FileImporter/Data/en.wikipedia", "ns": 102, "lastrevid": 7123}],
            normalized=[
                {
                    "from": "extension:FileImporter/Data/en.wikipedia",
                    "to": "Extension:FileImporter/Data/en.wikipedia",
                }
            ],
        ),
    )
    assert latest_revision(wiki(), "extension:FileImporter/Data/en.wikipedia") == 7123
    params = rsps.calls[0].request.params
    assert (params["prop"], params["redirects"]) == ("info", "1")


@pytest.mark.parametrize(
    "page",
    [
        {"title": "X", "missing": True},
        {"title": "X", "invalid": True},
        {"title": "X", "lastrevid": 0},
        {"title": "X"},
    ],
)
def test_no_revision_for_a_missing_page(rsps: responses.RequestsMock, page: dict[str, Any]) -> None:
    rsps.get(API, json=query([page]))
    assert latest_revision(wiki(), "X") is None


def test_the_text_of_a_revision(rsps: responses.RequestsMock) -> None:
    revision = {"revid": 7123, "slots": {"main": {"content": "== Categories ==", "contentmodel": "wikitext"}}}
    rsps.get(API, json=query([{"title": "X", "revisions": [revision]}]))
    assert revision_text(wiki(), "X", 7123) == "== Categories =="
    assert rsps.calls[0].request.params["revids"] == "7123"


@pytest.mark.parametrize(
    "body",
    [
        query([{"title": "X", "revisions": [{"revid": 1, "slots": {"main": {"texthidden": True}}}]}]),
        query([{"title": "X", "revisions": []}, "not a page"]),
        query([{"title": "X"}]),
        {"batchcomplete": True, "query": {"badrevids": {"9": {"revid": 9, "missing": True}}}},
    ],
)
def test_a_revision_without_readable_text_is_a_missing_page(
    rsps: responses.RequestsMock, body: dict[str, Any]
) -> None:
    rsps.get(API, json=body)
    with pytest.raises(MissingPageError) as caught:
        revision_text(wiki(), "X", 9)
    assert caught.value.params == ("X", "mw")
