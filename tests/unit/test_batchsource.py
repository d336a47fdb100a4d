"""The batched source reader's history walk and its fall-backs, against a scripted wiki.

The behaviour against the real MediaWiki (equality with ``fetch_source``, request counts) is tested in
tests/integration/test_batchread_testbed.py; here are the cases a testbed does not produce on demand:
a parent that was deleted, that belongs to another page, a loop, users that do not match
``contributors``, anonymous and hidden users.
"""

from __future__ import annotations

from typing import Any

from fakewiki import fake_wiki, titles_of

from wikifile_transfer.errors import MissingFileError
from wikifile_transfer.transfer.batchsource import consistent, fetch_sources, read_histories
from wikifile_transfer.transfer.model import PageRevision, SourceFile


def rev(
    revid: int, parent: int, user: str | None = "Alice", ts: int | None = None, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "revid": revid,
        "parentid": parent,
        "timestamp": f"2024-01-01T00:00:{ts if ts is not None else revid:02d}Z",
        "comment": f"edit {revid}",
        **extra,
    }
    if user is not None:
        out["user"] = user
    return out


def page(
    pageid: int, latest: dict[str, Any], users: list[str], anon: int = 0, new: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "pageid": pageid,
        "title": f"File:P{pageid}.png",
        "revisions": [latest],
        "contributors": [{"name": u} for u in users],
    }
    if anon:
        out["anoncontributors"] = anon
    if new:
        out["new"] = True
    return out


class Wiki:
    """Revisions by id (with their page id) and full histories by title, answered like MediaWiki."""

    def __init__(
        self, revisions: dict[int, tuple[int, dict[str, Any]]], histories: dict[str, list[dict[str, Any]]]
    ):
        self.revisions = revisions
        self.histories = histories

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        if "revids" in params:
            pages: dict[int, dict[str, Any]] = {}
            bad = {}
            for revid in params["revids"]:
                if revid not in self.revisions:
                    bad[str(revid)] = {"revid": revid, "missing": True}
                    continue
                pageid, revision = self.revisions[revid]
                pages.setdefault(pageid, {"pageid": pageid, "revisions": []})["revisions"].append(revision)
            query: dict[str, Any] = {"pages": list(pages.values())}
            if bad:
                query["badrevids"] = bad
            return {"query": query}
        (title,) = titles_of(params)
        return {"query": {"pages": [{"title": title, "revisions": self.histories[title]}]}}


def chain(pageid: int, users: list[str], first: int | None = None) -> list[dict[str, Any]]:
    """Revisions of one page, oldest first, each the parent of the next."""
    base = first if first is not None else pageid * 10
    return [rev(base + i, base + i - 1 if i else 0, user) for i, user in enumerate(users)]


def by_id(*pages: tuple[int, list[dict[str, Any]]]) -> dict[int, tuple[int, dict[str, Any]]]:
    return {r["revid"]: (pageid, r) for pageid, revisions in pages for r in revisions}


def test_walk_reads_many_histories_with_one_request_per_round() -> None:
    p1, p2, p3 = chain(1, ["Alice", "Bob", "Alice"]), chain(2, ["Carol", "Dave", "Carol"]), chain(3, ["Eve"])
    wiki, api = fake_wiki(Wiki(by_id((1, p1), (2, p2), (3, p3)), {}))
    pages = {
        "File:P1.png": page(1, p1[-1], ["Bob", "Alice"]),
        "File:P2.png": page(2, p2[-1], ["Carol", "Dave"]),
        "File:P3.png": page(3, p3[-1], ["Eve"], new=True),
    }
    histories = read_histories(wiki, pages)
    assert [c["revids"] for c in api.calls] == [[11, 21], [10, 20]]  # two rounds, no history request
    assert histories["File:P1.png"] == [
        PageRevision(r["revid"], r["timestamp"], r["user"], r["comment"]) for r in p1
    ]
    assert [r.user for r in histories["File:P2.png"]] == ["Carol", "Dave", "Carol"]
    assert [r.revid for r in histories["File:P3.png"]] == [30]


def test_last_page_walking_gets_its_own_history_request() -> None:
    a, b = chain(1, ["Alice", "Bob", "Alice"]), chain(2, ["Carol", "Dave"])
    wiki, api = fake_wiki(Wiki(by_id((1, a), (2, b)), {"File:P1.png": a}))
    pages = {
        "File:P1.png": page(1, a[-1], ["Bob", "Alice"]),
        "File:P2.png": page(2, b[-1], ["Carol", "Dave"]),
    }
    histories = read_histories(wiki, pages)
    assert [r.revid for r in histories["File:P1.png"]] == [10, 11, 12]
    assert [r.revid for r in histories["File:P2.png"]] == [20, 21]
    assert api.calls[0]["revids"] == [11, 20]
    assert api.calls[1]["titles"] == ["File:P1.png"] and api.calls[1]["rvlimit"] == "max"
    assert len(api.calls) == 2


