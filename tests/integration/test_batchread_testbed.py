"""Batched reads against the real testbed: ``fetch_sources`` equals ``fetch_source`` per file and
``gather_contexts`` equals ``gather_context`` per plan, in a fraction of the requests.

Request counts come from the HttpClient's own counters (``RequestStats.by_host``), split by wiki.
Every test seeds what it needs under unique names.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from testbed.tbclient import TBClient, png_bytes, wait_next_second

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import ApiError, MissingFileError, WftError
from wikifile_transfer.transfer.batchcheck import fetch_target_states, gather_contexts
from wikifile_transfer.transfer.batchsource import fetch_sources
from wikifile_transfer.transfer.duplicates import Sha1Index
from wikifile_transfer.transfer.model import SourceFile, TransferPlan
from wikifile_transfer.transfer.planner import current_user, gather_context
from wikifile_transfer.transfer.source import fetch_source
from wikifile_transfer.transfer.target import fetch_target_state
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.titlebatch import query_batch

pytestmark = pytest.mark.testbed

SHARED_FILE = "File:Lighthouse at dusk (testbed).png"


@pytest.fixture(scope="module")
def registry(testbed: Any) -> WikiRegistry:
    account = testbed.users["admin"]
    wikis = {
        name: WikiConfig(name=name, url=wiki["url"], username=account["login"], password=account["password"])
        for name, wiki in testbed.wikis.items()
    }
    return WikiRegistry(Config(wikis=wikis, contact="tests@localhost"))


def unique(stem: str) -> str:
    return f"WFT {uuid.uuid4().hex[:8]} {stem}"


def new_bytes(width: int = 24, height: int = 16) -> bytes:
    # noise: png_bytes without it has only 256 different pictures (its colours depend on seed % 256)
    return png_bytes(width, height, seed=uuid.uuid4().int % 1_000_000_000, noise=True)


def upload(client: TBClient, name: str, data: bytes | None = None, text: str = "") -> str:
    result = client.upload(name, data if data is not None else new_bytes(), text=text, comment="test")
    assert result["upload"]["result"] == "Success", result
    return f"File:{name}"


def requests_to(registry: WikiRegistry, wiki: Wiki) -> Callable[[], int]:
    """Requests sent to ``wiki``'s host from now on."""
    host = wiki.api_url.split("/")[2]
    start = registry.http.stats.by_host[host]
    return lambda: registry.http.stats.by_host[host] - start


def one_by_one(wiki: Wiki, titles: list[str]) -> list[SourceFile | WftError]:
    out: list[SourceFile | WftError] = []
    for title in titles:
        try:
            out.append(fetch_source(wiki, title))
        except MissingFileError as err:
            out.append(err)
    return out


def assert_same(batched: list[Any], single: list[Any]) -> None:
    assert len(batched) == len(single)
    for got, want in zip(batched, single, strict=True):
        if isinstance(want, WftError):
            assert isinstance(got, MissingFileError), got
            assert (got.key, got.params) == (want.key, want.params)
        else:
            assert isinstance(got, SourceFile), got
            assert got == want, want.title  # every field: versions, revisions, text, categories…


@pytest.fixture
def edited_files(testbed: Any) -> list[str]:
    """Three files whose pages were edited by others after the upload (three and four revisions)."""
    alice, bob, admin = (testbed.client("src", u) for u in ("alice", "bob", "admin"))
    titles = []
    for i in range(3):
        title = upload(alice, unique(f"edited {i}.png"), text="First text [[Category:Sunsets]]")
        bob.edit(title, f"Second text {i} [[Category:Sunsets]]", "Bob's edit")
        admin.edit(title, f"Third text {i} {{{{Own}}}} [[Category:Sunsets]]", "Admin's edit")
        if i == 2:
            alice.edit(title, "Fourth text {{Own}} [[Category:Sunsets]] [[Category:Test images]]", "again")
        titles.append(title)
    return titles


@pytest.fixture
def two_versions(testbed: Any) -> str:
    admin = testbed.client("src", "admin")
    title = upload(admin, unique("two versions.png"), text="Two versions")
    wait_next_second()
    admin.upload(title.split(":", 1)[1], new_bytes(30, 20), comment="second version")
    return title


