"""Batched title queries over a stream: chunks, continuation merging, renames, limits, laziness."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakewiki import FakeApi, titles_of

from wikifile_transfer.wiki.titlebatch import chunks, effective_limit, merge_page, query_batch, query_batches


def test_chunks() -> None:
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 3)) == []
    with pytest.raises(ValueError):
        list(chunks([1], 0))


def test_chunks_read_one_chunk_ahead_only() -> None:
    pulled = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for i in range(1000):
            pulled += 1
            yield i

    first = next(chunks(items(), 50))
    assert first == list(range(50)) and pulled == 50


def test_continuations_are_merged_and_every_asked_title_is_mapped() -> None:
    answers = [
        {
            "continue": {"clcontinue": "1|B", "continue": "||"},
            "limits": {"imageinfo": 500, "bogus": True},
            "query": {
                "normalized": [{"from": "File:a.png", "to": "File:A.png"}],
                "redirects": [{"from": "File:A.png", "to": "File:C.png"}],
                "pages": [
                    {
                        "title": "File:C.png",
                        "categories": [{"title": "Category:A"}],
                        "imageinfo": [{"sha1": "x"}],
                    },
                    {"title": "File:Bad<.png", "invalid": True},
                    "not a page",
                ],
            },
        },
        {"query": {"pages": [{"title": "File:C.png", "categories": [{"title": "Category:B"}]}]}},
    ]
    api = FakeApi(lambda params: answers.pop(0))
    batch = query_batch(
        api, ["File:a.png", "File:A.png", "File:C.png", "File:Bad<.png", "File:Gone.png"], {"prop": "x"}
    )
    assert batch.requests == 2
    assert batch.limits == {"imageinfo": 500}
    page = batch.page("File:a.png")
    assert page is batch.page("File:A.png") is batch.page("File:C.png")
    assert page is not None and [c["title"] for c in page["categories"]] == ["Category:A", "Category:B"]
    assert page["imageinfo"] == [{"sha1": "x"}]
    assert batch.page("File:Bad<.png") == {"title": "File:Bad<.png", "invalid": True}
    assert batch.page("File:Gone.png") is None
    assert api.calls[1]["clcontinue"] == "1|B" and api.calls[1]["action"] == "query"


def test_rename_loops_end() -> None:
    loop = {"query": {"normalized": [{"from": "A", "to": "B"}, {"from": "B", "to": "A"}], "pages": []}}
    batch = query_batch(FakeApi(lambda params: loop), ["A"], {})
    assert batch.final["A"] in ("A", "B")


def test_an_answer_without_query_is_skipped() -> None:
    batch = query_batch(FakeApi(lambda params: {"batchcomplete": True}), ["A"], {})
    assert batch.pages == {} and batch.requests == 1


def test_query_batches_are_lazy() -> None:
    def answer(params: dict[str, Any]) -> dict[str, Any]:
        return {"query": {"pages": [{"title": t} for t in titles_of(params)]}}

    api = FakeApi(answer)
    batches = query_batches(api, (f"T{i}" for i in range(120)), {}, batch_size=50)
    first = next(batches)
    assert len(first.asked) == 50 and len(api.calls) == 1
    assert [len(b.asked) for b in batches] == [50, 20]
    assert len(api.calls) == 3


def test_merge_page_replaces_scalars_and_extends_lists() -> None:
    pages: dict[str, dict[str, Any]] = {}
    merge_page(pages, "P", {"a": [1], "b": 1})
    merge_page(pages, "P", {"a": [2], "b": 2, "c": 3})
    assert pages == {"P": {"a": [1, 2], "b": 2, "c": 3}}


def test_effective_limit() -> None:
    assert effective_limit(7, 500) == 7
    assert effective_limit("12", None) == 12
    assert effective_limit("max", 5000) == 5000
    assert effective_limit("max", None) == 500
