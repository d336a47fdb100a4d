"""One transfer from start to end, as the CLI (and later the workers) run it.

resolve → read the source → rules (bundled, a wiki's rule page, the user's file) → plan → check → plan the
follow-up edits (an article that is missing or changed since its preview stops here, before any byte) →
execute (versions, page text, follow-ups). Every failure the user can meet ends as a ``TransferOutcome``
carrying a typed error with a message key, never as a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from wikifile_transfer.errors import WftError
from wikifile_transfer.transfer.checks import CheckContext, run_checks
from wikifile_transfer.transfer.describe import load_rules_page, rules_for
from wikifile_transfer.transfer.executor import Executor, ExecutorSettings, Listener, NullListener
from wikifile_transfer.transfer.followups import plan_follow_ups
from wikifile_transfer.transfer.model import (
    ArticleUse,
    CheckReport,
    SourceFile,
    Status,
    TransferPlan,
    TransferResult,
)
from wikifile_transfer.transfer.planner import build_plan, current_user, gather_context
from wikifile_transfer.transfer.source import fetch_source
from wikifile_transfer.transfer.target import TargetState
from wikifile_transfer.wiki.lookups import WikiLookups
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wikitext.rules.rulepage import RulePageCache


@dataclass
class TransferOutcome:
    status: Status
    source_text: str
    target: str
    source: SourceFile | None = None
    plan: TransferPlan | None = None
    report: CheckReport = field(default_factory=CheckReport)
    result: TransferResult | None = None
    error: WftError | None = None
    target_url: str | None = None


@dataclass(frozen=True)
class TransferOptions:
    """What the user asked for beyond source and target (the CLI flags of ``transfer``).

    ``rules_file`` and ``rules_page`` (``WIKI:Page``) are layered on the bundled rules; ``mark_source``
    tags the source with its NowCommons template when the target is its shared repository;
    ``use_in`` puts the file into an article on the target."""

    title: str | None = None
    dry_run: bool = False
    mark_source: bool = True
    use_in: ArticleUse | None = None
    rules_file: Path | None = None
    rules_page: str | None = None


@dataclass
class TransferService:
    registry: WikiRegistry
    settings: ExecutorSettings = field(default_factory=ExecutorSettings)
    cache_dir: Path | None = None  # where rule pages parsed before are kept (None: this process only)
    rule_pages: RulePageCache = field(init=False)

    def __post_init__(self) -> None:
        self.rule_pages = RulePageCache(self.cache_dir)

    def transfer(
        self,
        source: str,
        target: str,
        *,
        title: str | None = None,
        dry_run: bool = False,
        listener: Listener | None = None,
        options: TransferOptions | None = None,
    ) -> TransferOutcome:
        """One transfer; ``title``/``dry_run`` override the ones in ``options`` when given."""
        opts = options or TransferOptions()
        if title is not None:
            opts = replace(opts, title=title)
        if dry_run:
            opts = replace(opts, dry_run=True)
        outcome = TransferOutcome(status=Status.FAILED, source_text=source, target=target)
        try:
            self._run(outcome, opts, listener or NullListener())
        except WftError as error:
            outcome.status = Status.FAILED
            outcome.error = error
        return outcome

    def _run(self, outcome: TransferOutcome, opts: TransferOptions, listener: Listener) -> None:
        listener.step("wft-step-read-source", outcome.source_text)
        plan = self.plan(outcome.source_text, outcome.target, opts)
        outcome.source = plan.source
        outcome.plan = plan
        target_wiki = self.registry.get(plan.target_wiki)
        outcome.target_url = target_wiki.page_url(plan.target_title)
        listener.step("wft-step-check", plan.target_title)
        outcome.report, state = self.check_with_state(plan, opts)
        if outcome.report.blocked:
            outcome.status = Status.BLOCKED
            return
        if opts.dry_run:
            outcome.status = Status.PLANNED
            return
        outcome.result = self.execute(plan, listener, state=state)
        outcome.status = outcome.result.status
        outcome.target_url = outcome.result.target_url

    # --- the three parts, also used one by one by the batch workers (jobs/) --------------------------

    def plan(self, source_text: str, target: str, opts: TransferOptions) -> TransferPlan:
        """Resolve the source, read it, and plan the target page with the rules for the wiki pair."""
        source_wiki, source_title = self.registry.resolve_source(source_text)
        target_wiki = self.registry.get(target)
        source = fetch_source(source_wiki, source_title)
        return self.plan_for(source, source_wiki, target_wiki, opts)

    def plan_for(
        self,
        source: SourceFile,
        source_wiki: Wiki,
        target_wiki: Wiki,
        opts: TransferOptions,
        *,
        lookups: WikiLookups | None = None,
    ) -> TransferPlan:
        """The plan of an already-read source (the batch reader reads many sources in few requests);
        ``lookups`` shared by the plans of one batch and wiki pair (see ``build_plan``)."""
        user = current_user(target_wiki)
        import_history = user is not None and "importupload" in user.rights
        page = load_rules_page(self.registry, opts.rules_page, self.rule_pages) if opts.rules_page else None
        rules = rules_for(source_wiki.name, target_wiki.name, opts.rules_file, page)
        return build_plan(
            source,
            source_wiki,
            target_wiki,
            title=opts.title,
            import_history=import_history,
            rules=rules,
            wikidata=self.registry.wikidata_for(source_wiki, target_wiki),
            lookups=lookups,
        )

    def check(self, plan: TransferPlan, opts: TransferOptions) -> CheckReport:
        """Every check against the target as it is now; when nothing blocks, the follow-up edits are planned
        (an article missing or changed since its preview raises here, before any byte moves)."""
        return self.check_with_state(plan, opts)[0]

    def check_with_state(self, plan: TransferPlan, opts: TransferOptions) -> tuple[CheckReport, TargetState]:
        """:meth:`check`, and the target's state it read: :meth:`execute` right after it starts from that
        state instead of asking the target the same question again."""
        target_wiki = self.registry.get(plan.target_wiki)
        user = current_user(target_wiki)
        context = gather_context(plan, target_wiki, self.registry, user=user)
        return self.check_with(context, opts), context.target

    def check_with(self, context: CheckContext, opts: TransferOptions) -> CheckReport:
        """:meth:`check` with the lookups already made (the batch dry run gathers many at once)."""
        report = run_checks(context)
        if not report.blocked:
            self.plan_follow_ups(context.plan, opts)
        return report

    def plan_follow_ups(self, plan: TransferPlan, opts: TransferOptions) -> None:
        source_wiki = self.registry.get(plan.source.wiki_name)
        target_wiki = self.registry.get(plan.target_wiki)
        plan_follow_ups(
            plan, source_wiki, target_wiki, self.registry, mark_source=opts.mark_source, use_in=opts.use_in
        )

    def execute(
        self, plan: TransferPlan, listener: Listener | None = None, *, state: TargetState | None = None
    ) -> TransferResult:
        """The idempotent steps on the target (versions, page text, follow-ups). ``state``: the target as
        a check read it a moment ago (None: read it first)."""
        source_wiki = self.registry.get(plan.source.wiki_name)
        target_wiki = self.registry.get(plan.target_wiki)
        executor = Executor(source_wiki, target_wiki, self.settings, listener or NullListener())
        return executor.run(plan, state=state)
