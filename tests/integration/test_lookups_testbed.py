"""Lookups and post-transfer edits against the real testbed wikis (src = en, other = de, commons).

Seeded facts used (testbed/seed.py): ``Category:Sunsets`` on src carries ``[[de:Kategorie:
Sonnenuntergänge]]`` and the German category links back with ``[[en:Category:Sunsets]]``; Commons has
``Category:Sunsets``, ``Template:Information`` and ``File:Lighthouse at dusk (testbed).png``, which
src and other see through their shared repository; src's local NowCommons template is
``Template:NowCommons``. Everything a test writes has a title of its own.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from testbed.tbclient import png_bytes

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.wiki.edits import (
    EditConflictError,
    edit_article,
    mark_now_commons,
    preview_article_edit,
    submit_edit,
)
from wikifile_transfer.wiki.lookups import WikiLookups, query_titles
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki

pytestmark = pytest.mark.testbed

SHARED_FILE = "File:Lighthouse at dusk (testbed).png"


@pytest.fixture
def registry(testbed: Any) -> WikiRegistry:
    account = testbed.users["admin"]
    wikis = {
        name: WikiConfig(name=name, url=wiki["url"], username=account["login"], password=account["password"])
        for name, wiki in testbed.wikis.items()
    }
    return WikiRegistry(Config(wikis=wikis, contact="tests@localhost"))


def lookups(registry: WikiRegistry, source: str, target: str) -> tuple[WikiLookups, int]:
    """Lookups with both siteinfos fetched already, and the request count at that point."""
    src, tgt = registry.get(source), registry.get(target)
    src.siteinfo()
    tgt.siteinfo()
    return WikiLookups(src, tgt), registry.http.stats.total


def unique(stem: str) -> str:
    return f"WFT {uuid.uuid4().hex[:8]} {stem}"


def test_category_is_localised_through_langlinks(registry: WikiRegistry) -> None:
    found, before = lookups(registry, "src", "other")
    assert found.langlink_prefix() == "de"
    answer = found.category_links(["Category:Sunsets", "category:Sunsets", "Category:Test images"])
    assert answer == {
        "Category:Sunsets": "Kategorie:Sonnenuntergänge",
        "category:Sunsets": "Kategorie:Sonnenuntergänge",
    }
    assert registry.http.stats.total - before == 1  # one langlinks query for all three
    found.category_links(["Category:Sunsets"])
    assert registry.http.stats.total - before == 1  # cached


def test_category_reverse_direction(registry: WikiRegistry) -> None:
    found, before = lookups(registry, "other", "src")
    assert found.langlink_prefix() == "en"
    # the German wiki accepts the English namespace name too
    answer = found.category_links(["Kategorie:Sonnenuntergänge", "Category:Sonnenuntergänge"])
    assert answer == {
        "Kategorie:Sonnenuntergänge": "Category:Sunsets",
        "Category:Sonnenuntergänge": "Category:Sunsets",
    }
    assert registry.http.stats.total - before == 1


def test_no_langlink_to_commons_and_no_wikidata_gives_nothing(registry: WikiRegistry) -> None:
    found, before = lookups(registry, "src", "commons")
    assert found.langlink_prefix() == "commons"  # an interwiki, not a language link
    assert found.category_links(["Category:Sunsets"]) == {}
    assert registry.http.stats.total - before == 1


def test_template_langlink(registry: WikiRegistry, testbed: Any) -> None:
    name = unique("Box")
    german = unique("Kasten")
    testbed.client("src").edit(
        f"Template:{name}", f"A box.<noinclude>[[de:Vorlage:{german}]]</noinclude>", "test"
    )
    found, _before = lookups(registry, "src", "other")
    # the langlinks table is written by a deferred update after the edit: give it a moment
    answer: dict[str, str] = {}
    for _ in range(20):
        answer = dict(WikiLookups(found.source, found.target).template_links([name, "Information"]))
        if answer:
            break
        time.sleep(0.25)
    assert answer == {name: german}


def test_existing_on_target(registry: WikiRegistry) -> None:
    on_commons, before = lookups(registry, "src", "commons")
    missing = f"Category:{unique('missing')}"
    titles = ["Category:Sunsets", "Template:Information", SHARED_FILE, missing]
    assert on_commons.existing_on_target(titles) == {"Category:Sunsets", "Template:Information", SHARED_FILE}
    assert registry.http.stats.total - before == 1

    on_other, before = lookups(registry, "src", "other")
    asked = ["Category:Sonnenuntergänge", "Kategorie:Sonnenuntergänge", "Category:Sunsets", SHARED_FILE]
    # Category:Sunsets is Kategorie:Sunsets on the German wiki, which does not exist; the Commons
    # file is "known" there through the shared repository
    assert on_other.existing_on_target(asked) == {
        "Category:Sonnenuntergänge",
        "Kategorie:Sonnenuntergänge",
        SHARED_FILE,
    }
    assert registry.http.stats.total - before == 1


def test_existing_on_target_batches_120_titles(registry: WikiRegistry) -> None:
    found, before = lookups(registry, "src", "other")
    titles = [f"Category:WFT absent {i}" for i in range(119)] + ["Category:Sonnenuntergänge"]
    assert found.existing_on_target(titles) == {"Category:Sonnenuntergänge"}
    assert registry.http.stats.total - before == 3  # 50 + 50 + 20


def current_text(wiki: Wiki, title: str) -> tuple[int, str]:
    page = query_titles(
        wiki.api, [title], {"prop": "revisions", "rvprop": "ids|content", "rvslots": "main"}
    ).page(title)
    assert page is not None
    rev = page["revisions"][0]
    return int(rev["revid"]), str(rev["slots"]["main"]["content"])


def test_now_commons_mark_is_added_once(registry: WikiRegistry, testbed: Any) -> None:
    name = f"{unique('Marked')}.png"
    upload = testbed.client("src").upload(
        name, png_bytes(40, 30, seed=uuid.uuid4().int % 10**9), text="A file.\n[[Category:Test images]]"
    )
    assert upload["upload"]["result"] == "Success"
    src = registry.get("src")
    title = f"File:{name}"
    target_title = f"File:{name}"
    assert mark_now_commons(src, title, "NowCommons", target_title, summary="Now on Commons")
    revid, text = current_text(src, title)
    assert text == f"{{{{NowCommons|{target_title}}}}}\nA file.\n[[Category:Test images]]"
    # at once, and again after the links tables caught up: no second tag
    assert not mark_now_commons(src, title, "NowCommons", target_title, summary="again")
    time.sleep(0.5)
    assert not mark_now_commons(src, title, "Template:NowCommons", target_title, summary="again")
    assert current_text(src, title) == (revid, text)
    page = query_titles(src.api, [title], {"prop": "templates", "tltemplates": "Template:NowCommons"}).page(
        title
    )
    assert page is not None and page.get("templates") == [{"ns": 10, "title": "Template:NowCommons"}]


def test_article_edit_conflict_is_detected(registry: WikiRegistry, testbed: Any) -> None:
    title = unique("Sunset article")
    testbed.client("src", "alice").edit(title, "Intro.\n[[File:Old.png|thumb]]\nOutro.", "create")
    src = registry.get("src")
    new_text = "Intro.\n[[File:New.png|thumb]]\nOutro."
    preview = preview_article_edit(src, title, new_text)
    assert "-[[File:Old.png|thumb]]" in preview.diff.splitlines()
    assert "+[[File:New.png|thumb]]" in preview.diff.splitlines()

    # Bob changes the same line between the preview and the save
    testbed.client("src", "bob").edit(title, "Intro.\n[[File:Other.png|thumb]]\nOutro.", "in between")
    with pytest.raises(EditConflictError) as caught:
        edit_article(src, title, new_text, base_revid=preview.base_revid, summary="Use New.png")
    assert caught.value.params == (title,)

    # MediaWiki's own check, for an edit that comes in after ours was checked: the stale base makes
    # the wiki answer editconflict instead of overwriting Bob's line
    with pytest.raises(EditConflictError) as caught:
        submit_edit(
            src,
            title,
            new_text,
            base_revid=preview.base_revid,
            start_timestamp=preview.started or "",
            summary="Use New.png",
        )
    assert caught.value.code == "editconflict"
    assert current_text(src, title)[1] == "Intro.\n[[File:Other.png|thumb]]\nOutro."

    # a fresh preview on Bob's revision saves
    again = preview_article_edit(src, title, new_text)
    result = edit_article(
        src,
        title,
        new_text,
        base_revid=again.base_revid,
        summary="Use New.png",
        start_timestamp=again.started,
    )
    assert result.changed and result.old_revid == again.base_revid
    assert current_text(src, title) == (result.new_revid, new_text)