def test_fetch_sources_equals_fetch_source(
    testbed: Any, registry: WikiRegistry, edited_files: list[str], two_versions: str
) -> None:
    src = registry.get("src")
    src.siteinfo()
    seeded = [t for role, t in testbed.files.items() if testbed["file_info"][role]["wiki"] == "src"]
    titles = [
        *seeded,
        *edited_files,
        two_versions,
        "File:testbed Sunset.png",  # normalised by the wiki
        "File:Testbed Sunset.png",  # twice in one batch
        SHARED_FILE,  # no local page: served by the shared repository
        f"File:{unique('Never uploaded.png')}",
        "File:Bad<name.png",  # invalid
    ]
    requests = requests_to(registry, src)
    single = one_by_one(src, titles)
    single_requests = requests()
    assert isinstance(single[-1], WftError) and isinstance(single[-2], WftError)
    shared = single[-3]
    assert isinstance(shared, SourceFile) and shared.repository == "shared" and shared.revisions == []
    assert len(single[0].versions) == 3 and len(single[0].revisions) == 6  # the seeded Sunset

    requests = requests_to(registry, src)
    assert_same(list(fetch_sources(src, titles)), single)
    assert requests() <= 6 < single_requests

    # Small batches, cut version lists and no walk: still the same.
    for options in ({"batch_size": 3, "iilimit": 2}, {"history_rounds": 0}, {"history_rounds": 1}):
        assert_same(list(fetch_sources(src, titles, **options)), single)


def test_fetch_sources_request_counts(
    testbed: Any, registry: WikiRegistry, edited_files: list[str], two_versions: str
) -> None:
    admin = testbed.client("src", "admin")
    fresh = [upload(admin, unique(f"fresh {i}.png")) for i in range(4)]
    src = registry.get("src")
    src.siteinfo()
    titles = [*edited_files, *fresh, two_versions]
    single = one_by_one(src, titles)

    def cost(**options: Any) -> int:
        requests = requests_to(registry, src)
        assert_same(list(fetch_sources(src, titles, **options)), single)
        return requests()

    # The edited pages have 3, 3 and 4 revisions, the two-version file 2: rounds of the walk ask for
    # 4, then 3 parents (one request each); the last page still walking gets its own history request.
    assert cost() == 1 + 2 + 1
    assert cost(history_rounds=1) == 1 + 1 + 3  # after one round, 3 pages left, read one by one
    assert cost(history_rounds=0) == 1 + 4  # every edited page's history on its own
    # iilimit=2: the two-version file may have more versions than shown: fetch_source (2 requests).
    assert cost(batch_size=4, iilimit=2, history_rounds=0) == 2 + 2 + 3


def test_fifty_new_files_cost_one_request(testbed: Any, registry: WikiRegistry) -> None:
    admin = testbed.client("src", "admin")
    titles = [upload(admin, unique(f"fifty {i}.png"), text=f"File {i} {{{{Own}}}}") for i in range(50)]
    src = registry.get("src")
    src.siteinfo()
    requests = requests_to(registry, src)
    batched = list(fetch_sources(src, titles))
    assert requests() == 1, "50 single-version, single-revision files: one request"
    assert all(isinstance(s, SourceFile) and len(s.versions) == 1 for s in batched)
    requests = requests_to(registry, src)
    assert_same(batched[:10], one_by_one(src, titles[:10]))
    assert requests() == 20, "fetch_source: two requests a file"


# --- check contexts ---------------------------------------------------------------------------------


def plan_for(source: SourceFile, target: Wiki, title: str | None = None) -> TransferPlan:
    """A plan with what ``gather_context`` reads: the source's versions and the target title."""
    return TransferPlan(
        source=source,
        target_wiki=target.name,
        target_title=title if title is not None else target.file_title(source.name),
        page_text="",
        summary="",
    )


@pytest.fixture(scope="module")
def plans_setup(testbed: Any, registry: WikiRegistry) -> dict[str, Any]:
    """Sources on src, and on commons: a title already holding one of them, two files with the same
    bytes as another source (names ordered differently by title and by img_name)."""
    src_admin, commons_admin = testbed.client("src", "admin"), testbed.client("commons", "admin")
    stem = unique("dup")
    same = new_bytes()
    titles = [upload(src_admin, f"{stem} source.png", same)]
    titles += [upload(src_admin, unique(f"plain {i}.png")) for i in range(5)]
    multi = upload(src_admin, unique("two versions.png"))
    wait_next_second()
    src_admin.upload(multi.split(":", 1)[1], new_bytes(30, 20), comment="second version")
    titles.append(multi)
    # On commons, with the bytes of the first source: "X a.png" (X_a.png) and "X-a.png".
    upload(commons_admin, f"{stem} a.png", same)
    upload(commons_admin, f"{stem}-a.png", same)
    src = registry.get("src")
    sources = [
        s for s in fetch_sources(src, [*titles, "File:Testbed Lighthouse.png"]) if isinstance(s, SourceFile)
    ]
    taken = unique("taken.png")
    upload(commons_admin, taken)
    return {"sources": sources, "taken": f"File:{taken}", "multi": multi}


