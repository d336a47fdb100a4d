"""Upload one file version: simple or chunked, resumable, and never ignoring warnings blindly.

Why chunked and resumable: large files exceed PHP's POST limit, and a worker that dies halfway through
a 2 GB upload should not start again from zero. The caller persists :class:`ChunkState` (given to
``on_state`` after every chunk) and passes it back to resume.

Why warnings are handled here: MediaWiki answers ``result: "Warning"`` for duplicates, existing titles,
deleted files... Forcing them with ``ignorewarnings`` would overwrite other people's files. Only the
warnings the caller names in ``accept_warnings`` (for example ``exists`` when the executor uploads a new
version of a file it created itself) are accepted; anything else goes back to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from wikifile_transfer.errors import ApiError, UploadError
from wikifile_transfer.wiki.api import ApiClient

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 5 * 1024 * 1024
"""Chunk size when the caller gives none and the file is too big for one simple POST (STACK.md §10)."""

STASH_GONE_CODES = frozenset(
    {
        "stashnosuchfilekey",
        "stashfailed",
        "missingresult",
        "stashedfilenotfound",
        "stashfilenotfound",
        "stashpathinvalid",
        "stashfilestorage",
        "stashzerolength",
        "stashwrongowner",
        "invalid-file-key",
    }
)
"""Errors meaning the stashed chunks cannot be used any more: start the chunked upload again."""

MAX_OFFSET_RESYNCS = 3


@dataclass
class ChunkState:
    """Where a chunked upload stands; persisted by callers to resume. Mutated in place by ``upload``."""

    filekey: str | None = None
    offset: int = 0


@dataclass(frozen=True)
class UploadResult:
    result: str  # "Success" | "Warning"
    filename: str | None
    warnings: dict[str, Any] = field(default_factory=dict)
    filekey: str | None = None
    imageinfo: dict[str, Any] = field(default_factory=dict)


ASSEMBLY_SECONDS_PER_MIB = 0.25
"""Read time allowed per MiB of the file, on top of the usual, for the requests where the wiki assembles
or verifies the whole file (4 MiB/s: 1 GiB gets 60 s + 256 s)."""


def assembly_read_timeout(size: int) -> float:
    return 60.0 + ASSEMBLY_SECONDS_PER_MIB * size / 2**20


def upload(
    api: ApiClient,
    path: Path,
    filename: str,
    *,
    text: str,
    comment: str,
    chunk_size: int | None = None,
    accept_warnings: Collection[str] = (),
    state: ChunkState | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_state: Callable[[ChunkState], None] | None = None,
    before_publish: Callable[[], None] | None = None,
) -> UploadResult:
    """Upload ``path`` as ``File:filename``.

    ``before_publish`` is called right before a request that forces accepted warnings (the one that
    makes the stashed file a version): a new version of a file meets ``exists``, so its bytes go to the
    stash first and only the commit needs the spacing into a new second (``transfer.executor``).

    ``chunk_size=None`` sends files up to DEFAULT_CHUNK_SIZE in one multipart POST and bigger ones in
    chunks of that size; a given ``chunk_size`` (≥ the wiki's minuploadchunksize) always chunks.
    Returns Success, or Warning with the warnings and the stash ``filekey`` for the caller to decide.
    """
    if chunk_size is not None and chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    job = _Upload(
        api=api,
        path=path,
        filename=filename,
        text=text,
        comment=comment,
        size=path.stat().st_size,
        chunk_size=chunk_size or DEFAULT_CHUNK_SIZE,
        accepted=frozenset(accept_warnings),
        on_progress=on_progress,
        on_state=on_state,
        before_publish=before_publish,
    )
    if chunk_size is None and state is None and job.size <= DEFAULT_CHUNK_SIZE:
        return job.simple()
    return job.chunked(state if state is not None else ChunkState())


def _upload_answer(body: Mapping[str, Any]) -> dict[str, Any]:
    answer = body.get("upload")
    if not isinstance(answer, dict):
        raise UploadError("?", "no upload result in the answer")
    return answer


@dataclass
class _Upload:
    """One upload's fixed inputs, so the steps below need no long argument lists."""

    api: ApiClient
    path: Path
    filename: str
    text: str
    comment: str
    size: int
    chunk_size: int
    accepted: frozenset[str]
    on_progress: Callable[[int, int], None] | None
    on_state: Callable[[ChunkState], None] | None
    before_publish: Callable[[], None] | None = None

    def publishing(self) -> None:
        if self.before_publish is not None:
            self.before_publish()

    # --- shared ---------------------------------------------------------------------------------

    def progress(self, done: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, self.size)

    def all_accepted(self, answer: Mapping[str, Any]) -> bool:
        warnings = answer.get("warnings") or {}
        return answer.get("result") == "Warning" and bool(warnings) and set(warnings) <= self.accepted

    def commit(self, filekey: str, *, ignore: bool) -> dict[str, Any]:
        params = {
            "action": "upload",
            "filekey": filekey,
            "filename": self.filename,
            "text": self.text,
            "comment": self.comment,
            "ignorewarnings": ignore,
        }
        with self.api.http.slow_reads(assembly_read_timeout(self.size)):
            return _upload_answer(self.api.post_with_token(params))

    def finish(self, answer: dict[str, Any]) -> UploadResult:
        """The wiki's answer as an UploadResult, committing once more when every warning is accepted."""
        filekey = answer.get("filekey")
        if self.all_accepted(answer) and filekey:
            log.info("accepting upload warnings %s for %s", sorted(answer.get("warnings", {})), self.filename)
            self.publishing()
            answer = self.commit(str(filekey), ignore=True)
        result = answer.get("result")
        if result not in ("Success", "Warning"):
            raise UploadError(self.filename, f"unexpected upload result {result!r}")
        warnings = answer.get("warnings")
        info = answer.get("imageinfo")
        key = answer.get("filekey") if result == "Warning" else None
        return UploadResult(
            result=str(result),
            filename=str(answer["filename"]) if answer.get("filename") else None,
            warnings=dict(warnings) if isinstance(warnings, dict) else {},
            filekey=str(key) if key else None,
            imageinfo=dict(info) if isinstance(info, dict) else {},
        )

    # --- simple ---------------------------------------------------------------------------------

    def simple(self) -> UploadResult:
        data = self.path.read_bytes()  # at most DEFAULT_CHUNK_SIZE
        params = {"action": "upload", "filename": self.filename, "text": self.text, "comment": self.comment}
        files = {"file": (self.filename, data, "application/octet-stream")}
        answer = _upload_answer(self.api.post_with_token(params, files))
        self.progress(self.size)
        if self.all_accepted(answer) and not answer.get("filekey"):
            # The wiki could not stash the file for a later commit: send it again, forcing only
            # warnings that were all accepted.
            self.publishing()
            answer = _upload_answer(self.api.post_with_token({**params, "ignorewarnings": True}, files))
        return self.finish(answer)

    # --- chunked --------------------------------------------------------------------------------

    def chunked(self, state: ChunkState) -> UploadResult:
        resumed = state.filekey is not None
        filekey = self.send_chunks(state)
        try:
            answer = self.commit(filekey, ignore=False)
        except ApiError as err:
            if err.code not in STASH_GONE_CODES or not resumed:
                raise
            # A resumed state pointed at an assembled stash file that has expired: upload it all again.
            log.info("stashed upload %s is gone (%s); uploading again", filekey, err.code)
            self.reset(state)
            answer = self.commit(self.send_chunks(state), ignore=False)
        return self.finish(answer)

    def reset(self, state: ChunkState) -> None:
        state.filekey = None
        state.offset = 0
        if self.on_state is not None:
            self.on_state(state)

    def resume(self, state: ChunkState) -> None:
        """Ask the wiki where an interrupted chunked upload really stands; restart when the stash is gone.

        A state with ``offset == size`` holds the key of the assembled file (MediaWiki gives it a new
        key after the last chunk and forgets the chunk session), so it goes straight to the commit.
        """
        if state.filekey is None:
            state.offset = 0
            return
        if state.offset >= self.size:
            return
        try:
            body = self.api.post_with_token(
                {"action": "upload", "checkstatus": True, "filekey": state.filekey}
            )
        except ApiError as err:
            if err.code not in STASH_GONE_CODES:
                raise
            log.info("chunked upload %s cannot resume (%s); starting again", state.filekey, err.code)
            self.reset(state)
            return
        answer = body.get("upload", {})
        offset = answer.get("offset")
        if answer.get("result") == "Continue" and isinstance(offset, int) and 0 < offset < self.size:
            state.offset = offset
        else:
            self.reset(state)

    def send_chunks(self, state: ChunkState) -> str:
        """Send the chunks from ``state.offset`` on; return the filekey of the assembled stash file."""
        self.resume(state)
        resyncs = 0
        with self.path.open("rb") as handle:
            self.progress(state.offset)
            while state.offset < self.size or state.filekey is None:
                try:
                    answer = self.send_chunk(handle, state)
                except ApiError as err:
                    server_offset = err.data.get("offset")
                    if (
                        err.code == "stashfailed"
                        and state.filekey is not None
                        and isinstance(server_offset, int)
                        and 0 < server_offset < self.size
                        and server_offset != state.offset
                        and resyncs < MAX_OFFSET_RESYNCS
                    ):
                        # The wiki has more (or less) than we think, e.g. a chunk whose answer was
                        # lost and that was sent again: continue from where the wiki is.
                        resyncs += 1
                        state.offset = server_offset
                        continue
                    raise
                self.advance(state, answer)
        assert state.filekey is not None
        return state.filekey

    def advance(self, state: ChunkState, answer: Mapping[str, Any]) -> None:
        state.filekey = str(answer["filekey"])
        if answer.get("result") == "Continue":
            offset = int(answer.get("offset", -1))
            if not state.offset < offset < self.size:
                raise UploadError(self.filename, f"chunk offset went from {state.offset} to {offset}")
            state.offset = offset
        elif answer.get("result") == "Success":
            state.offset = self.size
        else:
            raise UploadError(self.filename, f"unexpected chunk result {answer.get('result')!r}")
        if self.on_state is not None:
            self.on_state(state)
        self.progress(state.offset)

    def send_chunk(self, handle: BinaryIO, state: ChunkState) -> dict[str, Any]:
        handle.seek(state.offset)
        data = handle.read(self.chunk_size)
        params: dict[str, object] = {
            "action": "upload",
            "stash": True,
            "filename": self.filename,
            "filesize": self.size,
            "offset": state.offset,
        }
        if state.offset > 0 and state.filekey:
            params["filekey"] = state.filekey
        files = {"chunk": (self.filename, data, "application/octet-stream")}
        # The last chunk makes the wiki assemble the whole file before it answers.
        last = state.offset + len(data) >= self.size
        with self.api.http.slow_reads(assembly_read_timeout(self.size) if last else 0.0):
            answer = _upload_answer(self.api.post_with_token(params, files))
            if answer.get("result") == "Warning":
                # Warnings on a chunk are premature (the file is not assembled yet) and the final
                # commit checks them all again without ignorewarnings, so sending this chunk with
                # ignorewarnings forces nothing.
                answer = _upload_answer(self.api.post_with_token({**params, "ignorewarnings": True}, files))
        if not answer.get("filekey"):
            raise UploadError(self.filename, f"chunk at offset {state.offset} got no filekey")
        return answer
