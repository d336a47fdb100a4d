"""Test doubles for the description pipeline: a dict-backed ``Lookups`` and the rule sets the tests use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wikifile_transfer.wikitext.rules.model import (
    ParamRule,
    ProblemRule,
    RegexRule,
    RuleSet,
    TransferRule,
)
from wikifile_transfer.wikitext.steps.base import ConvertContext, FileFacts


class FakeLookups:
    """Answers from dicts; records every call so tests can assert the lookups are batched."""

    def __init__(
        self,
        categories: Mapping[str, str] | None = None,
        templates: Mapping[str, str] | None = None,
        existing: Iterable[str] = (),
    ) -> None:
        self.categories = dict(categories or {})
        self.templates = dict(templates or {})
        self.existing = set(existing)
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def category_links(self, titles: Iterable[str]) -> Mapping[str, str]:
        asked = tuple(titles)
        self.calls.append(("category_links", asked))
        return {t: self.categories[t] for t in asked if t in self.categories}

    def template_links(self, names: Iterable[str]) -> Mapping[str, str]:
        asked = tuple(names)
        self.calls.append(("template_links", asked))
        return {n: self.templates[n] for n in asked if n in self.templates}

    def existing_on_target(self, titles: Iterable[str]) -> set[str]:
        asked = tuple(titles)
        self.calls.append(("existing_on_target", asked))
        return {t for t in asked if t in self.existing}


# en.wikipedia's FtCG rules (shared/data/ftcg/en.wikipedia.wiki), `$1` written `\1` as the loaders do
FTCG_REPLACEMENTS = (
    RegexRule(r"{{orphan image.*}}\n?", "", origin="ftcg:Replacement#1"),
    RegexRule(r"{{needs commons category}}", "", origin="ftcg:Replacement#2"),
    RegexRule(r"{{(bots|nobots|Wikipedia:Bots/Status/template)[^\}]*}}", "", origin="ftcg:Replacement#3"),
    RegexRule(r"{{ffd[^\}]*}}", "", origin="ftcg:Replacement#4"),
    RegexRule(r"{{category ordered by date[^\}]*}}", "", origin="ftcg:Replacement#5"),
    RegexRule(
        r"{{(svgmtc|convert to svg and (copy|move) to (wikimedia )?commons)[^\}]*}}",
        "{{Convert to SVG}}",
        origin="ftcg:Replacement#6",
    ),
    RegexRule(
        r"= *I .*created this (image|work) entirely by myself.?",
        "= {{own work by original uploader}}",
        origin="ftcg:Replacement#7",
    ),
    RegexRule(
        r"{{PD-self([^\}]*)}}", "{{PD-user|%%OriginalUploader%%|en}}", True, "ftcg:SelfLicenseReplacement#1"
    ),
    RegexRule(
        r"{{GFDL-self-with-disclaimers([^\}]*)}}",
        r"{{GFDL-user-en-with-disclaimers|%%OriginalUploader%%\1}}",
        True,
        "ftcg:SelfLicenseReplacement#2",
    ),
    RegexRule(
        r"{{GFDL-self(?:-no-disclaimers)?([^\}]*)}}",
        r"{{GFDL-user|%%OriginalUploader%%|en\1}}",
        True,
        "ftcg:SelfLicenseReplacement#3",
    ),
    RegexRule(
        r"{{self([^\}]*)}}",
        r"{{self\1|author=[[%%InterwikiLinkPrefix%%:User:%%OriginalUploader%%|]]}}",
        True,
        "ftcg:SelfLicenseReplacement#4",
    ),
    RegexRule(
        r"{{self([^\}]*\|\s*author\s*=[^\}]*)\|\s*author\s*=[^\}]*}}",
        r"{{self\1}}",
        True,
        "ftcg:SelfLicenseReplacement#5",
    ),
)

FTCG_PROBLEMS = (
    ProblemRule("{{db-", "The file appears to be tagged for speedy deletion.", origin="ftcg:PP#1"),
    ProblemRule("{{non-free", "The file appears to be non-free. Commons cannot accept non-free files."),
    ProblemRule(
        r"{{do not (copy|move) to commons", "The file is tagged with {{do not move to Commons}}.", True
    ),
    ProblemRule(r"{{(keep ?local|nocommons)", "The file is tagged with {{keep local}}.", True),
)

INFORMATION_TRANSFER = TransferRule(
    "Information",
    "Information",
    params=(
        ParamRule("description", ("Description", "description", "1"), language_template=True),
        ParamRule("date", ("Date", "date")),
        ParamRule("source", ("Source", "source")),
        ParamRule("author", ("Author", "author")),
        ParamRule("permission", ("Permission", "permission")),
        ParamRule("other versions", ("Other_versions", "other_versions", "Other versions")),
    ),
    origin="test:Transfer#Information",
)


def enwiki_to_commons(**changes: object) -> RuleSet:
    """en.wikipedia → Commons as the bundled rules would say: free licences good, non-free blocked,
    copy-to-Commons tags removed, Information transferred, FtCG replacements and problems."""
    rules = RuleSet(
        source_wiki="en.wikipedia",
        target_wiki="commons.wikimedia",
        origin="tests/unit/steps/steps_fakes.py",
        good_templates=frozenset(
            {"GFDL", "self", "PD-self", "PD-user", "cc-by-sa-3.0", "cc-by-3.0", "cc-by-sa-4.0", "GFDL-user"}
        ),
        bad_templates=frozenset({"Do not move to Commons", "Now Commons"}),
        bad_categories=frozenset({"Non-free images"}),
        non_free_templates=frozenset({"Non-free logo", "Non-free use rationale"}),
        remove_templates=frozenset({"Orphan image"}),
        copy_to_commons=(
            r"{{(mtc|(copy |move )?to ?commons|move to wikimedia commons|copy to wikimedia commons)[^}]*}}\n?"
        ),
        transfer=(INFORMATION_TRANSFER,),
        description_headings=("Summary", "Description"),
        licensing_headings=("Licensing",),
        replacements=FTCG_REPLACEMENTS,
        problems=FTCG_PROBLEMS,
        target_location_template="Location",
    )
    return RuleSet(**{**rules.__dict__, **changes})  # type: ignore[arg-type]


def commons_to_dewiki(**changes: object) -> RuleSet:
    """Commons → de.wikipedia: a local target without language templates or Commons helper templates."""
    rules = RuleSet(
        source_wiki="commons.wikimedia",
        target_wiki="de.wikipedia",
        good_templates=frozenset({"self", "GFDL", "cc-by-3.0", "cc-by-sa-3.0"}),
        description_headings=("Summary",),
        licensing_headings=("Licensing",),
        target_language_templates=False,
    )
    return RuleSet(**{**rules.__dict__, **changes})  # type: ignore[arg-type]


def context(rules: RuleSet | None = None, **changes: object) -> ConvertContext:
    """An en.wikipedia → Commons context with a known uploader, unless told otherwise."""
    base: dict[str, object] = {
        "rules": rules or enwiki_to_commons(),
        "source_lang": "en",
        "target_lang": "en",
        "interwiki_prefix": "en",
        "facts": FileFacts(
            original_uploader="Alice",
            first_upload="2008-12-27T10:00:00Z",
            source_url="https://en.wikipedia.org/wiki/File:Example.jpg",
        ),
        "lookups": FakeLookups(),
    }
    base.update(changes)
    return ConvertContext(**base)  # type: ignore[arg-type]
