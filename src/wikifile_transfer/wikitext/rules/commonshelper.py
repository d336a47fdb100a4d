"""CommonsHelper2 / FileImporter rule pages (``mw:Extension:FileImporter/Data/<wiki>``) → ``RuleSet``.

Why follow FileImporter's ``CommonsHelperConfigParser`` rather than CommonsHelper2's own parser: the
pages are maintained today against FileImporter, whose tests pin the behaviour (flexible headings, only
first-level list items, the transfer-line regex, ``+``/``@`` prefixes, ``%``-placeholders dropped). The
same page must give the same rules here as there.

Two deliberate differences, both additive: a transfer line FileImporter silently ignores (bad syntax,
a parameter rule without ``=``, a ``%AUTHOR%`` placeholder) is also reported as a ``RuleError`` so the
page's editors can find it; and CommonsHelper2's optional ``=== Template ===`` list under
``== Information ==`` (the local ``{{Information}}`` name) is read when present.

No I/O here: reading a page from a wiki, cached by revision id, is ``rulepage.RulePageCache``.
``rule_page_title`` names FileImporter's page for a wiki host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from wikifile_transfer.errors import WftError
from wikifile_transfer.wikitext.rules.model import (
    InformationNames,
    ParamRule,
    RuleError,
    RuleSet,
    TransferRule,
)
from wikifile_transfer.wikitext.rules.saferegex import rule_error

RULE_PAGE_PREFIX: Final = "Extension:FileImporter/Data/"

# Horizontal whitespace (PCRE \h): whitespace except line breaks.
_H: Final = r"[^\S\n\r\x0b\x0c\x85\u2028\u2029]"
_COMMENT: Final = re.compile(r"<!--.*?-->", re.S)
_ITEM: Final = re.compile(rf"^\*{_H}*([^\s*#:;].*?){_H}*$", re.M)
_TRANSFER: Final = re.compile(rf"^;{_H}*+([^:|\n]+)\n?:{_H}*+([^|\n]+)(.*)", re.M)
_PARAM_SPLIT: Final = re.compile(r"\s*\|+\s*")
_PARAM_EQUALS: Final = re.compile(r"\s*=\s*")
_PARAM_PREFIX: Final = re.compile(r"^(?:(\+)|(@))?(.*)", re.S)

# The order FileImporter checks the sections in, which decides which missing one is reported.
LEVEL2: Final = ("Categories", "Templates", "Information")
LEVEL3: Final = (
    ("Categories", "Bad"),
    ("Templates", "Good"),
    ("Templates", "Bad"),
    ("Templates", "Remove"),
    ("Templates", "Transfer"),
    ("Information", "Description"),
    ("Information", "Licensing"),
)


class RuleSyntaxError(WftError):
    """A rule page lacks a mandatory section (FileImporter: ``fileimporter-commonshelper-parsing-failed``).

    Params: the page (origin) and the section path, e.g. ``Templates/Transfer``.
    """

    key = "wft-error-rules-missing-section"


class RulePageMissingError(WftError):
    """The wiki has no rule page. FileImporter blocks imports then; callers may fall back to bundled
    rules instead, which is why this is an error of its own. Param: the page title."""

    key = "wft-error-rules-page-missing"


@dataclass(frozen=True)
class _Text:
    """The comment-free page text, and where each of its characters was in the page (for line numbers)."""

    text: str
    original: str
    # (offset in ``text``, characters removed before it): one entry per removed comment
    shifts: tuple[tuple[int, int], ...] = ()

    def line_of(self, offset: int) -> int:
        removed = 0
        for start, total in self.shifts:
            if start > offset:
                break
            removed = total
        return self.original.count("\n", 0, offset + removed) + 1


def _strip_comments(page: str) -> _Text:
    pieces: list[str] = []
    shifts: list[tuple[int, int]] = []
    last = length = removed = 0
    for match in _COMMENT.finditer(page):
        kept = page[last : match.start()]
        pieces.append(kept)
        length += len(kept)
        removed += match.end() - match.start()
        shifts.append((length, removed))
        last = match.end()
    pieces.append(page[last:])
    return _Text("".join(pieces), page, tuple(shifts))


@dataclass(frozen=True)
class _Section:
    text: str
    offset: int  # where ``text`` starts in the comment-free page


def _grep_section(within: _Section, name: str, level: int, path: str, origin: str) -> _Section:
    """FileImporter's ``grepSection``: the heading matches with any horizontal whitespace around and
    inside the words (``== Foo bar ==`` also matches ``==Foobar==``); the section runs until the next
    heading of the same or a higher level, or the end."""
    equals = "=" * level
    words = f"{_H}*".join(re.escape(word) for word in name.split())
    pattern = rf"^{equals}{_H}*{words}{_H}*{equals}{_H}*$(.*?)(?=^={{1,{level}}}[^=]|\Z)"
    match = re.search(pattern, within.text, re.M | re.S)
    if match is None:
        raise RuleSyntaxError(origin, path)
    return _Section(match.group(1), within.offset + match.start(1))


def _items(section: _Section) -> tuple[str, ...]:
    """First-level ``* item`` lines only; ``**``, ``*#``, ``*:``, ``*;`` and empty ``*`` are ignored."""
    return tuple(dict.fromkeys(m.group(1) for m in _ITEM.finditer(section.text)))


