"""One transfer from start to end, as the CLI (and later the workers) run it.

resolve → read the source → plan → check → execute. Every failure the user can meet ends as a
``TransferOutcome`` carrying a typed error with a message key, never as a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wikifile_transfer.errors import WftError
from wikifile_transfer.transfer.checks import run_checks
from wikifile_transfer.transfer.executor import Executor, ExecutorSettings, Listener, NullListener
from wikifile_transfer.transfer.model import CheckReport, SourceFile, Status, TransferPlan, TransferResult
from wikifile_transfer.transfer.planner import build_plan, current_user, gather_context
from wikifile_transfer.transfer.source import fetch_source
from wikifile_transfer.wiki.registry import WikiRegistry


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


@dataclass
class TransferService:
    registry: WikiRegistry
    settings: ExecutorSettings = field(default_factory=ExecutorSettings)

    def transfer(
        self,
        source: str,
        target: str,
        *,
        title: str | None = None,
        dry_run: bool = False,
        listener: Listener | None = None,
    ) -> TransferOutcome:
        outcome = TransferOutcome(status=Status.FAILED, source_text=source, target=target)
        try:
            self._run(outcome, title=title, dry_run=dry_run, listener=listener or NullListener())
        except WftError as error:
            outcome.status = Status.FAILED
            outcome.error = error
        return outcome

    def _run(self, outcome: TransferOutcome, *, title: str | None, dry_run: bool, listener: Listener) -> None:
        source_wiki, source_title = self.registry.resolve_source(outcome.source_text)
        target_wiki = self.registry.get(outcome.target)
        listener.step("wft-step-read-source", source_title)
        outcome.source = fetch_source(source_wiki, source_title)
        user = current_user(target_wiki)
        import_history = user is not None and "importupload" in user.rights
        plan = build_plan(
            outcome.source, source_wiki, target_wiki, title=title, import_history=import_history
        )
        outcome.plan = plan
        outcome.target_url = target_wiki.page_url(plan.target_title)
        listener.step("wft-step-check", plan.target_title)
        context = gather_context(plan, target_wiki, self.registry, user=user)
        outcome.report = run_checks(context)
        if outcome.report.blocked:
            outcome.status = Status.BLOCKED
            return
        if dry_run:
            outcome.status = Status.PLANNED
            return
        executor = Executor(source_wiki, target_wiki, self.settings, listener)
        outcome.result = executor.run(plan)
        outcome.status = outcome.result.status
        outcome.target_url = outcome.result.target_url
