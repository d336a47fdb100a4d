"""Literal text every match of an RE2 pattern must contain: a cheap test that lets a rule be skipped.

Why: the pipeline runs every rule regex on every page (FtCG replacements, potential problems, the
copy-to-Commons tag), and almost none of them match. Each call into RE2 costs a UTF-8 encoding of the
whole text plus the call overhead, far more than Python's substring search. Most rule patterns contain a
fixed word (``\\{\\{PD-self([^}]*)\\}\\}`` cannot match a page without ``{{pd-self``), so a page whose
case-folded text lacks that word is skipped without asking RE2: the answer would have been "no match".

:func:`required_literals` reads the pattern with a deliberately small grammar and gives up (``None``, so
the regex always runs) on anything it is not sure about. What it returns is sound by construction:

* only characters that a match consumes one for one are collected (a literal, or ``\\`` + punctuation),
  and a run ends at anything else (a class, ``.``, an assertion, a quantifier that allows zero, a group);
* only ASCII characters are kept, case-folded: in RE2's case-insensitive mode an ASCII character also
  matches ``K`` (KELVIN SIGN) for ``k`` and ``ſ`` (LONG S) for ``s``, and ``str.casefold`` maps both to
  that same ASCII letter, so a match in the text is a match of the folded word in the folded text (and a
  case-sensitive match is one as well);
* a group counts only when it must occur at least once, with the words of its alternatives as the
  alternatives (one of them must occur); an alternation any branch of which requires nothing requires
  nothing.

The test compares the folded text: ``text.casefold()``, computed once per text for all rules.
"""

from __future__ import annotations

import functools
import re
import string
from typing import Final

Needs = frozenset[str] | None
"""Words one of which every match contains (case-folded), or None: nothing is known."""

_PUNCTUATION: Final = frozenset(string.punctuation)
_META: Final = frozenset("\\.+*?()|[]{}^$")
_REPEAT: Final = re.compile(r"\{(\d+)(?:,\d*)?\}")
_FLAGS: Final = re.compile(r"\(\?[a-zA-Z]*(?:-[a-zA-Z]*)?(\)|:)")
_NAMED: Final = re.compile(r"\(\?P?<[A-Za-z_]\w*>")


class _GiveUp(Exception):
    """Something the small grammar does not cover: the pattern gets no literal test."""


def _better(first: Needs, second: Needs) -> Needs:
    """The more selective of two requirements of one sequence (both must hold, either may be tested)."""
    if first is None:
        return second
    if second is None:
        return first
    return max(first, second, key=lambda words: (min(map(len, words)), -len(words)))


class _Scanner:
    """Recursive descent over an RE2 pattern: alternation → sequence → atom + quantifier."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def alternation(self) -> Needs:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        if any(branch is None for branch in branches):
            return None
        return frozenset().union(*branches)  # type: ignore[arg-type]

    def sequence(self) -> Needs:
        best: Needs = None
        run: list[str] = []

        def close() -> None:
            nonlocal best
            if run:
                best = _better(best, frozenset({"".join(run)}))
                run.clear()

        while self.peek() not in ("", "|", ")"):
            kind, value = self.atom()
            repeats = self.quantifier()
            least = 1 if repeats is None else repeats
            if kind == "char" and least >= 1:
                run.append(value)  # type: ignore[arg-type]
                if repeats is not None:
                    close()  # ``ab+c``: "ab" is contiguous, what follows the repeats is not
                continue
            close()
            if kind == "group" and least >= 1:
                best = _better(best, value)  # type: ignore[arg-type]
        close()
        return best

    def quantifier(self) -> int | None:
        """The least number of repeats the quantifier after an atom allows; None: no quantifier."""
        char = self.peek()
        if char in ("*", "?"):
            least = 0
            self.pos += 1
        elif char == "+":
            least = 1
            self.pos += 1
        elif char == "{":
            match = _REPEAT.match(self.src, self.pos)
            if match is None:
                raise _GiveUp
            least = int(match.group(1))
            self.pos = match.end()
        else:
            return None
        if self.peek() == "?":  # lazy
            self.pos += 1
        if self.peek() in ("*", "+", "?", "{"):
            raise _GiveUp
        return least

    def atom(self) -> tuple[str, str | Needs]:
        """("char", folded character), ("group", needs) or ("other", None) for anything that consumes
        something else or nothing (classes, ``.``, assertions, flags)."""
        char = self.src[self.pos]
        if char == "(":
            return self.group()
        if char == "[":
            self.char_class()
            return "other", None
        if char == "\\":
            return self.escape()
        if char in ("*", "+", "?", "{", "]", "}"):
            raise _GiveUp
        self.pos += 1
        if char in (".", "^", "$") or not char.isascii():
            return "other", None
        return "char", char.casefold()

    def group(self) -> tuple[str, Needs]:
        start = self.pos
        if self.src.startswith("(?", start):
            flags = _FLAGS.match(self.src, start)
            named = _NAMED.match(self.src, start)
            if flags is not None and flags.group(1) == ")":
                self.pos = flags.end()
                if self.peek() in ("*", "+", "?", "{"):
                    raise _GiveUp  # RE2 applies it to the atom before the flags: ``a(?i)*`` is ``a*``
                return "other", None  # ``(?i)``: changes no literal (the test is case-blind anyway)
            opener = flags or named
            if opener is None:
                raise _GiveUp
            self.pos = opener.end()
        else:
            self.pos += 1
        needs = self.alternation()
        if self.peek() != ")":
            raise _GiveUp
        self.pos += 1
        return "group", needs

    def char_class(self) -> None:
        """Skip ``[…]``; any nested ``[`` (POSIX ``[:alpha:]`` and the like) gives up."""
        self.pos += 1
        if self.peek() == "^":
            self.pos += 1
        if self.peek() == "]":
            self.pos += 1
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "]":
                self.pos += 1
                return
            if char == "[":
                raise _GiveUp
            self.pos += 2 if char == "\\" else 1
        raise _GiveUp

    def escape(self) -> tuple[str, str | None]:
        letter = self.src[self.pos + 1] if self.pos + 1 < len(self.src) else ""
        self.pos += 2
        if letter in _PUNCTUATION:
            return "char", letter
        if letter in ("p", "P", "x"):
            if self.peek() == "{":
                end = self.src.find("}", self.pos)
                if end < 0:
                    raise _GiveUp
                self.pos = end + 1
            else:
                self.pos += 2 if letter == "x" else 1
            return "other", None
        if letter and letter in "dDsSwWbBAzaftnrv":
            return "other", None
        raise _GiveUp  # \Q…\E, \C, octal, back-references, anything unknown


@functools.lru_cache(maxsize=1024)
def required_literals(pattern: str) -> Needs:
    """Case-folded ASCII words one of which every match of the RE2 ``pattern`` contains, or None.

    ``None`` also for patterns outside the small grammar this reads (see the module docstring)."""
    scanner = _Scanner(pattern)
    try:
        needs = scanner.alternation()
    except _GiveUp:
        return None
    if scanner.pos != len(pattern):  # an unbalanced ")"
        return None
    return needs


def excluded(needs: Needs, folded: str) -> bool:
    """True when no match can exist in a text whose ``casefold()`` is ``folded``."""
    return needs is not None and not any(word in folded for word in needs)
