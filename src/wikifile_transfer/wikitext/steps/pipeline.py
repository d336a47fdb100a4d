"""``convert``: a source file description page → the target wiki's page, with a report.

One parse, then the steps in a fixed order on the same tree (only FtCG regex rules, which are text
rules, force a re-parse, and only when one matched):

1. headings  2. information mapping  3. information generation  4. templates (Remove, Transfer, FtCG
replacements, templates missing on the target)  5. licence gate (on the *original* page)  6. links
7. categories  8. layout.

The run order differs from the numbering in one place: templates (4) run before the Information
steps (2, 3), because a Transfer rule may be what turns the local template into ``{{Information}}``,
and before links (6), because a replacement may write links (``[[:en:User:X|]]``). The gate surveys
the original tree before anything changes and judges after everything ran.

A page longer than ``saferegex.MAX_TEXT_LENGTH`` is refused whole (``RegexInputTooLargeError``) before
any step: every rule regex refuses such a text, and a page half converted (some rules applied, the rest
skipped) could hide what a rule was meant to remove or block. MediaWiki caps pages at 2 MiB, so only
input that is not a description page meets this.

``convert`` is idempotent: its output converted again is the same text (headings are standard,
Information is target-named and wrapped, links carry their prefix, categories are resolved).
"""

from __future__ import annotations

from wikifile_transfer.wikitext.rules.saferegex import check_text
from wikifile_transfer.wikitext.steps.base import ConvertContext, Converted, StepReport, rule_error_note
from wikifile_transfer.wikitext.steps.categories import localise_categories
from wikifile_transfer.wikitext.steps.headings import normalize_headings
from wikifile_transfer.wikitext.steps.information import information_step
from wikifile_transfer.wikitext.steps.layout import tidy
from wikifile_transfer.wikitext.steps.licence import gate, survey
from wikifile_transfer.wikitext.steps.links import prefix_links
from wikifile_transfer.wikitext.steps.parsing import parse
from wikifile_transfer.wikitext.steps.templates import clean_templates, used_template_names


def convert(text: str, ctx: ConvertContext) -> Converted:
    """Run every step on ``text`` and return the new text with what was changed, warned and blocked.

    Raises ``RegexInputTooLargeError`` (a WftError) for a text over the size cap, see above."""
    check_text(text)
    # mwparserfromhell's tokenizer stops at a NUL character and drops the rest of the page. MediaWiki
    # never stores one (its Unicode clean-up turns C0 controls into U+FFFD), so do the same here.
    text = text.replace("\x00", "\ufffd")
    report = StepReport()
    report.warnings.extend(rule_error_note(error) for error in ctx.rules.errors)
    code = parse(text)  # mwparserfromhell.parse, faster (parsing.py)
    original = survey(text, code, ctx)
    normalize_headings(code, ctx, report)
    code, renamed = clean_templates(code, ctx, report)
    information_step(code, ctx, report)
    prefix_links(code, ctx, report)
    localise_categories(code, ctx, report)
    gate(original, used_template_names(code), renamed, ctx, report)
    return Converted(tidy(str(code)), report)
