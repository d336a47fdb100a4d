"""Step 8: tidy the layout, and where the provenance section goes.

Why tidy at all: removals and moves leave blank-line runs and trailing spaces behind; a reviewer's diff
should show the real changes only. The rules are few and idempotent: at most one empty line in a row,
no trailing spaces or tabs, exactly one final line break (nothing for an empty page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_RUNS.sub("\n\n", text).strip("\n")
    return text + "\n" if text else ""


def _category_line(line: str, prefixes: set[str]) -> bool:
    stripped = line.strip()
    if stripped.startswith("<!--") and stripped.endswith("-->"):
        stripped = stripped[4:-3].strip()
    if not stripped.startswith("[[") or ":" not in stripped:
        return False
    return " ".join(stripped[2:].split(":", 1)[0].replace("_", " ").split()).lower() in prefixes


def place_provenance(text: str, provenance: str, category_namespaces: Iterable[str] = ("Category",)) -> str:
    """Insert the provenance section before the page's closing block of categories (Commons puts
    categories last), or at the end when there is none. Commented-out categories count as categories.
    """
    prefixes = {" ".join(n.replace("_", " ").split()).lower() for n in category_namespaces} | {"category"}
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    start = len(lines)
    while start > 0 and (not lines[start - 1].strip() or _category_line(lines[start - 1], prefixes)):
        start -= 1
    while start < len(lines) and not lines[start].strip():
        start += 1  # keep blank lines above the provenance, not inside the category block
    head = "\n".join(lines[:start]).rstrip("\n")
    tail = "\n".join(lines[start:])
    parts = [p for p in (head, provenance.strip("\n"), tail) if p]
    return tidy("\n\n".join(parts))
