"""Compiling and applying community-written regexes (FtCG rules) with RE2 only.

Why RE2 and not ``re``: rule pages are edited by anyone; a backtracking engine can be stalled by one
catastrophic pattern (the reason FileImporter refused regex rules at all). RE2 runs in linear time and
rejects what it cannot run in linear time (look-around, back-references) — we turn that rejection into
a warning naming the rule, never an exception.

Why our own ``expand``: ``re2``'s ``Match.expand`` pipes literal parts through ``unicode_escape``,
which garbles non-ASCII replacement text (``Bénédicte`` → mojibake); replacements here are plain text
with ``\\1`` / ``\\g<1>`` / ``\\g<name>`` group references, nothing else.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import re2

# in a replacement: \\ (a backslash), \1 … \99, \g<1>, \g<name>; our own fixed pattern (not a rule)
_GROUP_REF = re.compile(r"\\(?:(\\)|(\d{1,2})|g<([^>]+)>)")


class Match(Protocol):
    """The part of an ``re2`` match object we use."""

    def group(self, group: int | str = 0) -> str | None: ...

    def start(self, group: int = 0) -> int: ...

    def end(self, group: int = 0) -> int: ...


class Regex(Protocol):
    """The part of a compiled ``re2`` pattern we use."""

    def search(self, text: str) -> Match | None: ...

    def fullmatch(self, text: str) -> Match | None: ...

    def match(self, text: str) -> Match | None: ...

    def finditer(self, text: str) -> Any: ...

    def subn(self, repl: Callable[[Match], str], text: str) -> tuple[str, int]: ...


@dataclass(frozen=True)
class Unusable:
    """A pattern RE2 rejected, with RE2's reason (shown to the user with the rule's origin)."""

    pattern: str
    reason: str


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False  # FtCG applies every regex with IgnoreCase
    options.log_errors = False  # a bad rule is reported to the user, not printed to stderr
    options.max_mem = 8 << 20
    return options


@functools.lru_cache(maxsize=1024)
def compile_rule(pattern: str) -> Regex | Unusable:
    """Compile an untrusted rule pattern case-insensitively, or say why it cannot be used.

    Cached: the same rule set is applied to thousands of pages, compiling costs more than matching.
    """
    try:
        compiled: Regex = re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return Unusable(pattern, str(reason))
    return compiled


def expand(template: str, match: Match) -> str:
    """``template`` with ``\\1`` / ``\\g<n>`` replaced by the match's groups (absent group → "") and
    ``\\\\`` by one backslash."""

    def group(ref: re.Match[str]) -> str:
        if ref.group(1):
            return "\\"
        key: int | str = int(ref.group(2)) if ref.group(2) else ref.group(3)
        if isinstance(key, str) and key.isdigit():
            key = int(key)
        try:
            return match.group(key) or ""
        except (IndexError, KeyError, re2.error):
            return ""

    return _GROUP_REF.sub(group, template)
