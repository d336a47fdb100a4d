"""Planning the post-transfer edits on fake HTTP: when the source is marked and with which template
(the rules first, else Wikidata's sitelinks of Q5611955 for a Wikimedia wiki), and the Wikidata wiring
of a transfer (only between two Wikimedia wikis)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from wikifile_transfer.config import Config
from wikifile_transfer.errors import InputError, UnknownWikiError
from wikifile_transfer.transfer import service as service_module
from wikifile_transfer.transfer.followups import plan_follow_ups
from wikifile_transfer.transfer.model import (
    FileVersion,
    FollowUpStatus,
    MarkSource,
    SourceFile,
    SourceRef,
    TransferPlan,
)
from wikifile_transfer.transfer.service import TransferOptions, TransferService
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.registry import WikiRegistry, is_wikimedia
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import SiteInfo, parse_siteinfo, shared_repo_apis
from wikifile_transfer.wiki.wikidata import WIKIDATA_API

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PUBLIC = "208.80.154.224"
EN_API = "https://en.wikipedia.org/w/api.php"
DE_API = "https://de.wikipedia.org/w/api.php"
COMMONS_API = "https://commons.wikimedia.org/w/api.php"
OTHER_API = "https://wiki.example.org/w/api.php"


def siteinfo(name: str, **general: Any) -> SiteInfo:
    data = json.loads((FIXTURES / "wiki" / f"siteinfo_{name}.json").read_text("utf-8"))
    data["query"]["general"].update(general)
    return parse_siteinfo(data)


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "wikidata" / name).read_text("utf-8"))
    return data


ENWIKI = siteinfo("enwiki")
REPOS = json.loads((FIXTURES / "wiki" / "siteinfo_enwiki.json").read_text("utf-8"))["query"]["repos"]


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def registry() -> WikiRegistry:
    reg = WikiRegistry(Config(), HttpClient(HostGuard(resolver=lambda host, port: [PUBLIC])))
    reg.get("en.wikipedia")._siteinfo = ENWIKI
    reg.get("commons")._siteinfo = siteinfo("commons", server="https://commons.wikimedia.org")
    reg.get("de.wikipedia")._siteinfo = siteinfo("de", server="https://de.wikipedia.org", wikiid="dewiki")
    reg.guard.allow_host("wiki.example.org")  # as if discovered from a page URL
    reg.get(OTHER_API)._siteinfo = siteinfo("de", server="https://wiki.example.org", wikiid="commonswiki")
    return reg


def calls_to(rsps: responses.RequestsMock, url: str) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(urlsplit(c.request.url).query).items()}
        for c in rsps.calls
        if c.request.url.startswith(url)
    ]


def use_repos(wiki: Wiki, repos: list[dict[str, Any]]) -> None:
    """Give the wiki's (cached) siteinfo these file repositories: the shared ones come from siteinfo."""
    assert wiki._siteinfo is not None
    wiki._siteinfo = replace(wiki._siteinfo, shared_repo_apis=shared_repo_apis(repos))


def plan_for(source: Wiki, template: str | None = None) -> TransferPlan:
    version = FileVersion("2020-01-01T00:00:00Z", "Alice", "", "a" * 40, 1, 1, 1, "image/png", "u")
    file = SourceFile(SourceRef(source.name, "File:X.png"), source.name, "File:X.png", "u", [version], [], "")
    return TransferPlan(file, "commons", "File:X.png", "", "", now_commons_template=template)


def logged(wiki: Wiki) -> Wiki:
    wiki.credentials = ("User@bot", "secret")
    return wiki


def test_to_commons_the_template_comes_from_wikidata(
    registry: WikiRegistry, rsps: responses.RequestsMock
) -> None:
    use_repos(registry.get(EN_API), REPOS)
    rsps.get(WIKIDATA_API, json=fixture("wbgetentities_Q5611955_sitelinks.json"))
    source, target = logged(registry.get("en.wikipedia")), registry.get("commons")
    plan = plan_for(source)
    plan_follow_ups(plan, source, target, registry)
    assert plan.mark_source == MarkSource("Now Commons", "File:X.png")
    (follow_up,) = plan.follow_ups
    assert (follow_up.id, follow_up.status, follow_up.key) == (
        "mark-source",
        FollowUpStatus.PLANNED,
        "wft-followup-mark-planned",
    )
    assert follow_up.params == ("File:X.png", "Now Commons", "File:X.png")
    assert calls_to(rsps, EN_API) == []  # the shared repositories come from the cached siteinfo
    assert calls_to(rsps, WIKIDATA_API)[0]["ids"] == "Q5611955"


