"""The domain model of one transfer: SourceRef → SourceFile → TransferPlan → CheckReport → TransferResult.

Plain data, no I/O: the names follow FileImporter's domain model (ImportPlan, validators) where it fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from wikifile_transfer.i18n import Message
from wikifile_transfer.wikitext.steps.base import StepReport


@dataclass(frozen=True)
class SourceRef:
    """What the user named: a wiki (configured name, Wikimedia name or URL) and a File title."""

    wiki: str
    title: str


@dataclass(frozen=True)
class FileVersion:
    """One version of a file as imageinfo reports it."""

    timestamp: str
    user: str
    comment: str
    sha1: str
    size: int
    width: int
    height: int
    mime: str
    url: str


@dataclass(frozen=True)
class PageRevision:
    """One revision of the description page (content not kept: only the latest text is transferred)."""

    revid: int
    timestamp: str
    user: str
    comment: str


@dataclass
class SourceFile:
    """Everything the plan needs to know about the file on the source wiki. Lists are oldest first."""

    ref: SourceRef
    wiki_name: str
    title: str  # normalised, with the source wiki's local File namespace name
    page_url: str
    versions: list[FileVersion]
    revisions: list[PageRevision]
    text: str
    categories: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    repository: str = "local"  # "local", or the name of the shared repository serving the file
    lang: str = "en"
    metadata: dict[str, str] = field(default_factory=dict)  # the latest version's EXIF-like metadata

    @property
    def latest(self) -> FileVersion:
        return self.versions[-1]

    @property
    def name(self) -> str:
        """The title without its namespace prefix."""
        return self.title.split(":", 1)[1] if ":" in self.title else self.title

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""

    @property
    def uploaders(self) -> list[str]:
        """Distinct original uploaders, in order of their first upload."""
        return list(dict.fromkeys(v.user for v in self.versions))

    @property
    def authors(self) -> list[str]:
        """Distinct authors of the description page, in order of their first edit."""
        return list(dict.fromkeys(r.user for r in self.revisions))


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - a check verdict, not a password
    WARN = "warn"
    BLOCK = "block"


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check, explained by a message key and its parameters (a parameter may be a
    nested message: a description warning about an unusable rule carries the rule's reason)."""

    id: str
    outcome: Outcome
    key: str
    params: tuple[str | Message, ...] = ()


@dataclass
class CheckReport:
    results: list[CheckResult] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(r.outcome is Outcome.BLOCK for r in self.results)

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome is Outcome.WARN]

    def get(self, check_id: str) -> CheckResult | None:
        return next((r for r in self.results if r.id == check_id), None)


@dataclass(frozen=True)
class MarkSource:
    """Tag the source file page with its wiki's "now on Commons" template, pointing at the new file."""

    template: str  # the template name on the source wiki, without namespace (``NowCommons``)
    target_title: str  # the planned title on the target; the executor uses the title the upload got


@dataclass(frozen=True)
class ArticleUse:
    """Put the transferred file into an article on the target wiki (``--use-in``).

    ``base_revid`` ties the edit to the revision the user previewed (``--dry-run`` prints it): when the
    article has a newer revision, nothing is uploaded or saved. None: the revision read just before."""

    title: str
    caption: str | None = None
    base_revid: int | None = None


class FollowUpStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    ALREADY_DONE = "already_done"  # the effect was there before (a re-run, or someone else did it)
    SKIPPED = "skipped"  # not done, and why is in the message


@dataclass(frozen=True)
class FollowUp:
    """A post-transfer edit (``mark-source``, ``use-in-article``): its status, explained by a message.

    ``diff`` and ``revision`` are the preview of an article edit: the unified diff and the revision it
    is based on."""

    id: str
    status: FollowUpStatus
    key: str
    params: tuple[str, ...] = ()
    diff: str | None = None
    revision: int | None = None


MARK_SOURCE = "mark-source"
USE_IN_ARTICLE = "use-in-article"


@dataclass
class TransferPlan:
    """What will be done on the target: which title, which versions in which order, which page text."""

    source: SourceFile
    target_wiki: str
    target_title: str  # with the target's local File namespace name
    page_text: str
    summary: str
    import_history: bool = False
    import_prefix: str | None = None  # interwiki prefix on the target for the source (names imported users)
    changes: list[str] = field(default_factory=list)  # what the description transform did (message keys)
    description: StepReport = field(default_factory=StepReport)  # changes, warnings, blocks of the rewrite
    now_commons_template: str | None = None  # the source wiki's "now on Commons" tag, when known
    mark_source: MarkSource | None = None  # set by plan_follow_ups when the source is to be marked
    use_in: ArticleUse | None = None  # the article edit asked for
    follow_ups: list[FollowUp] = field(default_factory=list)  # planned and skipped post-transfer edits

    @property
    def target_name(self) -> str:
        return self.target_title.split(":", 1)[1] if ":" in self.target_title else self.target_title


class Status(StrEnum):
    DONE = "done"
    ALREADY_DONE = "already_done"
    BLOCKED = "blocked"
    FAILED = "failed"
    PLANNED = "planned"  # a dry run


@dataclass
class TransferResult:
    status: Status
    target_title: str | None = None
    target_url: str | None = None
    uploaded: list[FileVersion] = field(default_factory=list)  # versions uploaded by this run
    skipped: list[FileVersion] = field(default_factory=list)  # versions found already on the target
    steps: list[str] = field(default_factory=list)  # the steps that changed something, in order
    follow_ups: list[FollowUp] = field(default_factory=list)  # what became of each post-transfer edit
