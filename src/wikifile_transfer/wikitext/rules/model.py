"""The one rule model every loader produces and every pipeline step reads: ``RuleSet``.

Why one model for three formats: FtCG local-wiki-data files, CommonsHelper2 / FileImporter rule pages and
the project's own TOML files describe the same things (which templates are good, bad, removed or renamed,
which headings are local, what warns). The steps must not care where a rule came from; the report must
(``origin`` on every rule that can fail), so a community member can find and fix the line.

Rules are keyed by (source wiki, target wiki): ``None`` on either side means "any".
Template and category names are compared with ``name_key``: case-insensitive, ``_`` as space, no namespace
prefix (FileImporter's ``WikitextConversions`` semantics).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Self

from wikifile_transfer.i18n import Message


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """How names are compared: ``Template:Cc_By-SA`` and ``cc-by-sa`` are the same template.

    Cached: every step compares every template of a page with every rule (≈250 calls per page; the
    convert benchmark spent 14 % of its time here), and the names repeat across pages."""
    text = name.replace("_", " ").strip()
    if ":" in text:
        prefix, rest = text.split(":", 1)
        if prefix.strip() and " " not in prefix.strip() and rest.strip():
            text = rest
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class ParamRule:
    """One parameter of the target template (FileImporter ``;Src:Dst|target=source`` syntax).

    ``sources`` are the local parameter names it is taken from, first found wins (numbers name unnamed
    parameters). ``add_if_missing`` is a static value used when no source parameter is present (``+``).
    ``language_template`` wraps the value in a language template of the source wiki's language (``@``).
    """

    target: str
    sources: tuple[str, ...] = ()
    add_if_missing: str | None = None
    language_template: bool = False


@dataclass(frozen=True)
class TransferRule:
    """Local template ``source`` becomes target template ``target`` (may be ``subst:X``).

    ``params`` renames the parameters it maps; parameters it does not mention are kept as they are, as
    FileImporter does (``WikitextContentCleaner`` only touches mapped ones). Keeping them is the safe
    side for credits: an unmapped ``author=`` or ``permission=`` may hold the only attribution, and a
    rule page that forgets a parameter must not silently delete it. An unknown parameter on the target
    template is visible and easy to fix; a lost credit is neither.
    """

    source: str
    target: str
    params: tuple[ParamRule, ...] = ()
    origin: str = ""


@dataclass(frozen=True)
class RegexRule:
    """An FtCG ``[Replacement]`` or ``[SelfLicenseReplacement]``: ``pattern`` → ``replacement``.

    ``pattern`` is already translated to RE2 syntax; ``replacement`` uses ``\\1`` style group references
    and may hold ``%%OriginalUploader%%`` / ``%%InterwikiLinkPrefix%%`` (expanded at run time).
    Matching is case-insensitive, as in FtCG.
    """

    pattern: str
    replacement: str
    self_licence: bool = False
    origin: str = ""


@dataclass(frozen=True)
class ProblemRule:
    """An FtCG ``[PotentialProblem]``: when ``match`` is found, warn with ``message`` (not a block)."""

    match: str
    message: str
    is_regex: bool = False
    origin: str = ""


@dataclass(frozen=True)
class RuleError:
    """A rule that cannot be used (bad syntax, a regex construct RE2 lacks): reported, never fatal.

    ``origin`` says where the rule is (file or page, section, line), so its editors can find it; the
    reason is the message ``key`` with ``params`` (``wft-rule-error-*`` in ``i18n/``), rendered in the
    reader's language when the report is shown, never frozen in English where the rule was read.
    """

    origin: str
    key: str
    params: tuple[str | Message, ...] = ()

    @property
    def message(self) -> Message:
        """The reason as a message (for a report, or as a parameter of another message)."""
        return Message(self.key, self.params)

    @property
    def reason(self) -> str:
        """The reason in English (logs, ``repr`` in tests); reports render ``message`` instead."""
        return self.message.text()


@dataclass(frozen=True)
class InformationNames:
    """The source wiki's ``{{Information}}`` template and its parameter names (FtCG keys)."""

    template: str = "Information"
    description: str = "description"
    date: str = "date"
    source: str = "source"
    author: str = "author"
    permission: str = "permission"
    other_versions: str = "other versions"