def test_a_template_from_the_rules_wins_and_wikidata_is_not_asked(
    registry: WikiRegistry, rsps: responses.RequestsMock
) -> None:
    use_repos(registry.get(EN_API), REPOS)
    source, target = logged(registry.get("en.wikipedia")), registry.get("commons")
    plan = plan_for(source, "NowCommons")
    plan_follow_ups(plan, source, target, registry)
    assert plan.mark_source == MarkSource("NowCommons", "File:X.png")
    assert calls_to(rsps, WIKIDATA_API) == []


@pytest.mark.parametrize(
    ("case", "key", "params"),
    [
        ("off", "wft-followup-mark-off", ()),
        ("not shared", "wft-followup-mark-not-shared", ("de.wikipedia", "en.wikipedia")),
        ("no account", "wft-followup-mark-no-account", ("en.wikipedia",)),
        ("no template", "wft-followup-mark-no-template", ("wiki.example.org",)),
    ],
)
def test_when_the_source_is_not_marked_the_reason_is_given(
    registry: WikiRegistry, rsps: responses.RequestsMock, case: str, key: str, params: tuple[str, ...]
) -> None:
    use_repos(registry.get(EN_API), REPOS)
    use_repos(registry.get(OTHER_API), REPOS)  # a wiki outside Wikimedia that uses Commons as its repository
    rsps.get(WIKIDATA_API, json=fixture("wbgetentities_Q5611955_sitelinks.json"))
    source = registry.get("en.wikipedia")
    target = registry.get("commons")
    if case != "no account":
        logged(source)
    if case == "not shared":
        target = registry.get("de.wikipedia")
    if case == "no template":
        source = logged(registry.get(OTHER_API))
    plan = plan_for(source)
    plan_follow_ups(plan, source, target, registry, mark_source=case != "off")
    assert plan.mark_source is None
    (follow_up,) = plan.follow_ups
    assert (follow_up.status, follow_up.key, follow_up.params) == (FollowUpStatus.SKIPPED, key, params)
    if case == "off":
        assert len(rsps.calls) == 0
    # the wiki outside Wikimedia calls itself "commonswiki": Wikidata must never be asked about it
    if case in ("no template", "not shared"):
        assert calls_to(rsps, WIKIDATA_API) == []


# --- Wikidata in a transfer ----------------------------------------------------------------------------


def test_wikidata_only_between_wikimedia_wikis(registry: WikiRegistry) -> None:
    en, commons, other = registry.get("en.wikipedia"), registry.get("commons"), registry.get(OTHER_API)
    assert is_wikimedia(en) and is_wikimedia(commons) and not is_wikimedia(other)
    client = registry.wikidata_for(en, commons)
    assert client is not None and client is registry.wikidata()  # one client per registry
    assert client.api.api_url == WIKIDATA_API
    assert registry.wikidata_for(other, commons) is None
    assert registry.wikidata_for() is None


class Stop(UnknownWikiError):
    """Ends the service run once the plan's arguments were seen."""


def test_the_service_plans_with_wikidata_for_wikimedia_wikis_only(
    registry: WikiRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[object] = []

    def fake_fetch(wiki: Wiki, title: str) -> SourceFile:
        return plan_for(wiki).source

    def fake_build_plan(*args: object, **kwargs: object) -> None:
        seen.append(kwargs["wikidata"])
        raise Stop("stop")

    monkeypatch.setattr(service_module, "fetch_source", fake_fetch)
    monkeypatch.setattr(service_module, "current_user", lambda wiki: None)
    monkeypatch.setattr(service_module, "build_plan", fake_build_plan)
    service = TransferService(registry)
    outcome = service.transfer("en.wikipedia:File:X.png", "commons", options=TransferOptions(dry_run=True))
    assert isinstance(outcome.error, Stop)
    outcome = service.transfer(f"{OTHER_API.removesuffix('api.php')}index.php?title=File:X.png", "commons")
    assert isinstance(outcome.error, Stop)
    assert seen == [registry.wikidata(), None]


def test_resolve_page_takes_any_namespace(registry: WikiRegistry) -> None:
    wiki, title = registry.resolve_page("commons:extension:FileImporter/Data/en.wikipedia")
    assert (wiki.name, title) == ("commons", "Extension:FileImporter/Data/en.wikipedia")
    wiki, title = registry.resolve_page("https://en.wikipedia.org/wiki/Wikipedia:FTCG")
    assert (wiki.name, title) == ("en.wikipedia", "Wikipedia:FTCG")
    with pytest.raises(InputError):
        registry.resolve_page("no-such-wiki:Page")
    with pytest.raises(InputError):
        registry.resolve_page("https://en.wikipedia.org/")
