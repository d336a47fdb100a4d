"""For the Common Good "local wiki data" files (``en.wikipedia.wiki``) → ``RuleSet``.

Why port FtCG's parser line by line: these files were written against ``LocalWikiData.LoadWikiData``,
quirks included. Its rules are positional (a section marker takes the next two non-empty lines, whatever
they are), keys are matched case-insensitively by reflection and unknown keys are ignored. A "cleaner"
parser would read existing files differently from the tool they were written for.

Where FtCG would crash or silently use garbage, this parser reports a ``RuleError`` instead: a section
marker at the end of the file, a section marker where a rule line was expected, and every regex that
RE2 cannot run (see ``saferegex``). Regexes are .NET syntax in the file and RE2 syntax in the RuleSet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Final

from wikifile_transfer.i18n import Message
from wikifile_transfer.wikitext.rules.model import (
    InformationNames,
    ProblemRule,
    RegexRule,
    RuleError,
    RuleSet,
)
from wikifile_transfer.wikitext.rules.saferegex import (
    ReplacementError,
    SafeRegex,
    compile_replacement,
    compile_rule,
    rule_error,
    translate_dotnet_replacement,
)

PROBLEM: Final = "[PotentialProblem]"
REPLACEMENT: Final = "[Replacement]"
SELF_LICENSE: Final = "[SelfLicenseReplacement]"
SECTIONS: Final = (PROBLEM, REPLACEMENT, SELF_LICENSE)

# FtCG property name (lower case) → InformationNames field.
INFORMATION_KEYS: Final = {
    "information": "template",
    "description": "description",
    "date": "date",
    "source": "source",
    "author": "author",
    "permission": "permission",
    "other_versions": "other_versions",
}
HEADING_KEYS: Final = {"summary": "filedesc", "licensing": "license-header"}

# Every other public static property of LocalWikiData, with FtCG's defaults for the newer ones.
EXTRA_KEYS: Final = {
    "localdomain": "LocalDomain",
    "displayname": "DisplayName",
    "category1": "Category1",
    "category2": "Category2",
    "category3": "Category3",
    "defaultcategory": "DefaultCategory",
    "nowcommonsdeletionsummary": "NowCommonsDeletionSummary",
    "nowcommonsaddingtageditsummary": "NowCommonsAddingTagEditSummary",
    "nowcommonsreplacingtageditsummary": "NowCommonsReplacingTagEditSummary",
    "localftcgpage": "LocalFtcgPage",
    "filetalkminimumsize": "FileTalkMinimumSize",
}
EXTRA_DEFAULTS: Final = {
    "DefaultCategory": "1",
    "NowCommonsDeletionSummary": "Media file now available on Commons",
    "NowCommonsAddingTagEditSummary": "Added {{now Commons}} tag",
    "NowCommonsReplacingTagEditSummary": "Replaced {{move to Commons}} tag with {{now Commons}} tag",
    "LocalFtcgPage": "w:en:WP:FTCG",
    "FileTalkMinimumSize": "120",
}

_LINE: Final = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class FtcgData:
    """A parsed file: the ``RuleSet`` and the keys it has no field for (``LocalDomain``, ``Category1``,
    edit summaries, ``FileTalkMinimumSize``…) under FtCG's spelling, with FtCG's defaults filled in."""

    rules: RuleSet
    extras: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based line number in the file, counting the empty lines FtCG drops
    text: str

    @property
    def value(self) -> str:
        """What follows the first ``=`` (the whole line when there is none, as in FtCG)."""
        return self.text[self.text.find("=") + 1 :]


def _lines(text: str) -> list[_Line]:
    """Non-empty lines, split on CR and LF as FtCG does, with their line numbers."""
    text = text.removeprefix("\ufeff")
    return [_Line(text.count("\n", 0, m.start()) + 1, m.group()) for m in _LINE.finditer(text)]


class _Parser:
    """Collects rules and errors while walking the lines once."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.settings: dict[str, _Line] = {}  # FtCG key (lower case) → its line, the last one wins
        self.problems: list[ProblemRule] = []
        self.replacements: list[RegexRule] = []
        self.self_licence: list[RegexRule] = []
        self.errors: list[RuleError] = []
        self.counts = dict.fromkeys(SECTIONS, 0)

    def where(self, section: str, line: _Line) -> str:
        return f"{self.origin}:{section} #{self.counts[section]} (line {line.number})"

    def error(self, origin: str, key: str, *params: str | int | Message) -> None:
        self.errors.append(rule_error(origin, key, *params))

    def parse(self, lines: list[_Line]) -> None:
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.text.startswith("#"):
                continue
            if line.text in SECTIONS:
                index = self.section(line, lines, index)
            elif "=" in line.text:
                self.settings[line.text[: line.text.find("=")].lower()] = line

    def section(self, marker: _Line, lines: list[_Line], index: int) -> int:
        """Take the two lines after ``marker`` by position; return the index after them."""
        name = marker.text
        self.counts[name] += 1
        origin = self.where(name, marker)
        body = lines[index : index + 2]
        for line in body:
            if line.text in SECTIONS:
                self.error(origin, "wft-rule-error-ftcg-section-in-section", name, line.number, line.text)
                return lines.index(line)
        if len(body) < 2:
            self.error(origin, "wft-rule-error-ftcg-incomplete-section", name, len(body))
            return len(lines)
        first, second = body
        if name == PROBLEM:
            self.problem(first, second, origin)
        else:
            self.regex_rule(first.value, second.value, origin, self_licence=name == SELF_LICENSE)
        return index + 2

    def problem(self, test: _Line, message: _Line, origin: str) -> None:
        is_regex = test.text.startswith("IfRegex=")
        match = test.value
        if is_regex:
            compiled = self.compile(match, origin)
            if compiled is None:
                return
            match = compiled.pattern
        self.problems.append(ProblemRule(match, message.value, is_regex=is_regex, origin=origin))

    def regex_rule(self, look_for: str, replace_with: str, origin: str, *, self_licence: bool) -> None:
        compiled = self.compile(look_for, origin)
        if compiled is None:
            return
        try:
            template = translate_dotnet_replacement(replace_with.replace("\\n", "\n"))
        except ReplacementError as err:
            self.error(origin, "wft-rule-error-bad-replacement", err.message)
            return
        problem = compile_replacement(compiled, template, origin)
        if problem is not None:
            self.errors.append(problem)
            return
        rule = RegexRule(compiled.pattern, template, self_licence=self_licence, origin=origin)
        (self.self_licence if self_licence else self.replacements).append(rule)

    def compile(self, pattern: str, origin: str) -> SafeRegex | None:
        compiled = compile_rule(pattern, origin)
        if isinstance(compiled, RuleError):
            self.errors.append(compiled)
            return None
        return compiled

    @property
    def values(self) -> dict[str, str]:
        return {key: line.value for key, line in self.settings.items()}

    def key_regex(self, key: str) -> str | None:
        """A single-value regex key (``Summary``, ``CopyToCommonsRegex``…), translated, or None."""
        line = self.settings.get(key)
        if line is None or not line.value:
            return None
        written = line.text[: line.text.find("=")]
        compiled = self.compile(line.value, f"{self.origin}:{written} (line {line.number})")
        return None if compiled is None else compiled.pattern