@pytest.mark.parametrize("target_name", ["commons", "other"])
def test_gather_contexts_equals_gather_context(
    registry: WikiRegistry, plans_setup: dict[str, Any], target_name: str
) -> None:
    target = registry.get(target_name)
    target.siteinfo()
    user = current_user(target)
    sources: list[SourceFile] = plans_setup["sources"]
    plans = [plan_for(s, target) for s in sources]
    plans.append(plan_for(sources[1], target, target.file_title(plans_setup["taken"])))
    plans.append(plan_for(sources[2], target, "File:Bad<name.png"))
    plans.append(plan_for(sources[0], target, target.file_title(unique("same bytes again.png"))))
    single = [gather_context(p, target, registry, user=user) for p in plans]
    batched = list(gather_contexts(plans, target, registry, user=user, batch_size=4))
    assert batched == single
    # The plans' duplicates really were found (the test sees something), in the wiki's order.
    if target_name == "commons":
        dup = single[0].duplicates
        stem = plans[0].source.name.rsplit(" source.png", 1)[0]
        assert dup == [f"File:{stem}-a.png", f"File:{stem} a.png"], "img_name order: '-' before '_'"
        lighthouse = next(c for c in single if c.plan.source.name == "Testbed Lighthouse.png")
        assert lighthouse.duplicates == [SHARED_FILE]
    else:
        lighthouse = next(c for c in single if c.plan.source.name == "Testbed Lighthouse.png")
        assert lighthouse.shared_duplicates == [f"commons:{SHARED_FILE}"]
    taken = single[-3].target
    assert taken.has_local_file if target_name == "commons" else taken.repository == "shared"
    assert single[-2].target.invalid_reason


def test_gather_contexts_request_counts(testbed: Any, registry: WikiRegistry) -> None:
    admin = testbed.client("src", "admin")
    titles = [upload(admin, unique(f"check {i}.png")) for i in range(50)]
    src, commons, other = registry.get("src"), registry.get("commons"), registry.get("other")
    sources = [s for s in fetch_sources(src, titles) if isinstance(s, SourceFile)]
    for wiki in (commons, other):
        wiki.siteinfo()
    user_other = current_user(other)
    plans = [plan_for(s, other) for s in sources]

    other.shared_repository_apis = None  # forget what earlier tests of this module made it ask
    to_other, to_commons = requests_to(registry, other), requests_to(registry, commons)
    batched = list(gather_contexts(plans, other, registry, user=user_other))
    # other: 1 request for 50 target states + 25 for 50 hashes (two a request); its shared repository
    # comes from its siteinfo (filerepoinfo), already there;
    # commons (other's shared repository): 25 for the same 50 hashes.
    assert (to_other(), to_commons()) == (26, 25)

    to_other, to_commons = requests_to(registry, other), requests_to(registry, commons)
    single = [gather_context(p, other, registry, user=user_other) for p in plans]
    # per plan: its target state and one hash on each wiki
    assert (to_other(), to_commons()) == (100, 50)
    assert batched == single

    # Once more with the same index: every hash is known, only the states are asked again.
    index = Sha1Index()
    list(gather_contexts(plans, other, registry, user=user_other, sha1_index=index))
    to_other, to_commons = requests_to(registry, other), requests_to(registry, commons)
    again = list(gather_contexts(plans, other, registry, user=user_other, sha1_index=index))
    assert again == batched
    assert (to_other(), to_commons()) == (1, 0)  # the 50 target states; repositories and hashes known


def test_gather_contexts_finds_the_account_once(registry: WikiRegistry, plans_setup: dict[str, Any]) -> None:
    commons = registry.get("commons")
    plans = [plan_for(s, commons) for s in plans_setup["sources"]]
    contexts = list(gather_contexts(plans, commons, registry))
    assert {c.user.name if c.user else None for c in contexts} == {"Admin"}