def fallback_case(
    broken: list[dict[str, Any]],
    revisions: dict[int, tuple[int, dict[str, Any]]],
    users: list[str],
    **page_extra: Any,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Walk a page ``broken`` next to a healthy one (four revisions: once it walks alone, it is read
    on its own); return the calls and the pages that got a history request of their own."""
    healthy = chain(9, ["Zoe", "Zoe", "Zoe", "Zoe"])
    true_history = [rev(1, 0, "Someone"), *broken]
    wiki, api = fake_wiki(
        Wiki({**revisions, **by_id((9, healthy))}, {"File:P1.png": true_history, "File:P9.png": healthy})
    )
    pages = {
        "File:P1.png": {**page(1, broken[-1], users), **page_extra},
        "File:P9.png": page(9, healthy[-1], ["Zoe"]),
    }
    histories = read_histories(wiki, pages)
    own = [c["titles"][0] for c in api.calls if "titles" in c]
    if "File:P1.png" in own:
        assert [r.user for r in histories["File:P1.png"]] == [r.get("user") for r in true_history]
    assert len(histories["File:P9.png"]) == 4
    return api.calls, own


def test_a_deleted_parent_breaks_the_walk() -> None:
    revisions = [rev(12, 11, "Bob")]  # revision 11 does not exist any more
    _calls, own = fallback_case(revisions, by_id((1, revisions)), ["Bob"])
    assert "File:P1.png" in own


def test_a_parent_on_another_page_breaks_the_walk() -> None:
    revisions = [rev(11, 0, "Bob"), rev(12, 11, "Bob")]
    _calls, own = fallback_case(revisions, {11: (5, revisions[0]), 12: (1, revisions[1])}, ["Bob"])
    assert "File:P1.png" in own


def test_a_loop_breaks_the_walk() -> None:
    revisions = [rev(11, 12, "Bob"), rev(12, 11, "Bob")]
    _calls, own = fallback_case(revisions, by_id((1, revisions)), ["Bob"])
    assert "File:P1.png" in own


def test_users_that_differ_from_contributors_break_the_walk() -> None:
    revisions = [rev(11, 0, "Bob"), rev(12, 11, "Bob")]
    _calls, own = fallback_case(revisions, by_id((1, revisions)), ["Bob", "Someone"])
    assert "File:P1.png" in own
    calls, own = fallback_case(revisions, by_id((1, revisions)), ["Bob"])
    assert own == ["File:P9.png"], "P1's walk is accepted; P9, left walking alone, is read on its own"
    assert calls[0]["revids"] == [11, 92]


def test_a_page_without_its_latest_revision_is_read_on_its_own() -> None:
    wiki, api = fake_wiki(Wiki({}, {"File:P1.png": [rev(1, 0)]}))
    histories = read_histories(wiki, {"File:P1.png": {"pageid": 1, "title": "File:P1.png"}})
    assert [r.revid for r in histories["File:P1.png"]] == [1]
    assert len(api.calls) == 1


def test_no_rounds_reads_every_history_on_its_own() -> None:
    a, b = chain(1, ["Alice", "Bob"]), chain(2, ["Carol", "Dave"])
    wiki, api = fake_wiki(Wiki(by_id((1, a), (2, b)), {"File:P1.png": a, "File:P2.png": b}))
    pages = {
        "File:P1.png": page(1, a[-1], ["Alice", "Bob"]),
        "File:P2.png": page(2, b[-1], ["Carol", "Dave"]),
    }
    read_histories(wiki, pages, rounds=0)
    assert [c.get("titles") for c in api.calls] == [["File:P1.png"], ["File:P2.png"]]


def test_consistent() -> None:
    one = [rev(1, 0, "Alice")]
    assert consistent({"contributors": [{"name": "Alice"}], "new": True}, one)
    assert not consistent({"contributors": [{"name": "Alice"}]}, one), "one revision: the page must be new"
    two = [rev(2, 1, "Alice"), rev(1, 0, "127.0.0.1", anon=True)]
    assert consistent({"contributors": [{"name": "Alice"}], "anoncontributors": 1}, two)
    assert not consistent({"contributors": [{"name": "Alice"}]}, two), "an anonymous user not counted"
    assert not consistent({"contributors": [{"name": "Alice"}], "anoncontributors": "1"}, two)
    hidden = [rev(2, 1, "Alice"), rev(1, 0, None, userhidden=True)]
    assert consistent({"contributors": [{"name": "Alice"}]}, hidden), "hidden users count on neither side"
    imported = [rev(2, 1, "Alice"), rev(1, 0, "en>Bob", anon=True)]
    assert consistent({"contributors": [{"name": "Alice"}], "anoncontributors": 1}, imported)


# --- fetch_sources against a scripted wiki ----------------------------------------------------------


def info(ts: str, sha1: str) -> dict[str, Any]:
    return {
        "timestamp": ts,
        "user": "Alice",
        "comment": "",
        "sha1": sha1,
        "size": 1,
        "url": f"http://x/{sha1}",
    }


FILES: dict[str, dict[str, Any]] = {
    "File:One.png": {
        "pageid": 1,
        "imagerepository": "local",
        "imageinfo": [info("2024-01-01T00:00:01Z", "a")],
        "revisions": [{**rev(1, 0, "Alice"), "slots": {"main": {"content": "text one"}}}],
        "contributors": [{"name": "Alice"}],
        "new": True,
    },
    "File:Two.png": {
        "pageid": 2,
        "imagerepository": "local",
        "imageinfo": [info("2024-01-01T00:00:03Z", "c"), info("2024-01-01T00:00:02Z", "b")],
        "revisions": [{**rev(3, 2, "Bob"), "slots": {"main": {"content": "text two"}}}],
        "contributors": [{"name": "Alice"}, {"name": "Bob"}],
    },
    "File:Hidden.png": {"pageid": 4, "imagerepository": "local", "imageinfo": [{"filehidden": True}]},
    "File:Nothing.png": {"missing": True, "imagerepository": ""},
    "File:Bad<.png": {"invalid": True},
}
HISTORY = {"File:Two.png": [rev(2, 0, "Alice"), rev(3, 2, "Bob")]}


def source_wiki(limits: dict[str, int] | None = None) -> Any:
    def answer(params: dict[str, Any]) -> dict[str, Any]:
        titles = titles_of(params)
        if params.get("rvlimit"):
            return {"query": {"pages": [{"title": titles[0], "revisions": HISTORY[titles[0]]}]}}
        pages = [{"title": t, **FILES[t]} for t in titles if t in FILES]
        body: dict[str, Any] = {"query": {"pages": pages}}
        if limits is not None:
            body["limits"] = limits
        return body

    return fake_wiki(answer)


def test_fetch_sources_yields_sources_and_errors_in_input_order() -> None:
    wiki, api = source_wiki({"imageinfo": 500})
    titles = [
        "File:Two.png",
        "File:Nothing.png",
        "File:One.png",
        "File:Bad<.png",
        "File:Hidden.png",
        "File:Zed.png",
    ]
    out = list(fetch_sources(wiki, titles))
    assert [type(o).__name__ for o in out] == [
        "SourceFile",
        "MissingFileError",
        "SourceFile",
        "MissingFileError",
        "MissingFileError",
        "MissingFileError",
    ]
    two = out[0]
    assert isinstance(two, SourceFile)
    assert [v.sha1 for v in two.versions] == ["b", "c"] and two.text == "text two"
    assert two.authors == ["Alice", "Bob"]
    missing = out[1]
    assert isinstance(missing, MissingFileError) and missing.params == ("File:Nothing.png", "src")
    # One request for the pages; Two.png walks alone: its own history request.
    assert len(api.calls) == 2 and "contributors" in api.calls[0]["prop"]


def test_a_file_showing_as_many_versions_as_the_limit_is_read_alone() -> None:
    for limits, iilimit in (({"imageinfo": 2}, "max"), (None, "2"), (None, 2)):
        wiki, api = source_wiki(limits)
        out = list(fetch_sources(wiki, ["File:Two.png", "File:One.png"], iilimit=iilimit))
        assert all(isinstance(o, SourceFile) for o in out)
        # the batch; then fetch_source for Two.png: its page and its history
        assert len(api.calls) == 3, (limits, iilimit)
        assert "contributors" not in api.calls[1]["prop"] and api.calls[1]["iilimit"] == "max"


def test_without_limits_in_the_answer_max_means_500() -> None:
    wiki, api = source_wiki(None)
    list(fetch_sources(wiki, ["File:One.png"]))
    assert len(api.calls) == 1