def _information(values: dict[str, str]) -> InformationNames:
    changes = {field_name: values[key] for key, field_name in INFORMATION_KEYS.items() if values.get(key)}
    return replace(InformationNames(), **changes)


def _extras(values: dict[str, str]) -> dict[str, str]:
    extras = dict(EXTRA_DEFAULTS)
    for key, name in EXTRA_KEYS.items():
        if key in values:
            extras[name] = values[key]
    if not extras["FileTalkMinimumSize"].strip().lstrip("+-").isdigit():
        extras["FileTalkMinimumSize"] = "120"  # FtCG falls back when the value is not an integer
    return extras


def _heading_regexes(parser: _Parser) -> Iterator[tuple[str, str]]:
    for key, kind in HEADING_KEYS.items():
        pattern = parser.key_regex(key)
        if pattern is not None:
            yield pattern, kind


def parse_ftcg_data(text: str, origin: str) -> FtcgData:
    """Parse an FtCG local-wiki-data file; never raises for bad content (see ``RuleSet.errors``)."""
    parser = _Parser(origin)
    parser.parse(_lines(text))
    values = parser.values
    rules = RuleSet(
        origin=origin,
        information=_information(values),
        heading_regexes=tuple(_heading_regexes(parser)),
        copy_to_commons=parser.key_regex("copytocommonsregex"),
        now_commons_template=values.get("nowcommonstag") or None,
        category_namespace=values.get("categorynamespace") or "Category",
        replacements=(*parser.replacements, *parser.self_licence),
        problems=tuple(parser.problems),
        errors=tuple(parser.errors),
        explicit=_explicit(values),
    )
    return FtcgData(rules, _extras(values))


def _explicit(values: dict[str, str]) -> frozenset[str]:
    """The single-value fields the file sets (a non-empty key; FtCG treats an empty one as unset)."""
    fields = {
        "copy_to_commons": "copytocommonsregex",
        "now_commons_template": "nowcommonstag",
        "category_namespace": "categorynamespace",
    }
    found = {name for name, key in fields.items() if values.get(key)}
    if any(values.get(key) for key in INFORMATION_KEYS):
        found.add("information")
    return frozenset(found)


def parse_ftcg(text: str, origin: str) -> RuleSet:
    """The ``RuleSet`` of an FtCG local-wiki-data file (``parse_ftcg_data`` also gives the other keys).

    ``source_wiki``/``target_wiki`` stay unset: FtCG files name their wiki only in ``LocalDomain`` (kept
    in the extras), and the caller knows which pair it loaded the file for.
    """
    return parse_ftcg_data(text, origin).rules