@dataclass
class _Param:
    """A target parameter while its rules are collected (FileImporter's ``$parameterTransfers`` entry)."""

    sources: list[str] = field(default_factory=list)
    add_if_missing: str | None = None
    language_template: bool = False


class _TransferParser:
    def __init__(self, page: _Text, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.errors: list[RuleError] = []

    def where(self, offset: int) -> str:
        return f"{self.origin}: Templates/Transfer (line {self.page.line_of(offset)})"

    def error(self, offset: int, key: str, *params: str) -> None:
        self.errors.append(rule_error(self.where(offset), key, *params))

    def parse(self, section: _Section) -> tuple[TransferRule, ...]:
        rules: dict[str, TransferRule] = {}
        used: set[int] = set()  # offsets of the ';' lines that gave a rule
        for match in _TRANSFER.finditer(section.text):
            offset = section.offset + match.start()
            used.add(match.start())
            source, target = match.group(1).strip(), match.group(2).strip()
            params = self.params(match.group(3), offset)
            # Later lines for the same template replace earlier ones, as in FileImporter.
            rules[source] = TransferRule(source, target, params, origin=self.where(offset))
        self.report_unread_lines(section, used)
        return tuple(rules.values())

    def report_unread_lines(self, section: _Section, used: set[int]) -> None:
        for line in re.finditer(r"^;.*$", section.text, re.M):
            if line.start() not in used:
                self.error(section.offset + line.start(), "wft-rule-error-transfer-line", line.group())

    def params(self, text: str, offset: int) -> tuple[ParamRule, ...]:
        collected: dict[str, _Param] = {}
        for rule in (part for part in _PARAM_SPLIT.split(text) if part):
            parts = _PARAM_EQUALS.split(rule, maxsplit=1)
            if len(parts) != 2:
                self.error(offset, "wft-rule-error-transfer-param-syntax", rule)
                continue
            target_param, source_param = parts
            if "%" in source_param:
                # CommonsHelper's %AUTHOR% / %TRANSFERUSER% must not end up as text (T198609).
                self.error(offset, "wft-rule-error-transfer-param-placeholder", rule)
                continue
            prefix = _PARAM_PREFIX.match(target_param)
            assert prefix is not None  # the pattern matches any string
            add, language, name = prefix.groups()
            param = collected.setdefault(name, _Param())
            if language:
                param.language_template = True
            if add:
                param.add_if_missing = source_param  # only the last default value is kept
            else:
                param.sources.append(source_param)
        return tuple(
            ParamRule(name, tuple(p.sources), p.add_if_missing, p.language_template)
            for name, p in collected.items()
        )


def _information_template(information: _Section) -> InformationNames | None:
    """CommonsHelper2's optional ``=== Template ===`` under Information: the local template name."""
    match = re.search(
        rf"^==={_H}*Template{_H}*==={_H}*$(.*?)(?=^={{1,3}}[^=]|\Z)", information.text, re.M | re.S
    )
    names = _items(_Section(match.group(1), 0)) if match else ()
    return InformationNames(template=names[0]) if names else None


def parse_commonshelper(text: str, origin: str, revision: int | None = None) -> RuleSet:
    """Parse a CommonsHelper2 / FileImporter rule page.

    Raises ``RuleSyntaxError`` naming the first missing section (level-2 sections are checked before
    level-3 ones, as in FileImporter). Unreadable transfer lines become ``RuleSet.errors``.
    """
    page = _strip_comments(text.replace("\r\n", "\n"))
    whole = _Section(page.text, 0)
    top = {name: _grep_section(whole, name, 2, name, origin) for name in LEVEL2}
    sections = {
        (parent, child): _grep_section(top[parent], child, 3, f"{parent}/{child}", origin)
        for parent, child in LEVEL3
    }
    transfers = _TransferParser(page, origin)
    transfer = transfers.parse(sections["Templates", "Transfer"])
    description = _items(sections["Information", "Description"])
    # FileImporter keeps the first mapping of a heading listed in both: the description one.
    licensing = tuple(h for h in _items(sections["Information", "Licensing"]) if h not in description)
    information = _information_template(top["Information"])
    return RuleSet(
        origin=origin,
        revision=revision,
        good_templates=frozenset(_items(sections["Templates", "Good"])),
        bad_templates=frozenset(_items(sections["Templates", "Bad"])),
        bad_categories=frozenset(_items(sections["Categories", "Bad"])),
        remove_templates=frozenset(_items(sections["Templates", "Remove"])),
        transfer=transfer,
        description_headings=description,
        licensing_headings=licensing,
        information=information or InformationNames(),
        errors=tuple(transfers.errors),
        explicit=frozenset({"information"}) if information else frozenset(),
    )


# --- where the page lives, and loading it ----------------------------------------------------------


def rule_page_title(host: str) -> str:
    """FileImporter's rule page for a wiki host: ``de.wikipedia.org`` → ``Extension:FileImporter/Data/
    de.wikipedia``. A name with only letters left gets ``www.`` (``mediawiki.org`` → ``www.mediawiki``);
    Beta-cluster hosts use the production page."""
    name = host.strip().lower().split(":")[0].rstrip(".")  # a host, maybe with a port
    name = name.replace(".beta.wmflabs.org", ".org")
    name = re.sub(r"\.\w+$", "", name)
    if name.isalpha() and name.isascii():
        name = f"www.{name}"
    return RULE_PAGE_PREFIX + name
