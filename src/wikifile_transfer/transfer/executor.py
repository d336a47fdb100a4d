"""Run a TransferPlan on the target as idempotent steps.

Each step first asks the target whether its effect is already there (the sha1 of every version under the
title, the page text) and does only what is missing. A second run of a finished plan changes nothing; a
run cut off half-way is completed by the next one, never duplicated. The post-transfer edits (marking
the source, the article edit; ``transfer.followups``) are steps like the others, run last. Temp files
live in a per-run directory that is removed on success, failure and exception alike; a run killed with
``kill -9`` cannot remove its own, so its directory names its process and the next run removes it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

from wikifile_transfer.errors import ApiError, UploadError
from wikifile_transfer.i18n import msg
from wikifile_transfer.transfer.followups import run_follow_ups
from wikifile_transfer.transfer.model import FileVersion, FollowUpStatus, Status, TransferPlan, TransferResult
from wikifile_transfer.transfer.prefetch import Fetch, Prefetcher, discard, fetch_held
from wikifile_transfer.transfer.target import TargetState, fetch_target_state
from wikifile_transfer.wiki.download import Downloaded, download
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.upload import UploadResult, upload
from wikifile_transfer.wikitext.provenance import format_timestamp

PAGE_TITLE = re.compile(rb"(<page>\s*<title>)[^<]*(</title>)")
EXPORT_SHA1 = re.compile(rb"<sha1>([0-9a-z]{1,40})</sha1>\s*</revision>")
"""The text sha1 (base 36) at the end of each exported revision; the last one is the latest revision."""


def text_sha1_base36(text: str) -> str:
    """MediaWiki's sha1 of a revision's text: base 36, zero-padded to 31 digits."""
    number = int(hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest(), 16)
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits.rjust(31, "0")


TEMP_PREFIX = "wft-"


def _host_tag() -> str:
    """A short tag of this host: a temp folder shared by several machines holds others' runs too."""
    return hashlib.sha1(socket.gethostname().encode("utf-8"), usedforsecurity=False).hexdigest()[:8]


