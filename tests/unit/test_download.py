"""download(): streaming, size cap, SHA-1, and no temporary file left behind on any failure."""

from __future__ import annotations

import errno
import hashlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
import urllib3
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from wikifile_transfer.errors import (
    DiskFullError,
    HttpStatusError,
    Sha1MismatchError,
    SizeMismatchError,
    SsrfError,
    TooLargeError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki import download as download_module
from wikifile_transfer.wiki.download import Downloaded, download
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient

DATA = bytes(range(256)) * 1000  # 256 000 bytes
SHA1 = hashlib.sha1(DATA).hexdigest()


@pytest.fixture
def http(httpserver: HTTPServer) -> HttpClient:
    guard = HostGuard()
    guard.allow_host(httpserver.host, private_ok=True)
    return HttpClient(guard)


def leftovers(directory: Path) -> list[Path]:
    return sorted(directory.glob("wft-*"))


def test_streams_to_temp_file_with_sha1_and_progress(
    httpserver: HTTPServer, http: HttpClient, tmp_path: Path
) -> None:
    httpserver.expect_request("/f.png").respond_with_data(DATA, content_type="image/png")
    seen: list[int] = []
    result = download(
        http,
        httpserver.url_for("/f.png"),
        dest_dir=tmp_path,
        max_bytes=len(DATA),
        expected_sha1=SHA1.upper(),
        expected_size=len(DATA),
        on_progress=seen.append,
        chunk_size=1 << 14,
    )
    assert result == Downloaded(path=result.path, size=len(DATA), sha1=SHA1)
    assert result.path.parent == tmp_path
    assert result.path.name.startswith("wft-")
    assert result.path.read_bytes() == DATA
    assert seen[-1] == len(DATA)
    assert len(seen) >= len(DATA) // (1 << 14)
    assert httpserver.log[0][0].headers["Accept-Encoding"] == "identity"


def test_chunked_transfer_without_content_length(
    httpserver: HTTPServer, http: HttpClient, tmp_path: Path
) -> None:
    def stream(request: Request) -> Response:
        return Response((DATA[i : i + 5000] for i in range(0, len(DATA), 5000)), direct_passthrough=True)

    httpserver.expect_request("/s").respond_with_handler(stream)
    result = download(http, httpserver.url_for("/s"), dest_dir=tmp_path, max_bytes=10**9, expected_sha1=SHA1)
    assert result.size == len(DATA)


def test_expected_size_over_cap_needs_no_request(
    http: HttpClient, httpserver: HTTPServer, tmp_path: Path
) -> None:
    with pytest.raises(TooLargeError) as err:
        download(http, httpserver.url_for("/big"), dest_dir=tmp_path, max_bytes=10, expected_size=11)
    assert err.value.params == ("11", "10")
    assert http.stats.total == 0
    assert leftovers(tmp_path) == []


def test_content_length_over_cap(httpserver: HTTPServer, http: HttpClient, tmp_path: Path) -> None:
    httpserver.expect_request("/big").respond_with_data(DATA)
    with pytest.raises(TooLargeError) as err:
        download(http, httpserver.url_for("/big"), dest_dir=tmp_path, max_bytes=1000)
    assert err.value.params == (str(len(DATA)), "1000")
    assert leftovers(tmp_path) == []


def test_streamed_body_over_cap_is_stopped(httpserver: HTTPServer, http: HttpClient, tmp_path: Path) -> None:
    sent: list[int] = []

    def endless() -> Iterator[bytes]:
        for _ in range(10_000):
            sent.append(1)
            yield b"x" * 4096

    httpserver.expect_request("/endless").respond_with_handler(
        lambda request: Response(endless(), direct_passthrough=True)
    )
    with pytest.raises(TooLargeError):
        download(http, httpserver.url_for("/endless"), dest_dir=tmp_path, max_bytes=50_000, chunk_size=4096)
    assert leftovers(tmp_path) == []
    assert len(sent) < 10_000


def test_sha1_mismatch_removes_file(httpserver: HTTPServer, http: HttpClient, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(DATA)
    with pytest.raises(Sha1MismatchError) as err:
        download(http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9, expected_sha1="0" * 40)
    assert err.value.params == ("0" * 40, SHA1)
    assert leftovers(tmp_path) == []


def test_size_mismatch_without_sha1(httpserver: HTTPServer, http: HttpClient, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(DATA)
    with pytest.raises(SizeMismatchError) as err:
        download(
            http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9, expected_size=len(DATA) + 1
        )
    assert err.value.key == "wft-error-size-mismatch"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("status", [404, 403, 500])
def test_http_error(httpserver: HTTPServer, http: HttpClient, tmp_path: Path, status: int) -> None:
    httpserver.expect_request("/f").respond_with_data("nope", status=status)
    with pytest.raises(HttpStatusError) as err:
        download(http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9)
    assert err.value.params[0] == str(status)
    assert leftovers(tmp_path) == []


def test_redirect_to_metadata_service_is_refused(
    httpserver: HTTPServer, http: HttpClient, tmp_path: Path
) -> None:
    httpserver.expect_request("/f").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    with pytest.raises(SsrfError):
        download(http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9)
    assert leftovers(tmp_path) == []


class _FullDisk:
    """Wraps the real temporary file; every write fails with ENOSPC."""

    def __init__(self, real: Any, code: int = errno.ENOSPC) -> None:
        self._real = real
        self.name = real.name
        self._code = code

    def write(self, data: bytes) -> int:
        raise OSError(self._code, "No space left on device")

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()


def test_disk_full_during_write(
    httpserver: HTTPServer, http: HttpClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tempfile.NamedTemporaryFile
    monkeypatch.setattr(download_module.tempfile, "NamedTemporaryFile", lambda **kw: _FullDisk(real(**kw)))
    httpserver.expect_request("/f").respond_with_data(DATA)
    with pytest.raises(DiskFullError) as err:
        download(http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9)
    assert err.value.params == (str(tmp_path),)
    assert leftovers(tmp_path) == []


def test_other_os_error_during_write_is_not_disk_full(
    httpserver: HTTPServer, http: HttpClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tempfile.NamedTemporaryFile
    monkeypatch.setattr(
        download_module.tempfile, "NamedTemporaryFile", lambda **kw: _FullDisk(real(**kw), code=errno.EIO)
    )
    httpserver.expect_request("/f").respond_with_data(DATA)
    with pytest.raises(OSError) as err:
        download(http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9)
    assert not isinstance(err.value, DiskFullError)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("code", "expected"), [(errno.ENOSPC, DiskFullError), (errno.EACCES, PermissionError)]
)
def test_temp_file_cannot_be_created(
    httpserver: HTTPServer,
    http: HttpClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    expected: type[BaseException],
) -> None:
    def fail(**kwargs: object) -> None:
        raise OSError(code, "nope") if code != errno.EACCES else PermissionError(code, "nope")

    monkeypatch.setattr(download_module.tempfile, "NamedTemporaryFile", fail)
    httpserver.expect_request("/f").respond_with_data(DATA)
    with pytest.raises(expected):
        download(http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9)


def test_interrupted_body_is_unreachable_and_cleaned(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = False

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            if not self.sent:
                self.sent = True
                buffer[:3] = b"abc"
                return 3
            raise urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead")

    guard = HostGuard(resolver=lambda host, port: ["208.80.154.224"])
    http = HttpClient(guard)
    url = "https://upload.wikimedia.org/a.png"
    with responses.RequestsMock() as rsps:
        rsps.get(url, body=io.BufferedReader(Broken()), auto_calculate_content_length=False)
        with pytest.raises(WikiUnreachableError) as err:
            download(http, url, dest_dir=tmp_path, max_bytes=10**9, chunk_size=3)
    assert err.value.params == ("upload.wikimedia.org",)
    assert leftovers(tmp_path) == []


def test_callback_exception_cleans_up(httpserver: HTTPServer, http: HttpClient, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(DATA)

    def cancel(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download(http, httpserver.url_for("/f"), dest_dir=tmp_path, max_bytes=10**9, on_progress=cancel)
    assert leftovers(tmp_path) == []
