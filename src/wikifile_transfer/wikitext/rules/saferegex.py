"""Regular expressions from rule files, run safely: RE2, .NET/PCRE translation, replacement templates.

Why RE2: rule files are written by wiki communities (FtCG local-wiki-data files, our own TOML), so their
patterns are untrusted input. A backtracking engine (Python's ``re``, PCRE, .NET) can take exponential
time on a pattern such as ``(a+)+$`` against ``'a' * 5000 + 'b'``; that is why FileImporter refused
regex rules altogether (catastrophic backtracking, T171605). RE2 matches in time linear in the text and
bounds the memory of a compiled pattern, so any pattern a rule file contains finishes quickly. The price
is that RE2 lacks backtracking-only features (lookaround, backreferences, balancing groups, conditionals,
recursion); :func:`translate_dotnet` rewrites what RE2 can express and reports the rest as a
:class:`RuleError` with a reason, so one bad rule is listed in the report instead of stopping a transfer.

Differences from .NET that remain after translation (documented, rarely relevant in wikitext rules):

* ``$`` and ``\\Z`` match only at the very end of the text, not also before a final line break;
* ``\\b`` is ASCII-only (``\\d``, ``\\w`` and ``\\s`` are translated to their Unicode classes);
* atomic groups ``(?>…)`` and possessive quantifiers ``a*+`` are dropped: they exist to stop
  backtracking, which RE2 never does; a pattern that relies on them to *fail* a match may match more.

Replacement strings use ``\\1``, ``\\g<1>`` and ``\\g<name>`` group references and ``\\\\`` for a
backslash. They are expanded here rather than by the ``re2`` module, whose ``expand`` runs literal text
through ``unicode_escape`` and so garbles any non-ASCII character (``兵庫`` → ``å\\x85µ…``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Final

import re2

from wikifile_transfer.errors import WftError
from wikifile_transfer.i18n import Message
from wikifile_transfer.wikitext.rules.literals import excluded, required_literals
from wikifile_transfer.wikitext.rules.model import RuleError

MAX_PATTERN_LENGTH: Final = 10_000
"""Longer patterns are refused: no sensible wikitext rule is this long, and RE2 compiles in linear time
and memory in the pattern length, so this also bounds compile cost."""

MAX_TEXT_LENGTH: Final = 4 * 1024 * 1024
"""Characters of text a regex may run on. MediaWiki pages are at most 2 MiB ($wgMaxArticleSize), so a
description page never comes close; anything longer is not a description page."""

MAX_PROGRAM_MEMORY: Final = 8 << 20
"""Bytes RE2 may use for one compiled pattern (its DFA cache included)."""

# --- messages --------------------------------------------------------------------------------------
# Every reason is a message key (``i18n/en.json``, documented in ``qqq.json``): the report is rendered in
# the reader's language. Constructs RE2 lacks are messages of their own (``wft-regex-construct-*``),
# given to ``wft-rule-error-unsupported-regex`` as a nested message.


def rule_error(origin: str, key: str, *params: str | int | Message) -> RuleError:
    """A ``RuleError`` at ``origin`` whose reason is the message ``key`` with ``params``."""
    return RuleError(origin, key, tuple(p if isinstance(p, Message) else str(p) for p in params))


class RegexInputTooLargeError(WftError):
    """The text is longer than ``MAX_TEXT_LENGTH``: refused before any regex runs on it."""

    key = "wft-error-regex-input-too-large"


class UnsupportedRegexError(ValueError):
    """A pattern uses a construct RE2 cannot run. ``construct`` names it (a message), ``position`` is
    1-based."""

    def __init__(self, construct: Message, position: int) -> None:
        self.construct = construct
        self.position = position
        super().__init__(Message("wft-rule-error-unsupported-regex", (construct, str(position))).text())


class ReplacementError(ValueError):
    """A replacement text that cannot be used; ``message`` says why (``wft-replacement-*``)."""

    def __init__(self, key: str, *params: str | int) -> None:
        self.message = Message(key, tuple(str(p) for p in params))
        super().__init__(self.message.text())


def _construct(key: str, *params: str) -> Message:
    """A construct RE2 lacks, as a message (``key`` is ``wft-regex-construct-…``; ``params`` its syntax)."""
    return Message(key, params)


# --- .NET / PCRE → RE2 -------------------------------------------------------------------------------

# .NET's \d, \w and \s are Unicode-aware; RE2's are ASCII-only. Without brackets, for use inside a class.
_UNICODE_CLASSES: Final = {
    "d": r"\p{Nd}",
    "w": r"\p{L}\p{Mn}\p{Nd}\p{Pc}",
    "s": r"\t\n\x{0B}\f\r\x{85}\p{Z}",
}
_HSPACE: Final = r"\t\x{20}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}"
_LINEBREAK: Final = r"(?:\r\n|[\n\x{0B}\f\r\x{85}\x{2028}\x{2029}])"

_BACKREFERENCE: Final = _construct("wft-regex-construct-backreference")
_QUANTIFIER: Final = re.compile(r"\{\d+(?:,\d*)?\}")
_GROUP_NAME: Final = re.compile(r"[A-Za-z_]\w*")
_INLINE_FLAGS: Final = re.compile(r"\(\?([a-zA-Z]*(?:-[a-zA-Z]*)?)([:)])")
_HEX: Final = "0123456789abcdefABCDEF"
_POSIX_CLASS: Final = re.compile(r"\[:\^?[a-z]+:\]")

# (?… constructs RE2 lacks, longest prefix first.
_UNSUPPORTED_GROUPS: Final = (
    ("(?<=", _construct("wft-regex-construct-lookbehind", "(?<=…)")),
    ("(?<!", _construct("wft-regex-construct-negative-lookbehind", "(?<!…)")),
    ("(?=", _construct("wft-regex-construct-lookahead", "(?=…)")),
    ("(?!", _construct("wft-regex-construct-negative-lookahead", "(?!…)")),
    ("(?(", _construct("wft-regex-construct-conditional", "(?(…)…)")),
    ("(?|", _construct("wft-regex-construct-branch-reset", "(?|…)")),
    ("(?P=", _BACKREFERENCE),
    ("(?P>", _construct("wft-regex-construct-recursion", "(?P>…)")),
    ("(?&", _construct("wft-regex-construct-recursion", "(?&…)")),
    ("(?R", _construct("wft-regex-construct-recursion", "(?R)")),
    ("(?+", _construct("wft-regex-construct-recursion", "(?+…)")),
    ("(?*", _construct("wft-regex-construct-non-atomic-lookaround", "(?*…)")),
)


def _escape_literal(text: str) -> str:
    """Escape every non-alphanumeric character, so the text matches itself in RE2."""
    return "".join(ch if ch.isalnum() or ch == "_" else f"\\x{{{ord(ch):X}}}" for ch in text)


class _Translator:
    """One pass over a .NET/PCRE pattern, producing an RE2 pattern with the same meaning.

    Kept as a small state machine (position + output) rather than regex rewriting, because every
    construct's meaning depends on whether it sits inside a character class or after a quantifier.
    """

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0
        self.out: list[str] = []

    def fail(self, construct: Message, at: int | None = None) -> UnsupportedRegexError:
        return UnsupportedRegexError(construct, (self.pos if at is None else at) + 1)

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def run(self) -> str:
        while self.pos < len(self.src):
            ch = self.src[self.pos]
            if ch == "\\":
                self.out.append(self.escape(in_class=False))
            elif ch == "[":
                self.out.append(self.char_class())
            elif ch == "(":
                self.out.append(self.group_open())
            elif ch in "*+?":
                self.pos += 1
                self.out.append(ch + self.quantifier_suffix())
            elif ch == "{":
                self.brace()
            elif ch == "}":
                self.pos += 1
                self.out.append(r"\}")
            else:
                self.pos += 1
                self.out.append(ch)
        return "".join(self.out)

    def brace(self) -> None:
        """``{n,m}`` is a quantifier; any other ``{`` is a literal in .NET and is escaped for RE2."""
        match = _QUANTIFIER.match(self.src, self.pos)
        if match is None:
            self.pos += 1
            self.out.append(r"\{")
            return
        self.pos = match.end()
        self.out.append(match.group() + self.quantifier_suffix())

    def quantifier_suffix(self) -> str:
        """A lazy ``?`` is kept; a possessive ``+`` is dropped (RE2 never backtracks anyway).

        A ``+`` followed by yet another quantifier (``a*++``) is not possessive but a nested quantifier,
        invalid in .NET as in RE2: it is kept so that RE2 reports it, and translating again changes
        nothing."""
        if self.peek() == "?":
            self.pos += 1
            return "?"
        if self.peek() == "+":
            self.pos += 1
            nested = self.peek() in ("*", "+", "?") or _QUANTIFIER.match(self.src, self.pos) is not None
            if nested:  # a "{" that starts no {n,m} is a literal: the "+" before it was possessive
                return "+"
        return ""

    def group_open(self) -> str:
        start = self.pos
        if self.peek(1) != "?":
            self.pos += 1
            return "("
        for prefix, construct in _UNSUPPORTED_GROUPS:
            if self.src.startswith(prefix, start):
                raise self.fail(construct, start)
        third = self.peek(2)
        if third == ":":
            self.pos += 3
            return "(?:"
        if third in ("<", "'") or self.src.startswith("(?P<", start):
            return self.named_group(start)
        if third == ">":
            self.pos += 3
            return "(?:"  # atomic group: only prevents backtracking, which RE2 does not do
        if third == "#":
            end = self.src.find(")", start)
            if end < 0:
                raise self.fail(_construct("wft-regex-construct-unterminated-comment", "(?#…"), start)
            self.pos = end + 1
            return ""
        if third.isdigit() or (third == "-" and self.peek(3).isdigit()):
            raise self.fail(_construct("wft-regex-construct-recursion", "(?1)"), start)
        return self.inline_flags(start)

    def named_group(self, start: int) -> str:
        """``(?<name>…)``, ``(?'name'…)`` and ``(?P<name>…)`` → ``(?P<name>…)``."""
        open_len = 4 if self.src.startswith("(?P<", start) else 3
        closer = "'" if self.src[start + 2] == "'" else ">"
        end = self.src.find(closer, start + open_len)
        name = self.src[start + open_len : end] if end >= 0 else ""
        if "-" in name:
            raise self.fail(_construct("wft-regex-construct-balancing-group", "(?<name-other>…)"), start)
        if name.isdigit():
            raise self.fail(_construct("wft-regex-construct-numbered-group", "(?<1>…)"), start)
        if end < 0 or not _GROUP_NAME.fullmatch(name):
            raise self.fail(_construct("wft-regex-construct-group-name"), start)
        self.pos = end + 1
        return f"(?P<{name}>"

    def inline_flags(self, start: int) -> str:
        match = _INLINE_FLAGS.match(self.src, start)
        if match is None:
            raise self.fail(_construct("wft-regex-construct-unknown-group", "(?…"), start)
        flags = match.group(1)
        for flag in flags.replace("-", ""):
            if flag not in "imsU":
                raise self.fail(_construct("wft-regex-construct-inline-option", flag), start)
        if not flags.replace("-", ""):
            raise self.fail(_construct("wft-regex-construct-empty-options", "(?)"), start)
        self.pos = match.end()
        return match.group()

    # -- escapes -------------------------------------------------------------------------------

    def escape(self, *, in_class: bool) -> str:
        """Translate the escape at ``self.pos`` (a backslash) and move past it."""
        start = self.pos
        letter = self.peek(1)
        if not letter:
            raise self.fail(_construct("wft-regex-construct-trailing-backslash"), start)
        self.pos += 2
        if letter in "123456789":
            raise self.fail(_BACKREFERENCE, start)
        follower = self.peek()
        if (letter in ("k", "g") and follower in ("<", "'", "{")) or (letter == "g" and follower.isdigit()):
            raise self.fail(_BACKREFERENCE, start)
        special = self.special_escape(letter, start, in_class=in_class)
        if special is not None:
            return special
        if letter in "xpP":
            return self.escape_with_argument(letter)
        if letter == "u" and all(c in _HEX for c in self.src[self.pos : self.pos + 4]) and self.peek(3):
            self.pos += 4
            return f"\\x{{{self.src[self.pos - 4 : self.pos]}}}"
        if letter == "c" and self.peek().isalpha():
            self.pos += 1
            return f"\\x{{{ord(self.src[self.pos - 1].upper()) - 64:X}}}"
        if letter == "0":
            return self.octal()
        if letter == "Q":
            if in_class:
                raise self.fail(_construct("wft-regex-construct-in-class", r"\Q…\E"), start)
            return self.quoted()
        return "\\" + letter

    def special_escape(self, letter: str, start: int, *, in_class: bool) -> str | None:
        """Escapes whose translation depends only on the letter (and on being inside a class)."""
        if letter in _UNICODE_CLASSES:
            members = _UNICODE_CLASSES[letter]
            return members if in_class else f"[{members}]"
        if letter in "DWS":
            if in_class:
                return "\\" + letter  # a negated class cannot be nested; RE2's ASCII version is close
            return f"[^{_UNICODE_CLASSES[letter.lower()]}]"
        if letter == "h":
            return _HSPACE if in_class else f"[{_HSPACE}]"
        if letter == "e":
            return r"\x{1B}"
        if letter == "b" and in_class:
            return r"\x{08}"  # inside a .NET class, \b is a backspace
        if not in_class and letter in "HRZ":
            return {"H": f"[^{_HSPACE}]", "R": _LINEBREAK, "Z": r"\z"}[letter]
        unsupported = {
            "G": _construct("wft-regex-construct-previous-match-end", r"\G"),
            "C": _construct("wft-regex-construct-single-byte", r"\C"),
            "K": _construct("wft-regex-construct-match-reset", r"\K"),
            "X": _construct("wft-regex-construct-grapheme", r"\X"),
        }
        if letter in unsupported or (in_class and letter in "HRZAzB"):
            raise self.fail(
                unsupported.get(letter, _construct("wft-regex-construct-in-class", f"\\{letter}")), start
            )
        return None

    def escape_with_argument(self, letter: str) -> str:
        r"""``\x{…}``, ``\xHH``, ``\p{…}``, ``\pL``, argument included (its ``{`` is no quantifier)."""
        if self.peek() == "{":
            end = self.src.find("}", self.pos)
            if end < 0:
                raise self.fail(
                    _construct("wft-regex-construct-unterminated", f"\\{letter}{{…}}"), self.pos - 2
                )
            argument = self.src[self.pos : end + 1]
            self.pos = end + 1
            return f"\\{letter}{argument}"
        width = 2 if letter == "x" else 1
        argument = self.src[self.pos : self.pos + width]
        self.pos += len(argument)
        return f"\\{letter}{argument}"

    def octal(self) -> str:
        r"""``\0``, ``\012`` (.NET octal, up to two more digits) → ``\x{…}``."""
        digits = ""
        while len(digits) < 2 and self.peek() and self.peek() in "01234567":
            digits += self.peek()
            self.pos += 1
        return f"\\x{{{int(digits or '0', 8):X}}}"

    def quoted(self) -> str:
        r"""``\Q…\E`` (PCRE): a literal run, re-escaped character by character."""
        end = self.src.find("\\E", self.pos)
        literal = self.src[self.pos : end if end >= 0 else len(self.src)]
        self.pos = end + 2 if end >= 0 else len(self.src)
        return _escape_literal(literal)

    # -- character classes ---------------------------------------------------------------------

    def char_class(self) -> str:
        start = self.pos
        self.pos += 1
        parts = ["["]
        if self.peek() == "^":
            parts.append("^")
            self.pos += 1
        if self.peek() == "]":  # a leading ] is a literal
            parts.append(r"\]")
            self.pos += 1
        while self.pos < len(self.src):
            ch = self.src[self.pos]
            if ch == "]":
                self.pos += 1
                parts.append("]")
                return "".join(parts)
            parts.append(self.class_member(ch))
        raise self.fail(_construct("wft-regex-construct-unterminated-class", "["), start)

    def class_member(self, ch: str) -> str:
        if ch == "\\":
            return self.escape(in_class=True)
        if ch == "[":
            posix = _POSIX_CLASS.match(self.src, self.pos)
            if posix is not None:
                self.pos = posix.end()
                return posix.group()
            if self.src[self.pos - 1] == "-":
                raise self.fail(_construct("wft-regex-construct-class-subtraction", "[a-z-[…]]"))
            self.pos += 1
            return r"\["
        self.pos += 1
        return ch


def translate_dotnet(pattern: str) -> str:
    """An RE2 pattern equivalent to the .NET (or PCRE) ``pattern``.

    Raises ``UnsupportedRegexError`` (a ``ValueError`` with the construct and its position) for
    constructs RE2 lacks: lookaround, backreferences, balancing groups, conditionals, recursion, ``\\G``,
    the ``x``/``n`` options. The translation is idempotent, so RE2 patterns pass through unchanged in
    meaning (``compile_rule`` applies it to every pattern, whatever format it came from).
    """
    return _Translator(pattern).run()


# --- replacement templates -----------------------------------------------------------------------

_DOTNET_SUBSTITUTION: Final = re.compile(r"\$(?:(\d+)|\{(\w+)\}|([$&`'+_]))")
_TEMPLATE_TOKEN: Final = re.compile(r"\\(?:([1-9]\d?)|g<(\w+)>|(.)|$)", re.S)
_TEMPLATE_ESCAPES: Final = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def translate_dotnet_replacement(replacement: str) -> str:
    """A .NET replacement string (``$1``, ``${name}``, ``$$``, ``$0``/``$&``) as a ``\\1`` template.

    Backslashes are literal in .NET replacements, so they are doubled. ``$``-forms .NET has but a
    template cannot express (``$``` ``$'`` ``$+`` ``$_``) raise ``ReplacementError`` (a ``ValueError``).
    """
    pieces: list[str] = []
    last = 0
    for match in _DOTNET_SUBSTITUTION.finditer(replacement):
        pieces.append(replacement[last : match.start()].replace("\\", "\\\\"))
        number, name, symbol = match.groups()
        if number is not None or name is not None:
            pieces.append(_group_reference(number if number is not None else name, replacement, match.end()))
        elif symbol == "$":
            pieces.append("$")
        elif symbol == "&":
            pieces.append("\\g<0>")
        else:
            raise ReplacementError("wft-replacement-context", f"${symbol}")
        last = match.end()
    pieces.append(replacement[last:].replace("\\", "\\\\"))
    return "".join(pieces)


def _group_reference(ref: str, replacement: str, end: int) -> str:
    r"""``\1`` when unambiguous, else ``\g<…>`` (a digit follows, a name, or a number over 99)."""
    digit_follows = end < len(replacement) and replacement[end].isdigit()
    if ref.isdigit() and 0 < int(ref) < 100 and not digit_follows:
        return f"\\{int(ref)}"
    return f"\\g<{int(ref) if ref.isdigit() else ref}>"


def escape_replacement(text: str) -> str:
    """``text`` as a replacement template that inserts it literally (for run-time values such as
    ``%%OriginalUploader%%``: a user name may contain a backslash)."""
    return text.replace("\\", "\\\\")


@dataclass(frozen=True)
class GroupRef:
    """A group reference in a replacement template: a number or a name."""

    group: int | str


@dataclass(frozen=True)
class Template:
    """A parsed replacement: literal strings and group references, in order."""

    pieces: tuple[str | GroupRef, ...]

    @classmethod
    def parse(cls, template: str) -> Template:
        r"""Parse ``\1``, ``\g<n>``, ``\g<name>``, ``\\``, ``\n``, ``\t``, ``\r``; raise ``ReplacementError``
        for any other escape (Python's ``re`` rejects them too)."""
        pieces: list[str | GroupRef] = []
        literal: list[str] = []
        last = 0
        for match in _TEMPLATE_TOKEN.finditer(template):
            literal.append(template[last : match.start()])
            last = match.end()
            number, group, char = match.groups()
            if char is not None:
                if char not in _TEMPLATE_ESCAPES:
                    raise ReplacementError("wft-replacement-unknown-escape", f"\\{char}")
                literal.append(_TEMPLATE_ESCAPES[char])
                continue
            if number is None and group is None:
                raise ReplacementError("wft-replacement-trailing-backslash")
            pieces.append("".join(literal))
            literal = []
            ref = number if number is not None else group
            pieces.append(GroupRef(int(ref) if ref.isdigit() else ref))
        literal.append(template[last:])
        pieces.append("".join(literal))
        return cls(tuple(p for p in pieces if p != ""))

    def max_group(self) -> int:
        return max(
            (p.group for p in self.pieces if isinstance(p, GroupRef) and isinstance(p.group, int)), default=0
        )

    def names(self) -> set[str]:
        return {p.group for p in self.pieces if isinstance(p, GroupRef) and isinstance(p.group, str)}


@functools.lru_cache(maxsize=1024)
def _parsed_template(template: str) -> Template:
    """``Template.parse``, once per replacement text (a rule set's few replacements run on every page;
    a ``Template`` is immutable). A text that cannot be parsed raises every time, as before."""
    return Template.parse(template)


# --- the engine ------------------------------------------------------------------------------------


class SafeMatch:
    """A match, with typed accessors (the ``re2`` module has no type information)."""

    __slots__ = ("_match",)

    def __init__(self, match: Any) -> None:
        self._match = match

    def group(self, group: int | str = 0) -> str | None:
        value = self._match.group(group)
        return None if value is None else str(value)

    def span(self, group: int | str = 0) -> tuple[int, int]:
        start, end = self._match.span(group)
        return int(start), int(end)

    def start(self, group: int | str = 0) -> int:
        return self.span(group)[0]

    def end(self, group: int | str = 0) -> int:
        return self.span(group)[1]

    def groups(self) -> tuple[str | None, ...]:
        return tuple(None if g is None else str(g) for g in self._match.groups())


def _options(case_sensitive: bool) -> Any:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.max_mem = MAX_PROGRAM_MEMORY
    options.log_errors = False  # the error comes back as an exception; no absl noise on stderr
    return options


def check_text(text: str) -> None:
    """``RegexInputTooLargeError`` for a text longer than ``MAX_TEXT_LENGTH``. The pipeline calls it
    once before any step, so a page is refused whole rather than half converted."""
    if len(text) > MAX_TEXT_LENGTH:
        raise RegexInputTooLargeError(len(text), MAX_TEXT_LENGTH)


class SafeRegex:
    """A compiled RE2 pattern (case-insensitive unless asked otherwise, as FtCG applies its rules).

    Build it with :func:`compile_rule`, which never raises for a bad pattern. Every method refuses text
    longer than ``MAX_TEXT_LENGTH`` with ``RegexInputTooLargeError``.
    """

    __slots__ = ("_regex", "needs", "pattern")

    def __init__(self, pattern: str, *, case_sensitive: bool = False) -> None:
        """Compile an RE2 ``pattern``; raises ``re2.error`` (use ``compile_rule`` to get a RuleError)."""
        self.pattern = pattern
        self._regex = re2.compile(pattern, _options(case_sensitive))
        self.needs = required_literals(pattern)  # words one of which every match contains (literals.py)

    def excluded_by(self, folded: str) -> bool:
        """True when a text whose ``casefold()`` is ``folded`` (or any part of such a text) cannot hold
        a match, because it lacks every word the pattern requires: the caller may skip RE2 altogether.
        False says nothing. Pure Python substring tests, no call into RE2."""
        return excluded(self.needs, folded)

    @property
    def groups(self) -> int:
        return int(self._regex.groups)

    @property
    def groupindex(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self._regex.groupindex.items()}

    def search(self, text: str, pos: int = 0, *, folded: str | None = None) -> SafeMatch | None:
        """The first match from ``pos`` on. ``folded``: ``text.casefold()``, when the caller has it for
        several patterns; a text without the pattern's required words is then answered without RE2."""
        check_text(text)
        if folded is not None and excluded(self.needs, folded):
            return None
        match = self._regex.search(text, pos)
        return None if match is None else SafeMatch(match)

    def match(self, text: str) -> SafeMatch | None:
        """A match at the start of ``text`` (not necessarily to its end)."""
        check_text(text)
        match = self._regex.match(text)
        return None if match is None else SafeMatch(match)

    def fullmatch(self, text: str) -> SafeMatch | None:
        check_text(text)
        match = self._regex.fullmatch(text)
        return None if match is None else SafeMatch(match)

    def finditer(self, text: str) -> Iterator[SafeMatch]:
        check_text(text)
        for match in self._regex.finditer(text):
            yield SafeMatch(match)

    def check_template(self, template: str) -> Template:
        """Parse ``template`` and make sure every group it names exists (``ReplacementError`` if not)."""
        parsed = _parsed_template(template)
        if parsed.max_group() > self.groups:
            raise ReplacementError("wft-replacement-no-group", parsed.max_group(), self.groups)
        names = parsed.names()
        missing = sorted(names - set(self.groupindex)) if names else []
        if missing:
            raise ReplacementError("wft-replacement-no-named-group", missing[0])
        return parsed

    def subn(self, repl: str, text: str, count: int = 0) -> tuple[str, int]:
        """Replace matches (all, or the first ``count``) with the template ``repl``; return the new text
        and the number of replacements. ``ReplacementError`` for a template that cannot be used."""
        new, spans = self.sub_spans(repl, text, count)
        return new, len(spans)

    def sub_spans(self, repl: str, text: str, count: int = 0) -> tuple[str, list[str]]:
        """Like :meth:`subn`, but return the matched spans themselves: the pipeline lists every span a
        rule replaced, so no text disappears unreported."""
        check_text(text)
        template = self.check_template(repl)
        pieces: list[str] = []
        spans: list[str] = []
        last = 0
        for match in self._regex.finditer(text):
            if count and len(spans) >= count:
                break
            start, end = match.span()
            pieces.append(text[last:start])
            pieces.extend(p if isinstance(p, str) else match.group(p.group) or "" for p in template.pieces)
            spans.append(text[start:end])
            last = end
        pieces.append(text[last:])
        return "".join(pieces), spans

    def sub(self, repl: str, text: str, count: int = 0) -> str:
        return self.subn(repl, text, count)[0]

    def __repr__(self) -> str:
        return f"SafeRegex({self.pattern!r})"


def compile_rule(pattern: str, origin: str, *, case_sensitive: bool = False) -> SafeRegex | RuleError:
    """Translate (.NET/PCRE → RE2) and compile a rule's pattern; a ``RuleError`` instead of any error.

    Accepts RE2 syntax as well, since the translation leaves RE2 patterns unchanged in meaning.
    Compiled patterns are cached: one rule set is applied to many pages, and compiling costs more than
    matching a description page.
    """
    compiled = _compile_cached(pattern, case_sensitive)
    if isinstance(compiled, RuleError):
        return replace(compiled, origin=origin)
    return compiled


@functools.lru_cache(maxsize=1024)
def _compile_cached(pattern: str, case_sensitive: bool) -> SafeRegex | RuleError:
    """``compile_rule`` without the origin (a RuleError here has an empty one). SafeRegex is immutable,
    so one compiled object may serve every caller."""
    origin = ""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return rule_error(origin, "wft-rule-error-regex-too-long", MAX_PATTERN_LENGTH)
    try:
        translated = translate_dotnet(pattern)
    except UnsupportedRegexError as err:
        return rule_error(origin, "wft-rule-error-unsupported-regex", err.construct, err.position)
    try:
        return SafeRegex(translated, case_sensitive=case_sensitive)
    except re2.error as err:
        detail = err.args[0] if err.args else err
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return rule_error(origin, "wft-rule-error-bad-regex", text)


def compile_replacement(regex: SafeRegex, replacement: str, origin: str) -> RuleError | None:
    """``None`` if ``replacement`` is a usable template for ``regex``, else the reason as a RuleError."""
    try:
        regex.check_template(replacement)
    except ReplacementError as err:
        return rule_error(origin, "wft-rule-error-bad-replacement", err.message)
    return None
