"""The original upload log table and provenance section (target-language text)."""

from __future__ import annotations

from wikifile_transfer.transfer.model import FileVersion
from wikifile_transfer.wikitext.provenance import (
    format_timestamp,
    interwiki_user_link,
    nowiki,
    provenance_section,
    upload_log_table,
)


def version(
    ts: str, user: str, comment: str = "", size: int = 1234, w: int = 320, h: int = 200
) -> FileVersion:
    return FileVersion(ts, user, comment, "a" * 40, size, w, h, "image/png", "http://x/images/a.png")


VERSIONS = [
    version("2026-11-22T16:07:28Z", "Alice", "first | upload"),
    version("2026-11-22T16:08:00Z", "Bob", "<b>bigger</b>", 1, 0, 0),
]
LINK = interwiki_user_link("en", lambda u: f"http://src/wiki/User:{u}")


def test_upload_log_table_rows_oldest_first() -> None:
    table = upload_log_table(VERSIONS, LINK, lang="en")
    lines = table.splitlines()
    assert lines[0] == '{| class="wikitable"'
    assert lines[1] == "! Date/Time !! Dimensions !! User !! Size !! Comment"
    assert lines[3] == (
        "| 2026-11-22 16:07:28 || 320 × 200 || [[:en:User:Alice|Alice]] || 1,234 bytes"
        " || <nowiki>first | upload</nowiki>"
    )
    assert (
        lines[5]
        == "| 2026-11-22 16:08:00 ||  || [[:en:User:Bob|Bob]] || 1 byte || <nowiki>&lt;b&gt;bigger&lt;/b&gt;</nowiki>"
    )
    assert lines[-1] == "|}"


def test_table_in_german() -> None:
    table = upload_log_table(VERSIONS, LINK, lang="de")
    assert "! Datum/Uhrzeit !! Abmessungen !! Benutzer !! Größe !! Kommentar" in table
    assert "1,234 Bytes" in table


def test_user_link_without_interwiki_prefix_is_external() -> None:
    link = interwiki_user_link(None, lambda u: f"http://src/wiki/User:{u}")
    assert link("Alice") == "[http://src/wiki/User:Alice Alice]"


def test_provenance_names_every_uploader_and_author() -> None:
    text = provenance_section(
        source_url="http://src/wiki/File:X.png",
        source_title="File:X.png",
        source_wiki="Source Wiki",
        versions=VERSIONS,
        authors=["Alice", "Bob", "Admin"],
        user_link=LINK,
        lang="en",
    )
    assert text.startswith(
        "== Original upload log ==\nThis file was transferred from [http://src/wiki/File:X.png File:X.png] on Source Wiki."
    )
    assert (
        "Authors of the original description page: [[:en:User:Alice|Alice]], [[:en:User:Bob|Bob]], [[:en:User:Admin|Admin]]."
        in text
    )
    without = provenance_section(
        source_url="u",
        source_title="t",
        source_wiki="w",
        versions=VERSIONS,
        authors=["Alice"],
        user_link=LINK,
        lang="en",
        with_authors=False,
    )
    assert "Author" not in without.split("|}")[-1]


def test_helpers() -> None:
    assert nowiki("") == ""
    assert format_timestamp("2026-01-02T03:04:05Z") == "2026-01-02 03:04:05"
