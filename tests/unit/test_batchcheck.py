"""Batched check lookups against a scripted wiki: SHA-1 lookups two a request, in the wiki's order, and
target states with a cut version list read again alone. Equality with ``gather_context`` on a real
wiki is tested in tests/integration/test_batchread_testbed.py."""

from __future__ import annotations

import threading
from typing import Any

from fakewiki import fake_wiki, titles_of

from wikifile_transfer.transfer.batchcheck import fetch_target_states
from wikifile_transfer.transfer.duplicates import Sha1Index

FILES_BY_SHA1 = {
    "a" * 40: ["File:X a.png", "File:X-a.png"],  # img_name order: X-a.png before X_a.png
    "b" * 40: ["File:Y.png"],
    "c" * 40: [],
}


def allimages_wiki() -> Any:
    def answer(params: dict[str, Any]) -> dict[str, Any]:
        query: dict[str, Any] = {}
        listed = sorted(FILES_BY_SHA1[params["aisha1"]], key=lambda t: t.replace(" ", "_"))
        query["allimages"] = [{"title": t} for t in listed]
        if "gaisha1" in params:
            # a generator's pages come in page-id order, here the reverse of the names
            generated = sorted(
                FILES_BY_SHA1[params["gaisha1"]], key=lambda t: t.replace(" ", "_"), reverse=True
            )
            if generated:
                query["pages"] = [{"title": t} for t in generated]
        return {"query": query}

    return fake_wiki(answer)


def test_two_hashes_a_request_each_asked_once() -> None:
    wiki, api = allimages_wiki()
    index = Sha1Index()
    index.lookup(wiki, ["b" * 40, "a" * 40, "b" * 40, "c" * 40])
    calls = api.calls
    assert [(c["aisha1"][0], c.get("gaisha1", "-")[0]) for c in calls] == [("b", "a"), ("c", "-")]
    assert calls[0]["generator"] == "allimages" and calls[0]["gailimit"] == "max"
    assert index.requests == 2
    index.lookup(wiki, ["a" * 40, "c" * 40])
    assert len(calls) == 2, "asked before: no request"
    assert index.find(wiki, ["a" * 40]) == ["File:X-a.png", "File:X a.png"], (
        "the generator's answer in name order"
    )
    assert index.find(wiki, ["a" * 40, "b" * 40], exclude="File:X-a.png") == ["File:X a.png", "File:Y.png"]
    assert index.find(wiki, ["c" * 40]) == []


def test_workers_send_the_pairs_at_once_with_the_same_answers() -> None:
    """With workers, the pairs are asked concurrently (on a remote wiki a look-up is mostly waiting);
    what the index knows afterwards is the same as asked one after another."""
    in_flight, most = 0, 0
    lock = threading.Lock()
    both_waiting = threading.Barrier(2, timeout=5)
    wiki, api = allimages_wiki()
    plain = api.answer

    def slow(params: dict[str, Any]) -> dict[str, Any]:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        both_waiting.wait()  # two requests must be in flight together, or this times out
        with lock:
            in_flight -= 1
        return plain(params)

    api.answer = slow
    hashes = ["a" * 40, "b" * 40, "c" * 40, "a" * 40]
    parallel = Sha1Index(workers=2)
    parallel.lookup(wiki, hashes)
    assert most == 2 and parallel.requests == 2
    serial_wiki, _ = allimages_wiki()
    serial = Sha1Index()
    serial.lookup(serial_wiki, hashes)
    for sha1 in FILES_BY_SHA1:
        assert parallel.find(wiki, [sha1]) == serial.find(serial_wiki, [sha1])


def test_fetch_target_states_reads_a_cut_version_list_again() -> None:
    pages = {
        "File:Many.png": {
            "imagerepository": "local",
            "imageinfo": [{"sha1": "B", "timestamp": "2"}, {"sha1": "A", "timestamp": "1"}],
        },
        "File:One.png": {"imagerepository": "local", "imageinfo": [{"sha1": "C", "timestamp": "1"}]},
    }

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "query": {"pages": [{"title": t, **pages.get(t, {"missing": True})} for t in titles_of(params)]}
        }
        if params["iilimit"] == "max":
            body["limits"] = {"imageinfo": 2}
        return body

    wiki, api = fake_wiki(answer)
    states = list(fetch_target_states(wiki, ["File:Many.png", "File:One.png", "File:None.png"]))
    assert [s.sha1s for s in states] == [["a", "b"], ["c"], []]
    assert [titles_of(c) for c in api.calls] == [
        ["File:Many.png", "File:One.png", "File:None.png"],
        ["File:Many.png"],
    ]
    api.calls.clear()
    assert list(fetch_target_states(wiki, ["File:One.png"], iilimit="5")) == states[1:2]
    assert len(api.calls) == 1
    assert list(fetch_target_states(wiki, ["File:One.png"], iilimit=1)) == states[1:2]
    assert len(api.calls) == 3, "a cut list (1 of 1 shown) is read again on its own"
