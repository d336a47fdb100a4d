"""Stream one file version to a temporary file, checking size and SHA-1 on the way.

Why streaming with a cap: files can be gigabytes (Commons allows 5 GiB), a worker must keep O(chunk)
memory, and a hostile wiki could send an endless body. Why the SHA-1: the bytes uploaded to the target
must be exactly the bytes the source wiki describes, or the transfer would silently corrupt history.
Every failure removes the temporary file, so a crashed or refused download leaves nothing behind.
"""

from __future__ import annotations

import errno
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from wikifile_transfer.errors import (
    DiskFullError,
    HttpStatusError,
    Sha1MismatchError,
    SizeMismatchError,
    TooLargeError,
    WikiUnreachableError,
)
from wikifile_transfer.wiki.http import HttpClient

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha1: str


def download(
    http: HttpClient,
    url: str,
    *,
    dest_dir: Path,
    max_bytes: int,
    expected_sha1: str | None = None,
    expected_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = 1 << 16,
) -> Downloaded:
    """Download ``url`` into a ``wft-*`` file in ``dest_dir``; the caller owns (and deletes) the file.

    Raises TooLargeError (before any byte when the size is known up front), Sha1MismatchError,
    SizeMismatchError (only when no SHA-1 was given), HttpStatusError, WikiUnreachableError,
    DiskFullError, SsrfError.
    """
    if expected_size is not None and expected_size > max_bytes:
        raise TooLargeError(expected_size, max_bytes)
    # identity: the SHA-1 and the size cap are about the file's bytes, not a compressed transfer.
    response = http.request("GET", url, stream=True, headers={"Accept-Encoding": "identity"})
    with response:
        if response.status_code != 200:
            raise HttpStatusError(response.status_code, url)
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise TooLargeError(int(length), max_bytes)
        try:
            handle = tempfile.NamedTemporaryFile(dir=dest_dir, prefix="wft-", delete=False)  # noqa: SIM115
        except OSError as err:
            raise _disk_error(err, dest_dir) from err
        path = Path(handle.name)
        try:
            with handle:
                size, sha1 = _stream(
                    response,
                    handle,
                    max_bytes=max_bytes,
                    on_progress=on_progress,
                    chunk_size=chunk_size,
                    url=url,
                    dest_dir=dest_dir,
                )
            if expected_sha1 is not None and sha1 != expected_sha1.strip().lower():
                raise Sha1MismatchError(expected_sha1.lower(), sha1)
            if expected_sha1 is None and expected_size is not None and size != expected_size:
                raise SizeMismatchError(expected_size, size)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return Downloaded(path=path, size=size, sha1=sha1)


def _stream(
    response: requests.Response,
    handle: tempfile._TemporaryFileWrapper[bytes],
    *,
    max_bytes: int,
    on_progress: Callable[[int], None] | None,
    chunk_size: int,
    url: str,
    dest_dir: Path,
) -> tuple[int, str]:
    digest = hashlib.sha1()  # noqa: S324 - MediaWiki identifies file versions by SHA-1; not for security
    size = 0
    try:
        for chunk in response.iter_content(chunk_size):
            size += len(chunk)
            if size > max_bytes:
                raise TooLargeError(f">{max_bytes}", max_bytes)
            digest.update(chunk)
            handle.write(chunk)
            if on_progress is not None:
                on_progress(size)
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as err:
        raise WikiUnreachableError(_host(url), detail=f"download interrupted: {err}") from err
    except OSError as err:
        raise _disk_error(err, dest_dir) from err
    return size, digest.hexdigest()


def _disk_error(err: OSError, dest_dir: Path) -> OSError | DiskFullError:
    """ENOSPC/EDQUOT become DiskFullError (a message for the user); other OS errors stay as they are."""
    if err.errno in DISK_FULL_ERRNOS:
        return DiskFullError(str(dest_dir), detail=str(err))
    return err


def _host(url: str) -> str:
    return urlsplit(url).netloc