def run_dir_prefix() -> str:
    """The prefix of a run's temp directory: ``wft-<pid>-<host tag>-``."""
    return f"{TEMP_PREFIX}{os.getpid()}-{_host_tag()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_orphaned_run_dirs(folder: Path) -> list[Path]:
    """Remove the run directories in ``folder`` of processes of this host that are gone (``kill -9``,
    out of memory): a downloaded version of gigabytes would otherwise stay on the disk for good. Those of
    live processes, other hosts and anything else in the folder are left alone."""
    mine = re.compile(rf"{re.escape(TEMP_PREFIX)}(\d+)-{_host_tag()}-")
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = mine.match(entry.name)
        if match is None or not entry.is_dir() or _alive(int(match.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def retitle_export(xml: bytes, target_title: str) -> bytes:
    """Give the exported page the target title.

    action=import creates the page under the title written in the XML. Without this, a transfer under
    another name (``--title``), or from a wiki whose File namespace has another name (``Datei:``),
    would import the history onto the wrong page.
    """
    title = escape(target_title).encode("utf-8")
    return PAGE_TITLE.sub(lambda m: m.group(1) + title + m.group(2), xml, count=1)


Send = Callable[[Callable[[], None] | None], UploadResult]
"""One upload of a version; the argument is called right before the request that publishes it."""

# MediaWiki names the archived copy of the previous version "<upload time, to the second>!<name>": two
# re-uploads of one file within the same second collide ("backend-fail-alreadyexists") and the second
# one fails. Versions are therefore spaced into different seconds, and a collision (another actor, a
# run resumed within the second) is retried after a second, a bounded number of times.
ARCHIVE_COLLISION = "backend-fail-alreadyexists"
ARCHIVE_RETRIES = 3

# Warnings the executor expects when it uploads a *new version* of the file it is building: the title
# exists (it is ours), or the bytes equal an older version of the same file (a revert in the history).
NEW_VERSION_WARNINGS = frozenset({"exists", "duplicateversions"})


class Listener(Protocol):
    """Receives progress: which step runs, and bytes moved. The CLI draws bars, a worker stores events."""

    def step(self, key: str, *params: str) -> None: ...

    def bytes_down(self, done: int, total: int) -> None: ...

    def bytes_up(self, done: int, total: int) -> None: ...


class NullListener:
    def step(self, key: str, *params: str) -> None:
        return None

    def bytes_down(self, done: int, total: int) -> None:
        return None

    def bytes_up(self, done: int, total: int) -> None:
        return None


@dataclass
class ExecutorSettings:
    temp_dir: Path | None = None
    chunk_size: int = 5 * 1024 * 1024
    max_download_bytes: int = 5 * 1024**3
    space: SpaceBudget | None = None  # shared temp-space budget (workers); None: no budget


class SpaceBudget(Protocol):
    """Holds temp-disk space for one downloaded version while it exists (jobs/tempspace.py): concurrent
    transfers wait for each other instead of filling the disk."""

    def reserve(self, nbytes: int, *, timeout: float = ...) -> AbstractContextManager[None]: ...


@dataclass
class Executor:
    source_wiki: Wiki
    target_wiki: Wiki
    settings: ExecutorSettings = field(default_factory=ExecutorSettings)
    listener: Listener = field(default_factory=NullListener)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    _last_upload_second: int | None = field(default=None, init=False, repr=False)

    def run(self, plan: TransferPlan, *, state: TargetState | None = None) -> TransferResult:
        """Run the plan; ``state`` is the target as read a moment ago by the checks (None: read it now)."""
        self.target_wiki.ensure_login()
        result = TransferResult(status=Status.DONE, target_title=plan.target_title)
        if state is None:
            state = fetch_target_state(self.target_wiki, plan.target_title)
        if plan.import_history and not state.page_exists:
            latest_sha1 = self._import_history(plan)
            result.steps.append("import-history")
            if latest_sha1 is not None and latest_sha1 == text_sha1_base36(plan.source.text):
                # The page now holds the imported history, whose latest text is the one planned from:
                # no need to ask the target (it has no file yet; the upload answers for that).
                state = replace(state, page_exists=True, text=plan.source.text)
            else:
                state = fetch_target_state(self.target_wiki, plan.target_title)
        remove_orphaned_run_dirs(self.settings.temp_dir or Path(tempfile.gettempdir()))
        with (
            tempfile.TemporaryDirectory(prefix=run_dir_prefix(), dir=self.settings.temp_dir) as workdir,
            Prefetcher(self._fetcher(plan, Path(workdir)), self._reserve) as prefetch,
        ):
            for index, version in enumerate(plan.source.versions):
                present = self._present_versions(plan, state)
                if index < present:
                    result.skipped.append(version)
                    continue
                outcome = self._upload_version(plan, index, version, Path(workdir), state, prefetch=prefetch)
                result.uploaded.append(version)
                result.steps.append(f"upload-version-{index + 1}")
                state = self._state_after_upload(plan, state, version, outcome)
        if self._page_text_step(plan, state):
            result.steps.append("page-text")
        title = state.title or plan.target_title
        result.target_title = title
        result.target_url = self.target_wiki.page_url(title)
        if plan.mark_source is not None or plan.use_in is not None:
            self.listener.step("wft-step-follow-ups")
        result.follow_ups = run_follow_ups(plan, self.source_wiki, self.target_wiki, title)
        result.steps += [f.id for f in result.follow_ups if f.status is FollowUpStatus.DONE]
        if not result.steps:
            result.status = Status.ALREADY_DONE
        return result

    # --- steps ------------------------------------------------------------------------------------

    def _state_after_upload(
        self, plan: TransferPlan, before: TargetState, version: FileVersion, outcome: UploadResult
    ) -> TargetState:
        """The target after a successful upload, from the wiki's answer: one more version, with the sha1
        the wiki reports. An upload does not change the text of a page that existed, and creates a missing
        one with the planned text. When the answer does not confirm the sha1, the target is asked."""
        reported = str(outcome.imageinfo.get("sha1", "")).lower()
        if reported != version.sha1.lower() or (before.sha1s and before.repository != "local"):
            return fetch_target_state(self.target_wiki, plan.target_title)
        return replace(
            before,
            page_exists=True,
            repository="local",
            sha1s=[*before.sha1s, reported],
            text=before.text if before.page_exists else plan.page_text,
        )

    @staticmethod
    def _present_versions(plan: TransferPlan, state: TargetState) -> int:
        """How many of the plan's versions (oldest first) the target already has, in order."""
        wanted = [v.sha1 for v in plan.source.versions]
        if state.repository != "local" or not state.sha1s:
            return 0
        if wanted[: len(state.sha1s)] != state.sha1s:
            raise UploadError(plan.target_title, key="wft-error-target-diverged")
        return len(state.sha1s)

    def _reserve(self, nbytes: int) -> AbstractContextManager[None]:
        space = self.settings.space
        return space.reserve(nbytes) if space is not None else nullcontext()

    def _fetcher(self, plan: TransferPlan, workdir: Path) -> Fetch:
        """Download a version of ``plan`` into ``workdir``: checked against its sha1 and size, capped at
        what the target accepts."""

        def fetch(version: FileVersion, on_progress: Callable[[int], None]) -> Downloaded:
            accepted = self.target_wiki.siteinfo().max_upload_size or 1 << 62
            return download(
                self.source_wiki.api.http,
                version.url,
                dest_dir=workdir,
                max_bytes=min(self.settings.max_download_bytes, accepted),
                expected_sha1=version.sha1,
                expected_size=version.size,
                on_progress=on_progress,
            )

        return fetch

    def _upload_version(
        self,
        plan: TransferPlan,
        index: int,
        version: FileVersion,
        workdir: Path,
        state: TargetState,
        *,
        prefetch: Prefetcher,
    ) -> UploadResult:
        """Download (or take the prefetched copy of) one version and upload it; while it uploads, the
        next version downloads (``transfer.prefetch``)."""
        total = len(plan.source.versions)
        self.listener.step("wft-step-download", str(index + 1), str(total))
        fetched = prefetch.take(index)
        if fetched is None:  # the temp space of this version stays held until its file is deleted
            fetched = fetch_held(
                self._fetcher(plan, workdir),
                self._reserve,
                version,
                lambda done: self.listener.bytes_down(done, version.size),
            )
        else:
            self.listener.bytes_down(version.size, version.size)
        try:
            if index + 1 < total:
                prefetch.start(index + 1, plan.source.versions[index + 1])
            return self._upload(plan, index, version, fetched.downloaded, state)
        finally:
            discard(fetched)

    def _upload(
        self, plan: TransferPlan, index: int, version: FileVersion, downloaded: Downloaded, state: TargetState
    ) -> UploadResult:
        total = len(plan.source.versions)
        self.listener.step("wft-step-upload", str(index + 1), str(total))
        first = index == 0
        accept: frozenset[str] = frozenset()
        if first and state.page_exists:
            accept = frozenset({"page-exists"})
        elif not first:
            accept = NEW_VERSION_WARNINGS
        min_chunk = self.target_wiki.siteinfo().min_chunk_size
        chunk = max(self.settings.chunk_size, min_chunk)

        def send(before_publish: Callable[[], None] | None = None) -> UploadResult:
            return upload(
                self.target_wiki.api,
                downloaded.path,
                plan.target_name,
                text=plan.page_text,
                comment=plan.summary if first else self._version_comment(plan, version),
                chunk_size=chunk if downloaded.size > chunk else None,
                accept_warnings=accept,
                on_progress=self.listener.bytes_up,
                before_publish=before_publish,
            )

        outcome = self._first_upload(send) if first else self._reupload(send)
        if outcome.result != "Success":
            warnings = ", ".join(sorted(outcome.warnings))
            raise UploadError(plan.target_title, warnings, key="wft-error-upload-warnings")
        return outcome

    def _first_upload(self, send: Send) -> UploadResult:
        """The first version: its second counts for the next one like any other upload's. MediaWiki
        meets a re-upload within the second of the version before with ``sleep(1)`` *inside* its write
        transaction (``LocalFile::recordUpload3``, "fast enough re-uploads would go far in the
        future"), holding the wiki's locks for that second; waiting here costs the wiki nothing."""
        try:
            return send(None)
        finally:
            self._last_upload_second = int(self.clock())

    def _reupload(self, send: Send) -> UploadResult:
        """A new version of an existing file: never published in the same second as the upload before.

        The wiki answers its first request with the ``exists`` warning and keeps the bytes in the stash;
        only the commit that follows makes them a version, so only the commit waits for the next second
        (``before_publish``): the bytes travel meanwhile."""
        for attempt in range(ARCHIVE_RETRIES + 1):
            try:
                return send(self._next_second)
            except ApiError as error:
                if error.code != ARCHIVE_COLLISION or attempt == ARCHIVE_RETRIES:
                    raise
            finally:
                self._last_upload_second = int(self.clock())
        raise AssertionError("unreachable")  # pragma: no cover

    def _next_second(self) -> None:
        now = self.clock()
        if self._last_upload_second is not None and int(now) <= self._last_upload_second:
            self.sleep(self._last_upload_second + 1 - now + 0.02)

    def _version_comment(self, plan: TransferPlan, version: FileVersion) -> str:
        lang = self.target_wiki.siteinfo().lang
        return msg(
            "wft-summary-version",
            version.user,
            format_timestamp(version.timestamp),
            version.comment,
            plan.source.page_url,
            lang=lang,
        )

    def _import_history(self, plan: TransferPlan) -> str | None:
        """Special:Export of the source page with its full history, then action=import on the target.
        Returns the base-36 sha1 of the exported latest revision's text (None when the export has none)."""
        self.listener.step("wft-step-import-history")
        site = self.source_wiki.siteinfo()
        index_url = site.server.rstrip("/") + site.scriptpath + "/index.php"
        # Special:Export switches curonly/templates on by their mere presence: send neither.
        response = self.source_wiki.api.http.request(
            "POST",
            index_url,
            data={"title": "Special:Export", "pages": plan.source.title, "history": "1", "wpDownload": "1"},
        )
        if response.status_code != 200 or b"<mediawiki" not in response.content[:2000]:
            raise UploadError(plan.source.title, key="wft-error-export-failed")
        prefix = plan.import_prefix or "source"
        xml = retitle_export(response.content, plan.target_title)
        self.target_wiki.api.post_with_token(
            {"action": "import", "interwikiprefix": prefix, "assignknownusers": "1"},
            files={"xml": ("export.xml", xml, "application/xml")},
        )
        found = EXPORT_SHA1.findall(xml)
        return found[-1].decode("ascii") if found else None

    def _page_text_step(self, plan: TransferPlan, state: TargetState) -> bool:
        """Put the planned text on the page when the page still has the imported source text.

        A page whose text is neither the imported original nor the planned text was edited by someone
        after the transfer: it is left alone.
        """
        if state.text is None or state.text.strip() == plan.page_text.strip():
            return False
        if not plan.import_history or state.text.strip() != plan.source.text.strip():
            return False
        self.listener.step("wft-step-page-text")
        self.target_wiki.api.post_with_token(
            {
                "action": "edit",
                "title": plan.target_title,
                "text": plan.page_text,
                "summary": plan.summary,
                "nocreate": "1",
            }
        )
        return True
