"""upload(): simple and chunked uploads against a small fake MediaWiki (real HTTP, multipart parsing)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from wikifile_transfer.errors import ApiError, UploadError
from wikifile_transfer.wiki import upload as upload_module
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.upload import ChunkState, UploadResult, upload


def error(code: str, text: str = "error", **data: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "text": text}
    if data:
        item["data"] = data
    return {"errors": [item]}


class FakeWiki:
    """Just enough of ApiUpload to exercise the client: stash, chunk sessions, warnings, commits."""

    def __init__(self) -> None:
        self.files: dict[str, list[bytes]] = {}
        self.stash: dict[str, bytes] = {}
        self.sessions: dict[str, bytearray] = {}
        self.requests: list[dict[str, Any]] = []
        self.counter = 0
        self.chunk_warnings = 0  # answer this many chunk requests with a premature warning
        self.stash_on_warning = True
        self.lose_answer_at_offset: int | None = None  # accept the chunk but answer an HTTP 503
        self.checkstatus_answer: dict[str, Any] | None = None
        self.final_chunk_result = "Success"

    def key(self) -> str:
        self.counter += 1
        return f"key{self.counter}.bin"

    def handle(self, request: Request) -> Response:
        if request.method == "GET":
            return Response(
                json.dumps({"query": {"tokens": {"csrftoken": "tok+\\"}}}), content_type="application/json"
            )
        form = request.form.to_dict()
        uploaded = {name: storage.read() for name, storage in request.files.items()}
        self.requests.append({**form, **{f"@{k}": len(v) for k, v in uploaded.items()}})
        answer = self.upload(form, uploaded)
        if isinstance(answer, Response):
            return answer
        return Response(json.dumps(answer), content_type="application/json")

    def upload(self, form: dict[str, str], files: dict[str, bytes]) -> dict[str, Any] | Response:
        assert form["action"] == "upload"
        assert form["token"] == "tok+\\"
        ignore = form.get("ignorewarnings") == "1"
        if form.get("checkstatus"):
            if self.checkstatus_answer is not None:
                return self.checkstatus_answer
            session = self.sessions.get(form["filekey"])
            if session is None:
                return error("missingresult", "No result in status data.")
            return {"upload": {"result": "Continue", "stage": "uploading", "offset": len(session)}}
        name = form["filename"]
        if "chunk" in files:
            return self.chunk(form, files["chunk"], ignore)
        if "file" in files:
            data = files["file"]
            warnings = self.warnings(name, data)
            if warnings and not ignore:
                answer: dict[str, Any] = {"result": "Warning", "warnings": warnings}
                if self.stash_on_warning:
                    key = self.key()
                    self.stash[key] = data
                    answer["filekey"] = key
                return {"upload": answer}
            return self.publish(name, data)
        key = form["filekey"]
        if key not in self.stash:
            return error("stashnosuchfilekey", f"No such filekey: {key}.")
        warnings = self.warnings(name, self.stash[key])
        if warnings and not ignore:
            return {"upload": {"result": "Warning", "warnings": warnings, "filekey": key}}
        return self.publish(name, self.stash.pop(key))

    def chunk(self, form: dict[str, str], data: bytes, ignore: bool) -> dict[str, Any] | Response:
        assert form["stash"] == "1"
        offset, size = int(form["offset"]), int(form["filesize"])
        if self.chunk_warnings and not ignore:
            self.chunk_warnings -= 1
            return {
                "upload": {
                    "result": "Warning",
                    "warnings": {"exists": form["filename"]},
                    "filekey": "partial",
                }
            }
        if offset == 0:
            assert "filekey" not in form
            key = self.key()
            self.sessions[key] = bytearray()
        else:
            key = form["filekey"]
            if key not in self.sessions:
                return error("stashfailed", "No chunked upload session with this key.")
            if len(self.sessions[key]) != offset:
                return error("stashfailed", "Offset mismatch", offset=len(self.sessions[key]))
        session = self.sessions[key]
        session += data
        if self.lose_answer_at_offset == offset:
            self.lose_answer_at_offset = None
            return Response("<html>503</html>", status=503, content_type="text/html")
        if len(session) < size:
            return {"upload": {"result": "Continue", "offset": len(session), "filekey": key}}
        del self.sessions[key]
        assembled = self.key()
        self.stash[assembled] = bytes(session)
        answer: dict[str, Any] = {"result": self.final_chunk_result, "filekey": assembled}
        warnings = self.warnings(form["filename"], bytes(session))
        if warnings:
            answer["warnings"] = warnings
        return {"upload": answer}

    def warnings(self, name: str, data: bytes) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if name in self.files:
            found["exists"] = name
            if self.files[name][-1] == data:
                found["nochange"] = {"timestamp": "2026-11-22T00:00:00Z"}
        dupes = [other for other, versions in self.files.items() if other != name and versions[-1] == data]
        if dupes:
            found["duplicate"] = dupes
        return found

    def publish(self, name: str, data: bytes) -> dict[str, Any]:
        self.files.setdefault(name, []).append(data)
        info = {"size": len(data), "sha1": hashlib.sha1(data).hexdigest()}
        return {"upload": {"result": "Success", "filename": name, "imageinfo": info}}

    def uploads(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if not r.get("checkstatus")]


@pytest.fixture
def wiki(httpserver: HTTPServer) -> FakeWiki:
    fake = FakeWiki()
    httpserver.expect_request("/api.php").respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def api(httpserver: HTTPServer, wiki: FakeWiki) -> ApiClient:
    guard = HostGuard()
    guard.allow_host(httpserver.host, private_ok=True)
    return ApiClient(httpserver.url_for("/api.php"), HttpClient(guard), sleep=lambda s: None)


def make_file(tmp_path: Path, size: int, seed: int = 1, name: str = "f.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(bytes((i * seed + i // 251) % 256 for i in range(size)))
    return path


# --- simple ---------------------------------------------------------------------------------------


def test_simple_upload(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 3000)
    progress: list[tuple[int, int]] = []
    result = upload(
        api, path, "A.png", text="page", comment="first", on_progress=lambda d, t: progress.append((d, t))
    )
    assert result.result == "Success"
    assert result.filename == "A.png"
    assert result.imageinfo["size"] == 3000
    assert result.filekey is None
    assert wiki.files["A.png"] == [path.read_bytes()]
    (sent,) = wiki.requests
    assert sent["@file"] == 3000
    assert sent["text"] == "page"
    assert sent["comment"] == "first"
    assert "ignorewarnings" not in sent
    assert progress == [(3000, 3000)]


def test_simple_upload_warning_is_returned_not_forced(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.files["Other.png"] = [make_file(tmp_path, 100).read_bytes()]
    path = make_file(tmp_path, 100)
    result = upload(api, path, "A.png", text="t", comment="c", accept_warnings={"exists"})
    assert result.result == "Warning"
    assert result.warnings == {"duplicate": ["Other.png"]}
    assert result.filekey in wiki.stash
    assert "A.png" not in wiki.files
    assert all("ignorewarnings" not in r for r in wiki.requests)


def test_simple_upload_accepted_warning_commits_from_filekey(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path
) -> None:
    wiki.files["A.png"] = [b"old version"]
    path = make_file(tmp_path, 500)
    result = upload(
        api, path, "A.png", text="t", comment="new version", accept_warnings=["exists", "duplicateversions"]
    )
    assert result == UploadResult(
        result="Success",
        filename="A.png",
        warnings={},
        filekey=None,
        imageinfo={"size": 500, "sha1": hashlib.sha1(path.read_bytes()).hexdigest()},
    )
    assert wiki.files["A.png"] == [b"old version", path.read_bytes()]
    first, commit = wiki.requests
    assert "ignorewarnings" not in first
    assert commit["ignorewarnings"] == "1"
    assert "@file" not in commit
    assert commit["filekey"] == "key1.bin"


def test_simple_upload_accepted_warning_without_stash_resends(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path
) -> None:
    wiki.files["A.png"] = [b"old"]
    wiki.stash_on_warning = False
    path = make_file(tmp_path, 200)
    result = upload(api, path, "A.png", text="t", comment="c", accept_warnings={"exists"})
    assert result.result == "Success"
    first, again = wiki.requests
    assert "ignorewarnings" not in first
    assert again["ignorewarnings"] == "1"
    assert again["@file"] == 200


def test_partly_accepted_warnings_are_returned(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 200)
    wiki.files["A.png"] = [path.read_bytes()]
    result = upload(api, path, "A.png", text="t", comment="c", accept_warnings={"exists"})
    assert result.result == "Warning"
    assert set(result.warnings) == {"exists", "nochange"}
    assert result.filekey


# --- chunked --------------------------------------------------------------------------------------


def test_chunked_upload(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 10_000)
    states: list[tuple[str | None, int]] = []
    progress: list[int] = []
    result = upload(
        api,
        path,
        "Big.webm",
        text="page",
        comment="c",
        chunk_size=1024,
        on_state=lambda s: states.append((s.filekey, s.offset)),
        on_progress=lambda done, total: progress.append(done),
    )
    assert result.result == "Success"
    assert wiki.files["Big.webm"] == [path.read_bytes()]
    chunks = [r for r in wiki.requests if "@chunk" in r]
    assert len(chunks) == 10
    assert [r["offset"] for r in chunks] == [str(i * 1024) for i in range(10)]
    assert all(r["filesize"] == "10000" for r in chunks)
    assert "filekey" not in chunks[0]
    assert all(r["filekey"] == "key1.bin" for r in chunks[1:])
    assert all("ignorewarnings" not in r for r in wiki.requests)
    assert [o for _, o in states] == [*(i * 1024 for i in range(1, 10)), 10_000]
    assert states[-1][0] == "key2.bin"  # the assembled file has a new key
    commit = wiki.requests[-1]
    assert commit["filekey"] == "key2.bin"
    assert commit["text"] == "page"
    assert "@chunk" not in commit
    assert progress[0] == 0
    assert progress[-1] == 10_000


def test_no_chunk_size_and_big_file_uses_chunks(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_module, "DEFAULT_CHUNK_SIZE", 4000)
    path = make_file(tmp_path, 9000)
    assert upload(api, path, "B.png", text="t", comment="c").result == "Success"
    assert [r.get("@chunk") for r in wiki.requests if "@chunk" in r] == [4000, 4000, 1000]


class Crash(Exception):
    pass


def test_resume_from_state_after_crash(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 10_000, seed=3)
    saved = ChunkState()

    def crash_after_three(state: ChunkState) -> None:
        saved.filekey, saved.offset = state.filekey, state.offset
        if state.offset >= 3072:
            raise Crash

    with pytest.raises(Crash):
        upload(api, path, "R.png", text="t", comment="c", chunk_size=1024, on_state=crash_after_three)
    assert saved == ChunkState(filekey="key1.bin", offset=3072)
    before = len(wiki.requests)

    result = upload(api, path, "R.png", text="t", comment="c", chunk_size=1024, state=saved)
    assert result.result == "Success"
    assert wiki.files["R.png"] == [path.read_bytes()]
    resumed = wiki.requests[before:]
    assert resumed[0]["checkstatus"] == "1"
    assert resumed[0]["filekey"] == "key1.bin"
    offsets = [r["offset"] for r in resumed if "@chunk" in r]
    assert offsets == [str(i * 1024) for i in range(3, 10)]


def test_resume_uses_the_wikis_offset(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    """The wiki got a chunk whose answer (and on_state) never arrived: checkstatus knows better."""
    path = make_file(tmp_path, 5000)
    state = ChunkState()
    with pytest.raises(Crash):
        upload(
            api, path, "R.png", text="t", comment="c", chunk_size=1000, state=state, on_state=_crash_at(2000)
        )
    state.offset = 1000  # the persisted state lags behind the wiki
    result = upload(api, path, "R.png", text="t", comment="c", chunk_size=1000, state=state)
    assert result.result == "Success"
    assert wiki.files["R.png"] == [path.read_bytes()]


def _crash_at(offset: int) -> Any:
    def hook(state: ChunkState) -> None:
        if state.offset >= offset:
            raise Crash

    return hook


def test_resume_with_stash_gone_restarts(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 4000)
    states: list[tuple[str | None, int]] = []
    state = ChunkState(filekey="expired.bin", offset=2000)
    result = upload(
        api,
        path,
        "S.png",
        text="t",
        comment="c",
        chunk_size=1000,
        state=state,
        on_state=lambda s: states.append((s.filekey, s.offset)),
    )
    assert result.result == "Success"
    assert states[0] == (None, 0)
    assert [r["offset"] for r in wiki.requests if "@chunk" in r] == ["0", "1000", "2000", "3000"]


def test_resume_with_unexpected_checkstatus_restarts(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.checkstatus_answer = {"upload": {"result": "Poll", "stage": "queued"}}
    path = make_file(tmp_path, 2000)
    result = upload(api, path, "S.png", text="t", comment="c", chunk_size=1000, state=ChunkState("k", 1000))
    assert result.result == "Success"
    assert [r["offset"] for r in wiki.requests if "@chunk" in r] == ["0", "1000"]


def test_resume_checkstatus_other_error_propagates(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.checkstatus_answer = error("internal_api_error_DBQueryError", "db")
    path = make_file(tmp_path, 2000)
    with pytest.raises(ApiError) as err:
        upload(api, path, "S.png", text="t", comment="c", chunk_size=1000, state=ChunkState("k", 1000))
    assert err.value.code == "internal_api_error_DBQueryError"


def test_resume_of_assembled_file_goes_straight_to_commit(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path
) -> None:
    path = make_file(tmp_path, 3000)
    wiki.stash["assembled.bin"] = path.read_bytes()
    state = ChunkState(filekey="assembled.bin", offset=3000)
    result = upload(api, path, "D.png", text="t", comment="c", chunk_size=1000, state=state)
    assert result.result == "Success"
    (commit,) = wiki.requests
    assert commit["filekey"] == "assembled.bin"


def test_resume_of_expired_assembled_file_uploads_again(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path
) -> None:
    path = make_file(tmp_path, 3000)
    state = ChunkState(filekey="gone.bin", offset=3000)
    result = upload(api, path, "D.png", text="t", comment="c", chunk_size=1000, state=state)
    assert result.result == "Success"
    assert wiki.files["D.png"] == [path.read_bytes()]
    assert wiki.requests[0]["filekey"] == "gone.bin"
    assert [r["offset"] for r in wiki.requests if "@chunk" in r] == ["0", "1000", "2000"]


def test_fresh_commit_stash_error_is_not_retried(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 2000)
    wiki.final_chunk_result = "Success"
    original = wiki.publish

    def vanish(name: str, data: bytes) -> dict[str, Any]:
        return error("stashfailed", "gone")

    wiki.publish = vanish  # type: ignore[method-assign]
    with pytest.raises(ApiError) as err:
        upload(api, path, "E.png", text="t", comment="c", chunk_size=1000)
    assert err.value.code == "stashfailed"
    wiki.publish = original  # type: ignore[method-assign]
    assert len([r for r in wiki.requests if "@chunk" in r]) == 2


def test_chunked_duplicate_warning_returned_with_filekey(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path
) -> None:
    path = make_file(tmp_path, 3000)
    wiki.files["Same.png"] = [path.read_bytes()]
    result = upload(api, path, "New.png", text="t", comment="c", chunk_size=1000, accept_warnings={"exists"})
    assert result.result == "Warning"
    assert result.warnings == {"duplicate": ["Same.png"]}
    assert result.filekey is not None
    assert wiki.stash[result.filekey] == path.read_bytes()
    assert "New.png" not in wiki.files


def test_chunked_accepted_exists_warning(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 3000)
    wiki.files["V.png"] = [b"version one"]
    result = upload(api, path, "V.png", text="t", comment="v2", chunk_size=1000, accept_warnings={"exists"})
    assert result.result == "Success"
    assert wiki.files["V.png"] == [b"version one", path.read_bytes()]
    commits = [r for r in wiki.requests if "@chunk" not in r]
    assert ["ignorewarnings" in r for r in commits] == [False, True]


@pytest.mark.parametrize(("chunk_size", "stash"), [(None, True), (None, False), (1000, True)])
def test_before_publish_runs_right_before_the_forcing_request(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path, chunk_size: int | None, stash: bool
) -> None:
    """A new version: its bytes reach the wiki first; the hook (the executor's wait for a new second)
    runs only before the request that makes them a version."""
    wiki.files["V.png"] = [b"version one"]
    wiki.stash_on_warning = stash
    path = make_file(tmp_path, 3000)
    seen: list[int] = []
    result = upload(
        api, path, "V.png", text="t", comment="v2", chunk_size=chunk_size, accept_warnings={"exists"},
        before_publish=lambda: seen.append(len(wiki.requests)),
    )  # fmt: skip
    assert result.result == "Success"
    (at,) = seen
    assert "ignorewarnings" not in wiki.requests[at - 1] and wiki.requests[at]["ignorewarnings"] == "1"
    assert at == len(wiki.requests) - 1


def test_before_publish_is_not_called_without_warnings(
    api: ApiClient, wiki: FakeWiki, tmp_path: Path
) -> None:
    seen: list[str] = []
    upload(
        api,
        make_file(tmp_path, 300),
        "New.png",
        text="t",
        comment="c",
        before_publish=lambda: seen.append("x"),
    )
    assert seen == []


def test_premature_chunk_warning_is_sent_again(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.chunk_warnings = 1
    path = make_file(tmp_path, 2000)
    result = upload(api, path, "W.png", text="t", comment="c", chunk_size=1000)
    assert result.result == "Success"
    first, again = wiki.requests[0], wiki.requests[1]
    assert first["offset"] == again["offset"] == "0"
    assert again["ignorewarnings"] == "1"
    commit = wiki.requests[-1]
    assert "ignorewarnings" not in commit  # the commit still checks every warning


def test_lost_chunk_answer_resyncs_offset(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    """The wiki stored the chunk at 1000 but answered 503; the retry is refused with the real offset."""
    wiki.lose_answer_at_offset = 1000
    path = make_file(tmp_path, 4000)
    result = upload(api, path, "L.png", text="t", comment="c", chunk_size=1000)
    assert result.result == "Success"
    assert wiki.files["L.png"] == [path.read_bytes()]
    assert [r["offset"] for r in wiki.requests if "@chunk" in r] == ["0", "1000", "1000", "2000", "3000"]


def test_chunk_error_without_offset_propagates(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    path = make_file(tmp_path, 3000)

    def broken(form: dict[str, str], data: bytes, ignore: bool) -> dict[str, Any]:
        return error("stashfailed", "Could not store upload in the stash")

    wiki.chunk = broken  # type: ignore[method-assign]
    with pytest.raises(ApiError):
        upload(api, path, "X.png", text="t", comment="c", chunk_size=1000)


def test_unexpected_final_chunk_result(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.final_chunk_result = "Poll"
    path = make_file(tmp_path, 2000)
    with pytest.raises(UploadError):
        upload(api, path, "P.png", text="t", comment="c", chunk_size=1000)


def test_chunk_answer_without_filekey(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.chunk = lambda form, data, ignore: {"upload": {"result": "Continue", "offset": 1000}}  # type: ignore[method-assign]
    with pytest.raises(UploadError):
        upload(api, make_file(tmp_path, 2000), "P.png", text="t", comment="c", chunk_size=1000)


def test_chunk_offset_going_backwards(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.chunk = lambda form, data, ignore: {"upload": {"result": "Continue", "offset": 0, "filekey": "k"}}  # type: ignore[method-assign]
    with pytest.raises(UploadError):
        upload(api, make_file(tmp_path, 2000), "P.png", text="t", comment="c", chunk_size=1000)


def test_answer_without_upload_key(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.upload = lambda form, files: {"nothing": True}  # type: ignore[method-assign]
    with pytest.raises(UploadError):
        upload(api, make_file(tmp_path, 10), "P.png", text="t", comment="c")


def test_unexpected_final_result(api: ApiClient, wiki: FakeWiki, tmp_path: Path) -> None:
    wiki.upload = lambda form, files: {"upload": {"result": "Failure"}}  # type: ignore[method-assign]
    with pytest.raises(UploadError):
        upload(api, make_file(tmp_path, 10), "P.png", text="t", comment="c")


def test_bad_chunk_size(api: ApiClient, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        upload(api, make_file(tmp_path, 10), "P.png", text="t", comment="c", chunk_size=0)
