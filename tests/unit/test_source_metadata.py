"""imageinfo commonmetadata → the flat map the {{Information}} generator reads."""

from __future__ import annotations

from wikifile_transfer.transfer.source import flatten_metadata, latest_metadata, parse_versions


def test_flat_values_and_nested_gps():
    items = [
        {"name": "DateTimeOriginal", "value": "2024:06:21 20:14:00"},
        {"name": "GPSLatitude", "value": 52.5},
        {"name": "GPSLatitudeRef", "value": "N"},
        {"name": "Make", "value": None},
        {"name": "ISOSpeedRatings", "value": [{"name": 0, "value": 100}, {"name": 1, "value": 200}]},
        {"name": "Empty", "value": []},
        {"value": "no name"},
        "garbage",
    ]
    assert flatten_metadata(items) == {
        "DateTimeOriginal": "2024:06:21 20:14:00",
        "GPSLatitude": "52.5",
        "GPSLatitudeRef": "N",
        "ISOSpeedRatings": "100 200",
        "Empty": "",
    }


def test_not_a_list_is_empty():
    assert flatten_metadata(None) == {}
    assert flatten_metadata({"name": "x"}) == {}


def test_latest_version_wins():
    page = {
        "imageinfo": [
            {"timestamp": "2026-01-02T00:00:00Z", "commonmetadata": [{"name": "Model", "value": "New"}]},
            {"timestamp": "2025-01-01T00:00:00Z", "commonmetadata": [{"name": "Model", "value": "Old"}]},
        ]
    }
    assert latest_metadata(page) == {"Model": "New"}
    assert latest_metadata({}) == {}


def test_versions_uploaded_in_the_same_second_keep_their_order():
    same = "2026-01-01T00:00:00Z"
    page = {
        "imageinfo": [  # newest first, as the API lists them
            {"timestamp": same, "sha1": "C" * 40, "url": "http://x/c"},
            {"timestamp": same, "sha1": "B" * 40, "url": "http://x/b"},
            {"timestamp": "2025-01-01T00:00:00Z", "sha1": "A" * 40, "url": "http://x/a"},
        ]
    }
    assert [v.sha1[0] for v in parse_versions(page)] == ["a", "b", "c"]
