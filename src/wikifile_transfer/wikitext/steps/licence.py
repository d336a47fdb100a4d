"""Step 5: the licence gate — what blocks a transfer, and what only warns.

Why on the original page: a rule that removes or renames a template must not hide the reason a file
may not move (FileImporter validates the page as it was on the source). A Good template counts under
its source name, its Transfer name, or as it stands in the result (a SelfLicenseReplacement turns
``{{PD-self}}`` into ``{{PD-user|…}}``). Every block names the template or category, so the user
knows what to fix; FtCG's PotentialProblems only warn (FtCG showed them as a warning box).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mwparserfromhell.nodes import Template, Wikilink

from wikifile_transfer.wikitext.rules.model import RuleError, name_key
from wikifile_transfer.wikitext.rules.saferegex import compile_rule
from wikifile_transfer.wikitext.steps.base import ConvertContext, Note, StepReport, rule_error_note
from wikifile_transfer.wikitext.steps.categories import categories_among, category_prefixes
from wikifile_transfer.wikitext.steps.templates import nodes_in, template_name

Wikicode = Any


@dataclass(frozen=True)
class Survey:
    """What the gate needs from the original page, taken before any step changed the tree."""

    text: str
    templates: tuple[str, ...]  # names as written, in order, nested ones included
    categories: tuple[str, ...]  # names without namespace


def survey(text: str, code: Wikicode, ctx: ConvertContext) -> Survey:
    nodes = nodes_in(code)  # one walk for both lists
    templates = tuple(dict.fromkeys(template_name(n) for n in nodes if isinstance(n, Template)))
    links = [n for n in nodes if isinstance(n, Wikilink)]
    categories = tuple(dict.fromkeys(c.name for c in categories_among(links, category_prefixes(ctx))))
    return Survey(text, templates, categories)


@functools.lru_cache(maxsize=256)
def _keys(names: frozenset[str]) -> frozenset[str]:
    """The ``name_key`` of every name of a rule set's list: made once per list, not once per page."""
    return frozenset(name_key(n) for n in names)


def _first(names: Iterable[str], wanted: frozenset[str]) -> str | None:
    keys = _keys(wanted)
    return next((n for n in names if name_key(n) in keys), None)


def _problems(original: Survey, ctx: ConvertContext, report: StepReport) -> None:
    lowered = original.text.lower()
    folded: str | None = None  # for the literal pre-test of the regexes, made when the first needs it
    for problem in ctx.rules.problems:
        if problem.is_regex:
            regex = compile_rule(problem.match, problem.origin or problem.match)
            if isinstance(regex, RuleError):
                report.warnings.append(rule_error_note(regex))
                continue
            folded = original.text.casefold() if folded is None else folded
            hit = regex.search(original.text, folded=folded) is not None
        else:
            hit = problem.match.lower() in lowered
        if hit:
            report.warnings.append(Note("wft-warn-potential-problem", (problem.message,)))


def gate(
    original: Survey,
    result_templates: Iterable[str],
    renamed: Mapping[str, str],
    ctx: ConvertContext,
    report: StepReport,
) -> None:
    """Blocks: Bad template, Bad category, non-free where the target takes none, no Good template.
    Warnings: FtCG PotentialProblems."""
    rules = ctx.rules
    bad_templates = _keys(rules.bad_templates)
    for name in original.templates:
        if name_key(name) in bad_templates:
            report.blocks.append(Note("wft-block-bad-template", (name,)))
    bad_categories = _keys(rules.bad_categories)
    for category in original.categories:
        if name_key(category) in bad_categories:
            report.blocks.append(Note("wft-block-bad-category", (category,)))
    if not rules.target_accepts_non_free:
        non_free = _first(original.templates, rules.non_free_templates)
        if non_free is not None:
            report.blocks.append(Note("wft-block-non-free", (non_free,)))
    if rules.good_templates:
        # lazily: the result is walked only when neither the page nor a rename had a Good template
        candidates = itertools.chain(original.templates, renamed.values(), result_templates)
        if _first(candidates, rules.good_templates) is None:
            sample = ", ".join(sorted(rules.good_templates)[:5])
            report.blocks.append(Note("wft-block-no-licence", (sample, str(len(rules.good_templates)))))
    _problems(original, ctx, report)
