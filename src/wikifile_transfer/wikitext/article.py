"""Putting a file into an article: where the image link goes, and whether the article already has it.

Pure text in, text out (the edit itself, with its conflict detection, is ``wiki/edits.py``). The link is
the usual lead image of an article: ``[[File:X.png|thumb|caption]]`` on a line of its own, after what
sits above the first paragraph (hatnotes, maintenance tags, an infobox: templates and comments) and
before the first line of prose. An article that already mentions the file name anywhere (an image link,
a gallery line, an infobox ``image =`` parameter) is left alone, so a re-run never adds a second copy.
"""

from __future__ import annotations

import re

import mwparserfromhell
from mwparserfromhell.nodes import Comment, Template, Text


def uses_file(text: str, file_name: str) -> bool:
    """True when ``file_name`` (without namespace) appears in ``text`` as a whole name (not inside a
    longer one: ``MySun.png`` is not ``Sun.png``), with ``_`` or spaces between words and the first
    letter in either case, as MediaWiki reads a file name."""
    name = file_name.strip()
    if not name:
        return False
    first, rest = name[0], name[1:]
    words = [re.escape(word) for word in re.split(r"[ _]+", rest)]
    head = f"[{re.escape(first.upper())}{re.escape(first.lower())}]" if first.isalpha() else re.escape(first)
    pattern = r"(?<![^\s:|=\[])" + head + r"[ _]+".join(words) + r"(?![\w.-])"
    return re.search(pattern, text) is not None


def image_link(file_title: str, caption: str | None) -> str:
    """``[[File:X.png|thumb|caption]]``; line breaks in the caption become spaces (a link is one line)."""
    parts = [file_title, "thumb"]
    if caption and caption.strip():
        parts.append(" ".join(caption.split()))
    return "[[" + "|".join(parts) + "]]"


def add_file(text: str, file_title: str, caption: str | None = None) -> str | None:
    """The article ``text`` with ``file_title`` (``File:X.png``, in the target's namespace name) as its
    lead image, or None when the article already uses the file."""
    name = file_title.split(":", 1)[1] if ":" in file_title else file_title
    if uses_file(text, name):
        return None
    offset = 0
    for node in mwparserfromhell.parse(text).nodes:
        if isinstance(node, Template | Comment) or (isinstance(node, Text) and not node.value.strip()):
            offset += len(str(node))
            continue
        if isinstance(node, Text):
            offset += len(node.value) - len(node.value.lstrip())
        break
    before, after = text[:offset], text[offset:]
    if before and not before.endswith("\n"):
        before += "\n"
    return f"{before}{image_link(file_title, caption)}\n{after}"
