"""The provenance part of a transferred description page: where it came from and who made it.

When the target cannot import the page history (no ``importupload`` right), credits survive only in the
page text: a link to the original page, the original upload log (one row per version) and the list of
page authors. Texts are rendered in the *target* wiki's language from the shared message files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wikifile_transfer.i18n import msg
from wikifile_transfer.transfer.model import FileVersion

UserLink = Callable[[str], str]


def nowiki(text: str) -> str:
    """Make free text (an upload comment) inert inside a table cell: no markup, no cell breaks."""
    if not text:
        return ""
    return "<nowiki>" + text.replace("<", "&lt;").replace(">", "&gt;") + "</nowiki>"


def format_timestamp(timestamp: str) -> str:
    """``2026-11-22T16:07:28Z`` → ``2026-11-22 16:07:28`` (UTC, as in upload logs)."""
    return timestamp.replace("T", " ").removesuffix("Z")


def format_size(size: int, lang: str) -> str:
    return msg("wft-page-bytes", f"{size:,}", size, lang=lang)


def upload_log_table(versions: Sequence[FileVersion], user_link: UserLink, *, lang: str) -> str:
    """A wikitable of every original version, oldest first: date, dimensions, user, size, comment."""
    header = " !! ".join(
        msg(key, lang=lang)
        for key in (
            "wft-page-log-date",
            "wft-page-log-dimensions",
            "wft-page-log-user",
            "wft-page-log-size",
            "wft-page-log-comment",
        )
    )
    rows = ['{| class="wikitable"', f"! {header}"]
    for version in versions:
        dimensions = f"{version.width} × {version.height}" if version.width and version.height else ""
        cells = [
            format_timestamp(version.timestamp),
            dimensions,
            user_link(version.user),
            format_size(version.size, lang),
            nowiki(version.comment),
        ]
        rows.append("|-")
        rows.append("| " + " || ".join(cells))
    rows.append("|}")
    return "\n".join(rows)


def provenance_section(
    *,
    source_url: str,
    source_title: str,
    source_wiki: str,
    versions: Sequence[FileVersion],
    authors: Sequence[str],
    user_link: UserLink,
    lang: str,
    with_authors: bool = True,
) -> str:
    """The section appended to the page: origin link, original upload log and (optionally) page authors."""
    lines = [
        f"== {msg('wft-page-heading-original-log', lang=lang)} ==",
        msg("wft-page-transferred-from", f"[{source_url} {source_title}]", source_wiki, lang=lang),
        "",
        upload_log_table(versions, user_link, lang=lang),
    ]
    if with_authors and authors:
        lines += [
            "",
            msg(
                "wft-page-authors",
                ", ".join(user_link(a) for a in authors),
                len(authors),
                lang=lang,
            ),
        ]
    return "\n".join(lines) + "\n"


def interwiki_user_link(prefix: str | None, user_url: Callable[[str], str]) -> UserLink:
    """Link a source user from the target: through an interwiki prefix when the target has one, else a URL."""

    def link(user: str) -> str:
        if prefix:
            return f"[[:{prefix}:User:{user}|{user}]]"
        return f"[{user_url(user)} {user}]"

    return link