def test_fetch_target_states_equals_fetch_target_state(registry: WikiRegistry, testbed: Any) -> None:
    commons = registry.get("commons")
    admin = testbed.client("commons", "admin")
    multi = upload(admin, unique("three versions.png"))
    for width in (30, 36):
        wait_next_second()
        admin.upload(multi.split(":", 1)[1], new_bytes(width, 20), comment="new version")
    page_only = f"File:{unique('page only.png')}"
    admin.edit(page_only, "a page without a file", "page")
    titles = [multi, SHARED_FILE, "File:lighthouse at dusk (testbed).png", "File:Bad|name.png", "File:"]
    titles += [page_only, f"File:{unique('nothing.png')}", multi]
    single = [fetch_target_state(commons, t) for t in titles]
    assert len(single[0].sha1s) == 3 and single[5].page_exists and not single[5].sha1s
    assert list(fetch_target_states(commons, titles)) == single
    assert list(fetch_target_states(commons, titles, batch_size=2, iilimit=2)) == single
    other = registry.get("other")
    titles = [SHARED_FILE, "Datei:Sonnenuntergang Berg.png", "Bild:sonnenuntergang Berg.png"]
    single = [fetch_target_state(other, t) for t in titles]
    assert single[0].repository == "shared" and single[2].has_local_file
    assert list(fetch_target_states(other, titles)) == single


# --- what MediaWiki 1.39 does with several titles (the facts the batched readers are built on) ------


def test_mediawiki_multi_title_behaviour(
    testbed: Any, registry: WikiRegistry, edited_files: list[str]
) -> None:
    src = registry.get("src")
    sunset = "File:Testbed Sunset.png"  # 3 versions, 6 revisions
    two = [sunset, "File:Testbed Harbour at dusk.png"]

    # imageinfo: with several titles a history longer than iilimit is cut, with no continuation…
    body = src.api.get({"action": "query", "titles": two, "prop": "imageinfo", "iilimit": 2})
    assert "continue" not in body
    assert len(body["query"]["pages"][0]["imageinfo"]) == 2
    # …with one title it continues (iistart).
    body = src.api.get({"action": "query", "titles": [sunset], "prop": "imageinfo", "iilimit": 2})
    assert "iistart" in body["continue"]

    # revisions: rvlimit needs a single page; with several, only the latest revision comes.
    with pytest.raises(ApiError) as err:
        src.api.get({"action": "query", "titles": two, "prop": "revisions", "rvlimit": "max"})
    assert err.value.code == "invalidparammix"
    body = src.api.get({"action": "query", "titles": two, "prop": "revisions", "rvprop": "ids"})
    assert [len(p["revisions"]) for p in body["query"]["pages"]] == [1, 1]

    # categories, templates, contributors: the limit counts over all titles, and continues.
    titles = [sunset, *edited_files]
    small = {"cllimit": 1, "tllimit": 1, "pclimit": 1}
    full = {"cllimit": "max", "tllimit": "max", "pclimit": "max"}
    prop = {"prop": "categories|templates|contributors"}
    slow = query_batch(src.api, titles, {**prop, **small})
    fast = query_batch(src.api, titles, {**prop, **full})
    assert fast.requests == 1 and slow.requests > 3
    for title in titles:
        for key in ("categories", "templates", "contributors"):
            assert slow.pages[title].get(key) == fast.pages[title].get(key), (title, key)
    assert [c["name"] for c in fast.pages[sunset]["contributors"]] == ["Admin", "Alice", "Bob"]  # by user id

    # SHA-1: one hash a parameter, but allimages as a list and as a generator answer two a request.
    lighthouse = testbed["file_info"]["duplicate"]["sha1"][0]
    sunset_sha1 = testbed["file_info"]["multi_version"]["sha1"][0]
    for value in (f"{lighthouse}|{sunset_sha1}", [lighthouse, "x|y"]):
        with pytest.raises(ApiError) as err:
            src.api.get({"action": "query", "list": "allimages", "aisha1": value})
        assert err.value.code in ("invalidsha1hash", "badvalue")
    body = src.api.get(
        {
            "action": "query",
            "list": "allimages",
            "aisha1": lighthouse,
            "generator": "allimages",
            "gaisha1": sunset_sha1,
        }
    )
    assert [i["title"] for i in body["query"]["allimages"]] == ["File:Testbed Lighthouse.png"]
    assert [p["title"] for p in body["query"]["pages"]] == [sunset]
