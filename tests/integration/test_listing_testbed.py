"""Batch sources against the real testbed: categories, a user's uploads, the files on a page, URL lists.

Every test seeds its own files, categories and pages under unique names (``tb_client``), so tests do
not depend on each other or on a fresh testbed. Results are listed with a tiny ``limit`` so that every
listing needs several continuations even with a handful of files. MediaWiki updates category and
image links after it has answered an edit (deferred updates), so tests wait until the wiki shows them.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from testbed.tbclient import TBClient, png_bytes

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import InputError, MissingFileError, NotAFileError
from wikifile_transfer.transfer.batchsource import fetch_sources
from wikifile_transfer.wiki.listing import (
    BadUserNameError,
    ListError,
    ListItem,
    NotACategoryError,
    category_files,
    page_files,
    parse_url_list,
    user_uploads,
)
from wikifile_transfer.wiki.registry import WikiRegistry

pytestmark = pytest.mark.testbed

SHARED_FILE = "File:Lighthouse at dusk (testbed).png"  # on commons, seen by src through its shared repo


@pytest.fixture
def registry(testbed: Any) -> WikiRegistry:
    account = testbed.users["admin"]
    wikis = {
        name: WikiConfig(name=name, url=wiki["url"], username=account["login"], password=account["password"])
        for name, wiki in testbed.wikis.items()
    }
    return WikiRegistry(Config(wikis=wikis, contact="tests@localhost"))


def unique(stem: str) -> str:
    return f"WFT {uuid.uuid4().hex[:8]} {stem}"


def seed() -> int:
    """A seed for png_bytes(noise=True): without noise it only makes 256 different pictures."""
    return uuid.uuid4().int % 1_000_000_000


def upload(client: TBClient, name: str, text: str = "") -> str:
    result = client.upload(name, png_bytes(24, 16, seed=seed(), noise=True), text=text, comment="test")[
        "upload"
    ]
    assert result["result"] == "Success", result
    return f"File:{name}"


def wait_until(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Poll ``check`` (MediaWiki writes links after answering) until true or fail with ``what``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"the wiki did not show {what} within {timeout} s")
        time.sleep(0.2)


def members(client: TBClient, category: str) -> set[str]:
    body = client.get(action="query", list="categorymembers", cmtitle=category, cmlimit="max")
    return {m["title"] for m in body["query"]["categorymembers"]}


def counted(registry: WikiRegistry) -> Callable[[], int]:
    start = registry.http.stats.total
    return lambda: registry.http.stats.total - start


# --- categories -------------------------------------------------------------------------------------


def test_category_files_follow_continuation_and_stream(registry: WikiRegistry, tb_client: Any) -> None:
    admin = tb_client("src")
    category = unique("Streamed")
    files = [upload(admin, unique(f"cat {i}.png"), f"[[Category:{category}]]") for i in range(5)]
    wait_until(lambda: len(members(admin, f"Category:{category}")) == 5, "5 category members")
    src = registry.get("src")
    src.siteinfo()

    requests = counted(registry)
    listed = list(category_files(src, f"Category:{category}", limit=2))
    assert sorted(listed) == sorted(files)
    assert len(listed) == len(set(listed))
    assert requests() == 3  # 2 + 2 + 1 files: two continuations

    requests = counted(registry)
    first_two = list(itertools.islice(category_files(src, category, limit=2), 2))
    assert len(first_two) == 2
    assert requests() == 1  # lazy: the continuation is only asked for when it is wanted


def test_category_name_forms_and_wrong_namespaces(registry: WikiRegistry, tb_client: Any) -> None:
    src, other = registry.get("src"), registry.get("other")
    listed = set(category_files(src, "sunsets"))  # no prefix, lower-case first letter
    assert {"File:Testbed Sunset.png", "File:Testbed Harbour at dusk.png"} <= listed
    assert listed == set(category_files(src, "Category:Sunsets"))
    german = list(category_files(other, "Kategorie:Sonnenuntergänge"))
    assert "Datei:Sonnenuntergang Berg.png" in german  # other tests may transfer files into it
    assert list(category_files(other, "Category:Sonnenuntergänge")) == german
    with pytest.raises(NotACategoryError) as err:
        list(category_files(src, "File:Testbed Sunset.png"))
    assert err.value.key == "wft-error-not-a-category"
    with pytest.raises(InputError):
        list(category_files(src, "Sunsets", depth=2))
    assert list(category_files(src, unique("No such category"))) == []


def test_category_depth_one_adds_direct_subcategories_once(registry: WikiRegistry, tb_client: Any) -> None:
    admin = tb_client("src")
    top, sub_a, sub_b, deep = (unique(n) for n in ("Top", "Sub A", "Sub B", "Deep"))
    admin.edit(f"Category:{sub_a}", f"[[Category:{top}]]", "subcategory")
    admin.edit(f"Category:{sub_b}", f"[[Category:{top}]]", "subcategory")
    admin.edit(f"Category:{deep}", f"[[Category:{sub_a}]]", "sub-subcategory")
    admin.edit(f"Category:{top}", f"[[Category:{top}]]", "a category in itself")
    in_top = upload(admin, unique("top.png"), f"[[Category:{top}]]")
    in_top_and_a = upload(admin, unique("top and a.png"), f"[[Category:{top}]] [[Category:{sub_a}]]")
    in_a = [upload(admin, unique(f"a {i}.png"), f"[[Category:{sub_a}]]") for i in range(3)]
    in_a_and_b = upload(admin, unique("a and b.png"), f"[[Category:{sub_a}]] [[Category:{sub_b}]]")
    in_b = upload(admin, unique("b.png"), f"[[Category:{sub_b}]]")
    in_deep = upload(admin, unique("deep.png"), f"[[Category:{deep}]]")
    wait_until(lambda: len(members(admin, f"Category:{top}")) == 5, "the top category's members")
    wait_until(lambda: len(members(admin, f"Category:{sub_a}")) == 6, "sub A's members")
    wait_until(lambda: len(members(admin, f"Category:{sub_b}")) == 2, "sub B's members")
    wait_until(lambda: len(members(admin, f"Category:{deep}")) == 1, "the deep category's member")
    src = registry.get("src")

    assert sorted(category_files(src, top, limit=1)) == sorted([in_top, in_top_and_a])
    listed = list(category_files(src, top, depth=1, limit=2))
    assert len(listed) == len(set(listed)), "every file once"
    assert set(listed) == {in_top, in_top_and_a, *in_a, in_a_and_b, in_b}
    assert in_deep not in listed
    assert set(listed[:2]) == {in_top, in_top_and_a}, "the category's own files come first"


# --- a user's uploads -------------------------------------------------------------------------------


def test_user_uploads_come_from_the_upload_log(registry: WikiRegistry, tb_client: Any) -> None:
    src = registry.get("src")
    # Seeded: Alice uploaded Testbed Sunset.png first; Bob and Admin uploaded new versions of it.
    bob_all = list(user_uploads(src, "Bob", limit=1))
    assert len(bob_all) == len(set(bob_all))
    assert {"File:Testbed Sunset.png", "File:Testbed Beach photo.png"} <= set(bob_all)
    bob_own = set(user_uploads(src, "User:bob", reuploads=False, limit=1))
    assert "File:Testbed Beach photo.png" in bob_own
    assert "File:Testbed Sunset.png" not in bob_own, "a new version of someone else's file"
    alice_own = set(user_uploads(src, "Alice", reuploads=False))
    assert "File:Testbed Sunset.png" in alice_own, "created by Alice, current version by Admin"
    allimages = src.api.get(
        {"action": "query", "list": "allimages", "aiuser": "Alice", "aisort": "timestamp"}
    )
    assert "File:Testbed Sunset.png" not in {i["title"] for i in allimages["query"]["allimages"]}
    other = registry.get("other")
    assert "Datei:Sonnenuntergang Berg.png" in set(user_uploads(other, "Benutzer:Alice"))


def test_user_uploads_list_each_file_once_newest_first(registry: WikiRegistry, tb_client: Any) -> None:
    alice, admin = tb_client("src", "alice"), tb_client("src", "admin")
    first = upload(alice, unique("alice first.png"))
    second = upload(alice, unique("alice second.png"))
    alice.upload(second.split(":", 1)[1], png_bytes(30, 20, seed=seed(), noise=True), comment="new version")
    deleted = upload(alice, unique("alice deleted.png"))
    admin.post(action="delete", title=deleted, reason="test", token=admin.csrf())
    src = registry.get("src")

    listed = list(itertools.islice(user_uploads(src, "Alice", limit=1), 3))
    assert listed == [deleted, second, first]  # the log, newest first; the re-upload counted once
    results = list(fetch_sources(src, listed))
    assert isinstance(results[0], MissingFileError), "a deleted file stays in the log; reading it says so"
    assert [r.title for r in results[1:] if not isinstance(r, MissingFileError)] == [second, first]


def test_user_names_that_cannot_be(registry: WikiRegistry) -> None:
    src = registry.get("src")
    for bad in ("Category:Sunsets", "Foo<bar", "User:Alice/subpage", ""):
        with pytest.raises(BadUserNameError) as err:
            list(user_uploads(src, bad))
        assert err.value.key == "wft-error-bad-user-name"
    assert list(user_uploads(src, unique("Nobody"))) == []


# --- files used on a page ---------------------------------------------------------------------------


def test_page_files(registry: WikiRegistry, tb_client: Any) -> None:
    admin = tb_client("src")
    local = [upload(admin, unique(f"on page {i}.png")) for i in range(4)]
    red_link = f"File:{unique('missing.png')}"
    page = unique("Gallery page")
    text = "\n".join(f"[[{t}|thumb]]" for t in [*local, local[0], SHARED_FILE, red_link])
    admin.edit(page, text, "gallery")
    admin.edit(f"{page} (redirect)", f"#REDIRECT [[{page}]]", "redirect")

    def linked() -> int:
        body = admin.get(action="query", titles=page, prop="images", imlimit="max")
        return len(body["query"]["pages"][0].get("images", []))

    wait_until(lambda: linked() == 6, "the page's image links")
    src = registry.get("src")
    listed = list(page_files(src, page, limit=2))
    assert len(listed) == len(set(listed))
    assert set(listed) == {*local, SHARED_FILE}, "used files, the shared one too, never the red link"
    assert set(page_files(src, page, local_only=True, limit=2)) == set(local)
    assert set(page_files(src, f"{page} (redirect)")) == set(listed)
    assert set(page_files(src, "Sunset")) == {"File:Testbed Sunset.png", "File:Testbed Example Corp logo.png"}
    assert list(page_files(src, unique("No such page"))) == []


# --- URL lists --------------------------------------------------------------------------------------


def test_url_list_resolves_each_line(testbed: Any, registry: WikiRegistry) -> None:
    src_url = testbed.url("src")
    lines = [
        "\ufeff# my list",
        "",
        f"{src_url}wiki/File:Testbed_Sunset.png",
        "src:File:Testbed Harbour at dusk.png",
        f"{src_url}index.php?title=File:Testbed%20Sunset.png&action=history",
        "   ",
        f"{src_url}wiki/Sunset",
        "nowhere:File:X.png",
        f"{src_url}wiki/File:Testbed_Sunset.png#/media/File:Testbed_Beach_photo.png",
        "other:Datei:Sonnenuntergang Berg.png",
    ]
    out = list(parse_url_list(lines, registry))
    assert [type(o).__name__ for o in out] == [
        "ListItem",
        "ListItem",
        "ListError",
        "ListError",
        "ListError",
        "ListItem",
        "ListItem",
    ]
    items = [o for o in out if isinstance(o, ListItem)]
    assert [(i.line, i.wiki.name if i.wiki else None, i.title) for i in items] == [
        (3, "src", "File:Testbed Sunset.png"),
        (4, "src", "File:Testbed Harbour at dusk.png"),
        (9, "src", "File:Testbed Beach photo.png"),
        (10, "other", "Datei:Sonnenuntergang Berg.png"),
    ]
    errors = [o for o in out if isinstance(o, ListError)]
    assert [(e.line, e.key) for e in errors] == [
        (5, "wft-batch-line-duplicate"),
        (7, NotAFileError.key),
        (8, InputError.key),
    ]
    assert errors[0].params == ("3", "File:Testbed Sunset.png")
    assert errors[0].message() == (
        "Line 5: This line names the same file as line 3 (File:Testbed Sunset.png); it is listed only once."
    )


def test_url_list_streams_thousands_of_lines_without_requests_per_line(registry: WikiRegistry) -> None:
    pulled = 0

    def lines() -> Iterator[str]:
        nonlocal pulled
        for i in range(3000):
            pulled += 1
            yield f"src:File:Name {i}.png\n"

    src = registry.get("src")
    src.siteinfo()
    requests = counted(registry)
    stream = parse_url_list(lines(), registry)
    first = list(itertools.islice(stream, 3))
    assert [i.title for i in first if isinstance(i, ListItem)] == [f"File:Name {i}.png" for i in range(3)]
    assert pulled == 3, "lines are read as items are asked for"
    rest = list(stream)
    assert len(rest) == 2997 and all(isinstance(i, ListItem) for i in rest)
    assert requests() == 0, "titles are normalised with the cached siteinfo"
