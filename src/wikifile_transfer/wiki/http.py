"""The one HTTP client every wiki request goes through.

Why a wrapper around ``requests.Session``: Wikimedia blocks clients without a descriptive User-Agent,
image URLs from third-party wikis are attacker-controlled (SSRF), and benchmarks need to count
requests. Doing it here once means no caller can forget any of it. Redirects are followed by hand so
that every hop is checked by the guard, and every socket is checked again after it connects.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from wikifile_transfer import __version__
from wikifile_transfer.errors import HttpStatusError, SsrfError, WikiUnreachableError
from wikifile_transfer.wiki.guard import HostGuard

log = logging.getLogger(__name__)

DEFAULT_CONTACT = "https://github.com/wikifile-transfer/wikifile-transfer"
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie"})


def user_agent(contact: str | None = None) -> str:
    """The User-Agent the Wikimedia policy asks for: ``name/version (contact) library/version``."""
    return f"wikifile-transfer/{__version__} ({contact or DEFAULT_CONTACT}) requests/{requests.__version__}"


@dataclass
class RequestStats:
    """Counts of HTTP requests actually sent (each redirect hop counts), read by the benchmarks."""

    total: int = 0
    by_host: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            self.total += 1
            self.by_host[host] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.by_host)


PROCESS_STATS = RequestStats()
"""Every request of every HttpClient of this process (the benchmark reads it at the end of a run)."""


def _guarded_pools(guard: HostGuard) -> dict[str, type[HTTPConnectionPool]]:
    """Connection-pool classes whose sockets are checked by ``guard`` right after they connect.

    check_url resolves the name, but the connection resolves it again: a DNS answer that changes in
    between (rebinding) would slip past. Checking the socket's peer address closes that gap without
    pinning IPs (which would break TLS SNI and certificate checks).
    """

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> Any:
            sock = super()._new_conn()
            try:
                guard.check_peer(self.host, str(sock.getpeername()[0]))
            except SsrfError:
                sock.close()
                raise
            return sock

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> Any:
            sock = super()._new_conn()
            try:
                guard.check_peer(self.host, str(sock.getpeername()[0]))
            except SsrfError:
                sock.close()
                raise
            return sock

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections are checked by a HostGuard (see ``_guarded_pools``)."""

    def __init__(self, guard: HostGuard) -> None:
        self._guard = guard
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pools(self._guard)


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """Auth hook that adds nothing: overrides the session's auth on a hop to another host."""
    return request


class HttpClient:
    """One per process or user: polite, guarded, counted HTTP.

    ``request`` returns the final response whatever its status (callers decide what a 404 means) and
    turns network failures into WikiUnreachableError and forbidden targets into SsrfError.
    """

    def __init__(
        self,
        guard: HostGuard | None = None,
        *,
        contact: str | None = None,
        timeout: tuple[float, float] = (10, 60),
        session: requests.Session | None = None,
    ) -> None:
        self.guard = guard or HostGuard()
        self.timeout = timeout
        self._local = threading.local()  # slow_reads() of this thread (one client serves many threads)
        self.stats = RequestStats()
        self.session = session or requests.Session()
        # Never route wiki traffic through a proxy from the environment (loopback testbeds, secrets).
        self.session.trust_env = False
        self.session.headers["User-Agent"] = user_agent(contact)
        self.session.headers["Accept-Encoding"] = "gzip"
        adapter = GuardedAdapter(self.guard)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @contextmanager
    def slow_reads(self, read_seconds: float) -> Iterator[None]:
        """Requests of this thread wait up to ``read_seconds`` for an answer (never less than usual).

        For the few requests whose work on the wiki grows with the file: the last chunk of a chunked
        upload and the commit, where MediaWiki assembles and verifies the whole file before it answers
        (a 1 GiB file took over a minute on a busy testbed, past the usual read timeout; the upload then
        looked failed although it went on)."""
        previous = getattr(self._local, "read", None)
        self._local.read = max(read_seconds, self.timeout[1], previous or 0.0)
        try:
            yield
        finally:
            self._local.read = previous

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        stream: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request, following up to MAX_REDIRECTS redirects, each hop checked by the guard."""
        method = method.upper()
        first_host = urlsplit(url).netloc.lower()
        hop_headers = dict(headers or {})
        for _hop in range(MAX_REDIRECTS + 1):
            self.guard.check_url(url)
            other_host = urlsplit(url).netloc.lower() != first_host
            response = self._send(
                method,
                url,
                params=params,
                data=data,
                files=files,
                stream=stream,
                headers=hop_headers,
                auth=_no_auth if other_host else None,
            )
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            response.close()
            url = urljoin(response.url or url, location)
            params = None  # the Location carries its own query string
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                # What browsers do: the body is not sent again, the method becomes GET.
                method, data, files = "GET", None, None
            if urlsplit(url).netloc.lower() != first_host:
                hop_headers = {k: v for k, v in hop_headers.items() if k.lower() not in CREDENTIAL_HEADERS}
            log.debug("redirect %s -> %s", response.status_code, url)
        raise HttpStatusError(response.status_code, url, detail=f"more than {MAX_REDIRECTS} redirects")

    def _timeout(self) -> tuple[float, float]:
        read = getattr(self._local, "read", None)
        return (self.timeout[0], read) if read is not None else self.timeout

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        stream: bool,
        headers: Mapping[str, str],
        auth: Callable[[requests.PreparedRequest], requests.PreparedRequest] | None,
    ) -> requests.Response:
        host = urlsplit(url).netloc
        self.stats.record(url)
        PROCESS_STATS.record(url)
        try:
            return self.session.request(
                method,
                url,
                params=params,
                data=data,
                files=files,
                stream=stream,
                headers=dict(headers),
                auth=auth,
                timeout=self._timeout(),
                allow_redirects=False,
            )
        except requests.Timeout as err:
            raise WikiUnreachableError(host, detail=f"timeout: {err}") from err
        except requests.ConnectionError as err:
            raise WikiUnreachableError(host, detail=f"connection: {err}") from err