@dataclass(frozen=True)
class RuleSet:
    """Everything the pipeline needs to know about one (source wiki, target wiki) pair."""

    source_wiki: str | None = None
    target_wiki: str | None = None
    origin: str = ""  # file path or wiki page (with revision) the rules came from
    revision: int | None = None

    # licence gate (CommonsHelper2 / FileImporter): Good = at least one must be present (when non-empty)
    good_templates: frozenset[str] = frozenset()
    bad_templates: frozenset[str] = frozenset()
    bad_categories: frozenset[str] = frozenset()
    # templates that mark a file as non-free; blocked unless the target accepts non-free files (EDP)
    non_free_templates: frozenset[str] = frozenset()
    target_accepts_non_free: bool = False

    # cleaning
    remove_templates: frozenset[str] = frozenset()
    transfer: tuple[TransferRule, ...] = ()
    description_headings: tuple[str, ...] = ()  # local heading texts → {{int:filedesc}}
    licensing_headings: tuple[str, ...] = ()  # local heading texts → {{int:license-header}}
    heading_regexes: tuple[tuple[str, str], ...] = ()  # (RE2 pattern, "filedesc"|"license-header") (FtCG)
    copy_to_commons: str | None = None  # RE2 pattern of "copy to Commons" tags (FtCG CopyToCommonsRegex)
    information: InformationNames = field(default_factory=InformationNames)
    replacements: tuple[RegexRule, ...] = ()  # Replacement first, then SelfLicenseReplacement
    problems: tuple[ProblemRule, ...] = ()

    # the target side
    target_information: str = "Information"  # name of {{Information}} on the target
    target_language_templates: bool = True  # the target has {{en}}, {{de}}… language templates
    target_location_template: str | None = None  # e.g. "Location" on Commons; None: no GPS template
    category_namespace: str = "Category"  # the source's local Category namespace name (FtCG key)

    # post-transfer
    now_commons_template: str | None = None  # on the source wiki

    errors: tuple[RuleError, ...] = ()  # unusable rules, reported with their origin

    # single-value fields this layer sets even where the value equals the default (a rules file that
    # says ``target_accepts_non_free = false`` or ``now_commons_template = ""``); see ``merged``
    explicit: frozenset[str] = frozenset()

    def set_fields(self) -> frozenset[str]:
        """The single-value fields this layer sets: the explicit ones, and every one that differs from
        the default (a RuleSet built in code names no ``explicit`` fields)."""
        default = _DEFAULT
        differing = {name for name in _SCALAR_FIELDS if getattr(self, name) != getattr(default, name)}
        return self.explicit | differing

    def transfer_rule(self, template_name: str) -> TransferRule | None:
        key = name_key(template_name)
        return next((r for r in self.transfer if name_key(r.source) == key), None)

    def merged(self, other: RuleSet) -> Self:
        """``self`` with ``other`` layered on top: sets are united, tuples concatenated, and single-value
        fields taken from ``other`` where it sets them (``set_fields``), even back to the default: a
        user's file can turn off what a bundled layer turned on (``target_accepts_non_free = false``,
        no NowCommons template). Used to combine bundled defaults, a rule page and a user's rules file."""
        changes: dict[str, object] = {}
        theirs_set = other.set_fields()
        for name in _SCALAR_FIELDS:
            if name in theirs_set:
                changes[name] = getattr(other, name)
        for name in _COLLECTION_FIELDS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, frozenset):
                changes[name] = mine | theirs
            else:
                changes[name] = mine + tuple(x for x in theirs if x not in mine)
        changes["explicit"] = self.explicit | other.explicit
        return replace(self, **changes)  # type: ignore[arg-type]


_DEFAULT = RuleSet()
_COLLECTION_FIELDS = tuple(
    name
    for name in RuleSet.__dataclass_fields__
    if name != "explicit" and isinstance(getattr(_DEFAULT, name), frozenset | tuple)
)
_SCALAR_FIELDS = tuple(
    name for name in RuleSet.__dataclass_fields__ if name != "explicit" and name not in _COLLECTION_FIELDS
)
