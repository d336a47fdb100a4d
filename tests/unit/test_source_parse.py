"""Parsing the source wiki's answers: imageinfo versions, page revisions and the latest page text."""

from __future__ import annotations

from typing import Any

from wikifile_transfer.transfer.model import FileVersion, PageRevision
from wikifile_transfer.transfer.source import IMAGEINFO_PROPS, latest_text, parse_revisions, parse_versions


def info(timestamp: str, sha1: str, **extra: Any) -> dict[str, Any]:
    return {
        "timestamp": timestamp,
        "user": "Alice",
        "comment": "upload",
        "sha1": sha1,
        "size": 1234,
        "width": 640,
        "height": 480,
        "mime": "image/png",
        "url": f"https://upload.example/{sha1}.png",
        **extra,
    }


# --- parse_versions --------------------------------------------------------------------------------------


def test_imageinfo_props_ask_for_every_field_a_version_needs() -> None:
    assert set(IMAGEINFO_PROPS.split("|")) == {
        "timestamp",
        "user",
        "comment",
        "sha1",
        "size",
        "dimensions",
        "mime",
        "url",
        "commonmetadata",  # EXIF date and GPS for a generated {{Information}}
    }


def test_versions_newest_first_become_oldest_first() -> None:
    page = {
        "imageinfo": [
            info("2024-03-01T00:00:00Z", "c" * 40, user="Carol"),
            info("2024-02-01T00:00:00Z", "b" * 40, user="Bob"),
            info("2024-01-01T00:00:00Z", "a" * 40, user="Alice"),
        ]
    }
    versions = parse_versions(page)
    assert [v.timestamp for v in versions] == [
        "2024-01-01T00:00:00Z",
        "2024-02-01T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ]
    assert [v.user for v in versions] == ["Alice", "Bob", "Carol"]


def test_a_version_keeps_every_field() -> None:
    page = {
        "imageinfo": [
            {
                "timestamp": "2024-01-01T12:00:00Z",
                "user": "Alice",
                "comment": "first | upload",
                "sha1": "0123456789ABCDEF0123456789ABCDEF01234567",
                "size": 98765,
                "width": 1920,
                "height": 1080,
                "mime": "image/jpeg",
                "url": "https://upload.example/a/ab/Photo.jpg",
                "descriptionurl": "https://src.example/wiki/File:Photo.jpg",
            }
        ]
    }
    assert parse_versions(page) == [
        FileVersion(
            timestamp="2024-01-01T12:00:00Z",
            user="Alice",
            comment="first | upload",
            sha1="0123456789abcdef0123456789abcdef01234567",
            size=98765,
            width=1920,
            height=1080,
            mime="image/jpeg",
            url="https://upload.example/a/ab/Photo.jpg",
        )
    ]


def test_sha1_is_lower_cased() -> None:
    versions = parse_versions({"imageinfo": [info("2024-01-01T00:00:00Z", "ABCDEF" + "0" * 34)]})
    assert versions[0].sha1 == "abcdef" + "0" * 34


def test_hidden_versions_and_versions_without_url_are_dropped() -> None:
    page = {
        "imageinfo": [
            info("2024-04-01T00:00:00Z", "d" * 40),
            info("2024-03-01T00:00:00Z", "c" * 40, filehidden=True),  # revision-deleted file
            info("2024-02-01T00:00:00Z", "b" * 40, url=""),
            {k: v for k, v in info("2024-01-15T00:00:00Z", "e" * 40).items() if k != "url"},
            info("2024-01-01T00:00:00Z", "a" * 40),
        ]
    }
    assert [v.sha1 for v in parse_versions(page)] == ["a" * 40, "d" * 40]


def test_formatversion1_filehidden_flag_is_an_empty_string() -> None:
    # formatversion=1 sends "" for a true flag: "" is falsy, so such a version is only dropped by its url
    page = {"imageinfo": [info("2024-01-01T00:00:00Z", "a" * 40, filehidden="", url=None)]}
    assert parse_versions(page) == []


def test_missing_numbers_default_to_zero() -> None:
    page = {
        "imageinfo": [
            {
                "timestamp": "2024-01-01T00:00:00Z",
                "url": "https://u.example/x.ogg",
                "width": None,
                "height": 0,
            }
        ]
    }
    (version,) = parse_versions(page)
    assert (version.size, version.width, version.height) == (0, 0, 0)
    assert (version.user, version.comment, version.sha1, version.mime) == ("", "", "", "")


def test_string_numbers_are_converted() -> None:
    page = {"imageinfo": [info("2024-01-01T00:00:00Z", "a" * 40, size="42", width="7", height="9")]}
    (version,) = parse_versions(page)
    assert (version.size, version.width, version.height) == (42, 7, 9)


def test_no_imageinfo_gives_no_versions() -> None:
    assert parse_versions({}) == []
    assert parse_versions({"title": "File:X.png", "missing": True}) == []
    assert parse_versions({"imageinfo": []}) == []


# --- parse_revisions -------------------------------------------------------------------------------------


def rev(revid: int, timestamp: str, user: str = "Alice", **extra: Any) -> dict[str, Any]:
    return {"revid": revid, "parentid": 0, "timestamp": timestamp, "user": user, "comment": "edit", **extra}


def test_revisions_of_several_pages_are_merged_oldest_first() -> None:
    # query continuation splits the history over several page objects, newest first
    pages = [
        {"title": "File:X.png", "revisions": [rev(30, "2024-03-01T00:00:00Z", "Carol")]},
        {
            "title": "File:X.png",
            "revisions": [rev(20, "2024-02-01T00:00:00Z", "Bob"), rev(10, "2024-01-01T00:00:00Z", "Alice")],
        },
    ]
    assert parse_revisions(pages) == [
        PageRevision(10, "2024-01-01T00:00:00Z", "Alice", "edit"),
        PageRevision(20, "2024-02-01T00:00:00Z", "Bob", "edit"),
        PageRevision(30, "2024-03-01T00:00:00Z", "Carol", "edit"),
    ]


def test_revisions_with_the_same_timestamp_are_ordered_by_revid() -> None:
    pages = [
        {
            "revisions": [
                rev(12, "2024-01-01T00:00:00Z", "B"),
                rev(11, "2024-01-01T00:00:00Z", "A"),
                rev(5, "2023-12-31T23:59:59Z", "Z"),
            ]
        }
    ]
    assert [r.revid for r in parse_revisions(pages)] == [5, 11, 12]


def test_revisions_with_a_hidden_user_are_dropped() -> None:
    pages = [
        {
            "revisions": [
                rev(3, "2024-03-01T00:00:00Z", "Carol"),
                {"revid": 2, "timestamp": "2024-02-01T00:00:00Z", "userhidden": True, "comment": "x"},
                rev(1, "2024-01-01T00:00:00Z", "Alice"),
            ]
        }
    ]
    assert [(r.revid, r.user) for r in parse_revisions(pages)] == [(1, "Alice"), (3, "Carol")]


def test_revision_fields_default_when_missing() -> None:
    (revision,) = parse_revisions([{"revisions": [{"revid": "7"}]}])
    assert revision == PageRevision(7, "", "", "")


def test_pages_without_revisions_give_none() -> None:
    assert parse_revisions([]) == []
    assert parse_revisions([{"title": "File:X.png", "missing": True}]) == []


# --- latest_text -----------------------------------------------------------------------------------------


def test_latest_text_from_the_main_slot() -> None:
    page = {
        "revisions": [
            {"revid": 2, "slots": {"main": {"contentmodel": "wikitext", "content": "== Summary ==\nNew"}}},
        ]
    }
    assert latest_text(page) == "== Summary ==\nNew"


def test_latest_text_from_legacy_content() -> None:
    page = {"revisions": [{"revid": 2, "content": "legacy text"}]}
    assert latest_text(page) == "legacy text"


def test_main_slot_content_wins_over_legacy_content() -> None:
    page = {"revisions": [{"slots": {"main": {"content": "slot text"}}, "content": "legacy"}]}
    assert latest_text(page) == "slot text"


def test_legacy_content_used_when_the_main_slot_has_none() -> None:
    page = {"revisions": [{"slots": {"main": {"contentmodel": "wikitext"}}, "content": "legacy"}]}
    assert latest_text(page) == "legacy"


def test_empty_content_is_a_valid_text() -> None:
    page = {"revisions": [{"slots": {"main": {"content": ""}}}, {"content": "later"}]}
    assert latest_text(page) == ""


def test_first_revision_with_text_is_taken() -> None:
    page = {
        "revisions": [
            {"revid": 3, "slots": {"main": {"texthidden": True}}},  # hidden text: no content
            {"revid": 2, "slots": {"main": {"content": "visible"}}},
        ]
    }
    assert latest_text(page) == "visible"


def test_non_string_content_is_ignored() -> None:
    page = {"revisions": [{"slots": {"main": {"content": None}}, "content": None}]}
    assert latest_text(page) == ""


def test_latest_text_empty_without_revisions() -> None:
    assert latest_text({}) == ""
    assert latest_text({"revisions": []}) == ""
    assert latest_text({"revisions": [{"revid": 1}]}) == ""
