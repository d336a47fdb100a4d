"""Step 1: the local "summary" and "licensing" headings become the target's standard ones.

Why ``{{int:filedesc}}`` / ``{{int:license-header}}``: they render in every reader's language on any
MediaWiki, so the heading is right on the target whatever language the source wiki spoke. The text
between ``==`` is replaced, the level and the spacing around it are kept (FileImporter's behaviour).
"""

from __future__ import annotations

import functools
from typing import Any

from mwparserfromhell.nodes import Heading, Text

from wikifile_transfer.wikitext.rules.model import RuleError
from wikifile_transfer.wikitext.rules.saferegex import compile_rule
from wikifile_transfer.wikitext.steps.base import ConvertContext, Note, StepReport, rule_error_note
from wikifile_transfer.wikitext.steps.parsing import parse

Wikicode = Any

FILEDESC = "{{int:filedesc}}"
LICENSE_HEADER = "{{int:license-header}}"

# used only when a rule set says nothing about headings (English and German wikis' usual texts)
DEFAULT_DESCRIPTION = ("summary", "description", "file description", "beschreibung")
DEFAULT_LICENSING = ("licensing", "licence", "license", "lizenz", "lizenzierung")


def _norm(title: str) -> str:
    """Compare heading texts case-insensitively, with a trailing colon and extra spaces ignored."""
    return " ".join(title.strip().removesuffix(":").split()).casefold()


def _targets(ctx: ConvertContext) -> tuple[dict[str, str], list[tuple[str, str]]]:
    rules = ctx.rules
    return _targets_of(rules.description_headings, rules.licensing_headings, rules.heading_regexes)


@functools.lru_cache(maxsize=64)
def _targets_of(
    description_headings: tuple[str, ...],
    licensing_headings: tuple[str, ...],
    heading_regexes: tuple[tuple[str, str], ...],
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Once per rule set, not per page (callers only read the result)."""
    explicit = description_headings or licensing_headings or heading_regexes
    description = description_headings if explicit else DEFAULT_DESCRIPTION
    licensing = licensing_headings if explicit else DEFAULT_LICENSING
    plain = {_norm(t): FILEDESC for t in description}
    plain.update({_norm(t): LICENSE_HEADER for t in licensing})
    return plain, list(heading_regexes)


def _visible(title: Any) -> str:
    """``title.strip_code()``, which for a title of Text nodes only (the usual) is its text without
    the line breaks around it and with runs of three or more shortened to two (``collapse``)."""
    if not all(type(node) is Text for node in title.nodes):
        return title.strip_code()  # type: ignore[no-any-return]
    visible = "".join(node.value for node in title.nodes).strip("\n")
    while "\n\n\n" in visible:
        visible = visible.replace("\n\n\n", "\n\n")
    return visible


def _replacement(
    title: Any, plain: dict[str, str], regexes: list[tuple[str, str]], report: StepReport, warned: set[str]
) -> str | None:
    raw = str(title)
    visible = _visible(title)
    # the raw text and the visible text: ``[[Commons:Copyright tags|Licensing]]`` reads "Licensing"
    candidates = {_norm(raw), _norm(visible)}
    for candidate in candidates:
        if candidate in plain:
            return plain[candidate]
    for pattern, kind in regexes:
        regex = compile_rule(pattern, f"heading: {pattern}")
        if isinstance(regex, RuleError):
            if pattern not in warned:
                warned.add(pattern)
                report.warnings.append(rule_error_note(regex))
            continue
        texts = {raw.strip(), raw.strip().removesuffix(":").strip(), visible.strip()} - {""}
        if any(regex.fullmatch(t) is not None for t in texts):
            return LICENSE_HEADER if kind == "license-header" else FILEDESC
    return None


def normalize_headings(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """Replace the text of local description/licensing headings with the standard ones."""
    plain, regexes = _targets(ctx)
    warned: set[str] = set()
    for heading in [n for n in code.nodes if isinstance(n, Heading)]:  # filter_headings(recursive=False)
        if str(heading.title).strip() in (FILEDESC, LICENSE_HEADER):
            continue  # already standard (a second run): no rule may turn one into the other
        new = _replacement(heading.title, plain, regexes, report, warned)
        if new is None:
            continue
        old = str(heading.title)
        core = old.strip()
        lead = old[: len(old) - len(old.lstrip())]
        heading.title = parse(lead + new + old[len(lead) + len(core) :])  # as assigning the text would
        report.changes.append(Note("wft-change-heading", (core, new)))
