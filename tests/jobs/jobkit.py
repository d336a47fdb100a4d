"""Helpers of the jobs tests (tests/jobs): plans without any wiki, a scripted transfer service, runners
and job contexts on a test database, a row read back. Fixtures are in conftest.py beside this file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wikifile_transfer.config import Config
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.runner import Runner, RunnerSettings
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Batch, Transfer
from wikifile_transfer.transfer.executor import Listener
from wikifile_transfer.transfer.model import (
    CheckReport,
    FileVersion,
    SourceFile,
    SourceRef,
    Status,
    TransferPlan,
    TransferResult,
)


def a_plan(source_wiki: str = "src", target_wiki: str = "commons", name: str = "X.png") -> TransferPlan:
    source = SourceFile(
        ref=SourceRef(source_wiki, f"File:{name}"),
        wiki_name=source_wiki,
        title=f"File:{name}",
        page_url=f"http://{source_wiki}.test/wiki/File:{name}",
        versions=[
            FileVersion("2020-01-01T00:00:00Z", "Alice", "v1", "a" * 40, 1000, 10, 10, "image/png", "")
        ],
        revisions=[],
        text="x",
    )
    return TransferPlan(
        source=source,
        target_wiki=target_wiki,
        target_title=f"File:{name}",
        page_text="x",
        summary="Transferred",
    )


Work = Callable[[TransferPlan, Listener], None]


@dataclass
class Scripted:
    """A transfer service whose ``execute`` calls ``work(plan, listener)``, then reports "done"."""

    work: Work = lambda _plan, _listener: None
    registry: Any = None
    runs: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, *_args: Any) -> CheckReport:
        return CheckReport()

    def check_with_state(self, *_args: Any) -> tuple[CheckReport, None]:
        return CheckReport(), None  # no target state read: execute reads it itself (none here)

    def execute(
        self, plan: TransferPlan, listener: Listener | None = None, *, state: object = None
    ) -> TransferResult:
        assert listener is not None
        with self.lock:
            self.runs.append(plan.target_title)
        self.work(plan, listener)
        return TransferResult(status=Status.DONE, target_title=plan.target_title, steps=["upload"])


def runner(db: Database, service: Scripted, **settings: Any) -> Runner:
    return Runner(db, lambda _user: service, settings=RunnerSettings(**settings))  # type: ignore[arg-type,return-value]


def context(db: Database, service: Scripted, **settings: Any) -> JobContext:
    """A JobContext whose every user gets ``service`` (what a worker process builds, minus the wikis)."""
    ctx = JobContext(db=db, config=Config(), settings=RunnerSettings(**settings))
    ctx._services[None] = service  # type: ignore[assignment]
    return ctx


def row(db: Database, transfer_id: int) -> Transfer:
    with db.read_session() as session:
        transfer = session.get(Transfer, transfer_id)
        assert transfer is not None
        session.expunge(transfer)
        return transfer


def batch_row(db: Database, batch_id: int) -> Batch:
    with db.read_session() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        session.expunge(batch)
        return batch
