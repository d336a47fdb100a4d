"""What every pipeline step gets and gives: ``ConvertContext`` in, ``StepReport`` entries out.

Why an explicit report instead of just text: the user must see what was changed, what only warns and what
blocks the transfer, and a reviewer must be able to check that no text was lost except spans a rule
removed (every removed span is listed in ``removed``).

Steps never do HTTP: everything they need from a wiki comes through ``Lookups``, which ``wiki/``
implements with batched queries, and ``OfflineLookups`` answers nothing (``convert --offline``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from wikifile_transfer.i18n import Message
from wikifile_transfer.wikitext.rules.model import RuleError, RuleSet


@dataclass(frozen=True)
class Note:
    """One change, warning or block, as a message key with parameters (rendered in the user's language).

    A parameter may be a nested :class:`Message` (the reason of an unusable rule), rendered in the
    same language as the note."""

    key: str
    params: tuple[str | Message, ...] = ()


def rule_error_note(error: RuleError) -> Note:
    """The warning for a rule that cannot be used: where it is, and why (a message of its own)."""
    return Note("wft-warn-rule-unusable", (error.origin, error.message))


class Lookups(Protocol):
    """Questions steps ask about wikis. Implementations batch them (50 titles a request)."""

    def category_links(self, titles: Iterable[str]) -> Mapping[str, str]:
        """Source category titles (``Category:Sunsets``) → the matching category on the target wiki
        (``Kategorie:Sonnenuntergänge``), through langlinks or Wikidata sitelinks; absent when none."""
        ...

    def template_links(self, names: Iterable[str]) -> Mapping[str, str]:
        """Source template names (no namespace) → the matching template name on the target, if any."""
        ...

    def existing_on_target(self, titles: Iterable[str]) -> set[str]:
        """The subset of ``titles`` (full titles with namespace) that exist on the target wiki."""
        ...


class OfflineLookups:
    """No network: nothing is known about the target, so nothing is localised."""

    def category_links(self, titles: Iterable[str]) -> Mapping[str, str]:
        return {}

    def template_links(self, names: Iterable[str]) -> Mapping[str, str]:
        return {}

    def existing_on_target(self, titles: Iterable[str]) -> set[str]:
        return set()


@dataclass(frozen=True)
class FileFacts:
    """What is known about the file itself, for a generated ``{{Information}}``."""

    original_uploader: str | None = None  # the first version's uploader
    first_upload: str | None = None  # ISO timestamp of the first version
    source_url: str | None = None  # the source description page
    metadata: Mapping[str, str] = field(default_factory=dict)  # EXIF-like: DateTimeOriginal, GPSLatitude…


@dataclass(frozen=True)
class ConvertContext:
    rules: RuleSet
    source_lang: str = "en"
    target_lang: str = "en"
    # interwiki prefix on the target that points at the source wiki (``en`` → ``[[:en:Sunset]]``);
    # two hops are written ``w:en``; None: links to the source cannot be prefixed (reported)
    interwiki_prefix: str | None = None
    # the source wiki's namespace names (local names and aliases, lower-case) → canonical English name,
    # for unlocalising links (``Benutzer`` → ``User``)
    namespaces: Mapping[str, str] = field(default_factory=dict)
    category_namespace_names: tuple[str, ...] = ("Category",)  # source: local, canonical, aliases
    target_category_namespace: str = "Category"
    facts: FileFacts = field(default_factory=FileFacts)
    lookups: Lookups = field(default_factory=OfflineLookups)


@dataclass
class StepReport:
    """Everything the pipeline did, accumulated over the steps."""

    changes: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    blocks: list[Note] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # exact source spans a rule removed
    categories_kept: list[str] = field(default_factory=list)
    categories_localised: dict[str, str] = field(default_factory=dict)
    categories_commented: list[str] = field(default_factory=list)
    self_licensed: bool = False

    @property
    def status(self) -> str:
        if self.blocks:
            return "blocked"
        return "warn" if self.warnings else "ok"


@dataclass
class Converted:
    text: str
    report: StepReport
