"""Step 1: the local "summary" and "licensing" headings become the target's standard ones.

Why ``{{int:filedesc}}`` / ``{{int:license-header}}``: they render in every reader's language on any
MediaWiki, so the heading is right on the target whatever language the source wiki spoke. The text
between ``==`` is replaced, the level and the spacing around it are kept (FileImporter's behaviour).
"""

from __future__ import annotations

from typing import Any

from mwparserfromhell.nodes import Heading

from wikifile_transfer.wikitext.rules.model import RuleError
from wikifile_transfer.wikitext.rules.saferegex import compile_rule
from wikifile_transfer.wikitext.steps.base import ConvertContext, Note, StepReport, rule_error_note

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
    explicit = rules.description_headings or rules.licensing_headings or rules.heading_regexes
    description = rules.description_headings if explicit else DEFAULT_DESCRIPTION
    licensing = rules.licensing_headings if explicit else DEFAULT_LICENSING
    plain = {_norm(t): FILEDESC for t in description}
    plain.update({_norm(t): LICENSE_HEADER for t in licensing})
    return plain, list(rules.heading_regexes)


def _replacement(
    title: Any, plain: dict[str, str], regexes: list[tuple[str, str]], report: StepReport, warned: set[str]
) -> str | None:
    raw = str(title)
    # the raw text and the visible text: ``[[Commons:Copyright tags|Licensing]]`` reads "Licensing"
    candidates = {_norm(raw), _norm(title.strip_code())}
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
        texts = {raw.strip(), raw.strip().removesuffix(":").strip(), title.strip_code().strip()} - {""}
        if any(regex.fullmatch(t) is not None for t in texts):
            return LICENSE_HEADER if kind == "license-header" else FILEDESC
    return None


def normalize_headings(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """Replace the text of local description/licensing headings with the standard ones."""
    plain, regexes = _targets(ctx)
    warned: set[str] = set()
    for heading in code.filter_headings(recursive=False):
        assert isinstance(heading, Heading)
        if str(heading.title).strip() in (FILEDESC, LICENSE_HEADER):
            continue  # already standard (a second run): no rule may turn one into the other
        new = _replacement(heading.title, plain, regexes, report, warned)
        if new is None:
            continue
        old = str(heading.title)
        core = old.strip()
        lead = old[: len(old) - len(old.lstrip())]
        heading.title = lead + new + old[len(lead) + len(core) :]
        report.changes.append(Note("wft-change-heading", (core, new)))
