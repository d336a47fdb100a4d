"""Rule pages read from wikis: parsed once per revision, in this process and on disk; the JSON codec."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from wikifile_transfer.wikitext.rules import RulePageMissingError, RuleSyntaxError, parse_ftcg, rulepage
from wikifile_transfer.wikitext.rules.codec import CodecError, decode, encode, rules_from_json, rules_to_json
from wikifile_transfer.wikitext.rules.model import RuleSet
from wikifile_transfer.wikitext.rules.ownformat import bundled_rule_sets
from wikifile_transfer.wikitext.rules.rulepage import RulePageCache, parse_rules_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"
PAGE = (
    "== Categories ==\n=== Bad ===\n* Deletion requests\n== Templates ==\n=== Good ===\n* Cc-by-4.0\n"
    "=== Bad ===\n=== Remove ===\n* Mtc\n=== Transfer ===\n;Info:Information|description=1|+x=%AUTHOR%\n"
    "== Information ==\n=== Description ===\n* Summary\n=== Licensing ===\n* Licensing\n"
)
TITLE = "Extension:FileImporter/Data/xx.wikipedia"


class FakeWiki:
    """The two questions the cache asks, counted."""

    def __init__(self, pages: dict[str, list[str]]) -> None:
        self.pages = pages  # title -> texts, one per revision (revision ids 1, 2, …)
        self.latest_calls = 0
        self.text_calls: list[tuple[str, int]] = []

    def latest(self, title: str) -> int | None:
        self.latest_calls += 1
        return len(self.pages[title]) if title in self.pages else None

    def text(self, title: str, revision: int) -> str:
        self.text_calls.append((title, revision))
        return self.pages[title][revision - 1]

    def load(self, cache: RulePageCache, title: str = TITLE) -> RuleSet:
        return cache.load("https://wiki.example/w/api.php", "meta", title, self.latest, self.text)


@pytest.fixture(autouse=True)
def fresh_memory() -> Iterator[None]:
    rulepage.clear_memory()
    yield
    rulepage.clear_memory()


def test_a_page_is_parsed_once_per_revision_in_this_process() -> None:
    wiki = FakeWiki({TITLE: [PAGE]})
    cache = RulePageCache()
    rules = wiki.load(cache)
    assert rules.remove_templates == {"Mtc"} and rules.revision == 1
    assert rules.origin == f"meta:{TITLE} (revision 1)"
    assert [e.key for e in rules.errors] == ["wft-rule-error-transfer-param-placeholder"]
    # a second load (even through another cache object) asks only for the revision id
    assert wiki.load(RulePageCache()) is rules
    assert (wiki.latest_calls, len(wiki.text_calls), cache.parses) == (2, 1, 1)


def test_a_later_run_with_an_unchanged_revision_reads_the_disk_and_parses_nothing(tmp_path: Path) -> None:
    wiki = FakeWiki({TITLE: [PAGE]})
    first = wiki.load(RulePageCache(tmp_path))
    rulepage.clear_memory()  # a new process
    later = RulePageCache(tmp_path)
    assert wiki.load(later) == first
    assert (later.parses, len(wiki.text_calls)) == (0, 1)
    # a new revision is fetched and parsed, and replaces the old file
    wiki.pages[TITLE].append(PAGE.replace("* Mtc", "* Mtc\n* Orphan"))
    newer = wiki.load(later)
    assert newer.remove_templates == {"Mtc", "Orphan"} and newer.revision == 2
    assert later.parses == 1
    assert [p.name.rsplit("-", 1)[1] for p in (tmp_path / "rulepages").iterdir()] == ["2.json"]


def test_a_broken_or_foreign_cache_file_is_a_miss_not_an_error(tmp_path: Path) -> None:
    wiki = FakeWiki({TITLE: [PAGE]})
    wiki.load(RulePageCache(tmp_path))
    (path,) = (tmp_path / "rulepages").iterdir()
    for content in ("{not json", json.dumps({"format": 99}), json.dumps({"format": 1, "page": ["x"]}), "[]"):
        path.write_text(content, encoding="utf-8")
        rulepage.clear_memory()
        cache = RulePageCache(tmp_path)
        assert wiki.load(cache).remove_templates == {"Mtc"}
        assert cache.parses == 1
    data = json.loads(path.read_text(encoding="utf-8"))  # rewritten by the last load
    data["rules"]["good_templates"] = "not a list"
    path.write_text(json.dumps(data), encoding="utf-8")
    rulepage.clear_memory()
    cache = RulePageCache(tmp_path)
    assert wiki.load(cache).good_templates == {"Cc-by-4.0"} and cache.parses == 1


def test_an_unwritable_cache_folder_only_costs_a_parse(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    wiki = FakeWiki({TITLE: [PAGE]})
    assert wiki.load(RulePageCache(blocker)).remove_templates == {"Mtc"}


def test_a_missing_page_and_a_page_without_its_sections() -> None:
    wiki = FakeWiki({"Broken": ["== Categories =="]})
    with pytest.raises(RulePageMissingError) as missing:
        wiki.load(RulePageCache(), "Nowhere")
    assert missing.value.params == ("meta:Nowhere",)
    with pytest.raises(RuleSyntaxError):
        wiki.load(RulePageCache(), "Broken")
    with pytest.raises(RuleSyntaxError):  # not cached: asked and parsed again
        wiki.load(RulePageCache(), "Broken")
    assert len(wiki.text_calls) == 2


def test_an_ftcg_page_is_read_as_ftcg() -> None:
    text = (FIXTURES / "en.wikipedia.wiki").read_text(encoding="utf-8")
    wiki = FakeWiki({"User:X/ftcg": [text]})
    rules = wiki.load(RulePageCache(), "User:X/ftcg")
    assert len(rules.problems) == 11 and rules.revision == 1
    assert parse_rules_text(PAGE, "o").remove_templates == {"Mtc"}


# --- the codec ---------------------------------------------------------------------------------------


def every_kind_of_rule_set() -> list[RuleSet]:
    ftcg = parse_ftcg((FIXTURES / "en.wikipedia.wiki").read_text(encoding="utf-8"), "en")
    broken = parse_ftcg("[Replacement]\nLookFor=(?<=a)\nReplaceWith=$'\n[Replacement]\n", "b")
    page = parse_rules_text(PAGE + "\n=== Template ===\n* Info\n", "p", 7)
    return [*bundled_rule_sets(), ftcg, broken, page, RuleSet()]


def test_every_rule_set_survives_the_json_round_trip() -> None:
    for rules in every_kind_of_rule_set():
        data = json.loads(json.dumps(rules_to_json(rules)))
        assert rules_from_json(data) == rules


def test_the_codec_covers_every_field() -> None:
    # a field added to RuleSet must be encoded and decoded (the codec is driven by the type hints)
    encoded = encode(RuleSet())
    assert set(encoded) == {f.name for f in dataclasses.fields(RuleSet)}


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"format": 2, "rules": {}},
        {"format": 1, "rules": []},
        {"format": 1, "rules": {**encode(RuleSet()), "unknown": 1}},
        {"format": 1, "rules": {**encode(RuleSet()), "revision": "7"}},
        {"format": 1, "rules": {**encode(RuleSet()), "target_accepts_non_free": 1}},
        {"format": 1, "rules": {**encode(RuleSet()), "heading_regexes": [["a"]]}},
        {"format": 1, "rules": {**encode(RuleSet()), "transfer": [{"source": "a"}]}},
        {"format": 1, "rules": {**encode(RuleSet()), "errors": [{"origin": "o", "key": "k", "params": [1]}]}},
    ],
)
def test_anything_else_is_a_codec_error(data: object) -> None:
    with pytest.raises(CodecError):
        rules_from_json(data)


def test_values_outside_a_rule_set_are_refused() -> None:
    with pytest.raises(CodecError):
        encode(1.5)
    with pytest.raises(CodecError):
        decode(1, type(None))


def test_the_process_memory_keeps_the_most_recent_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rulepage, "MEMORY_SIZE", 2)
    wiki = FakeWiki({"A": [PAGE], "B": [PAGE], "C": [PAGE]})
    cache = RulePageCache()
    for title in ("A", "B", "C", "C", "A"):
        wiki.load(cache, title)
    assert cache.parses == 4  # A was evicted by C and parsed again; the second C was a hit
