"""A fault-injecting HTTP reverse proxy in front of one testbed wiki, for tests and benchmarks.

Why: a real wiki behind a load balancer fails in ways the testbed's PHP server never does by itself:
an HTML "502 Bad Gateway" page instead of API JSON, a connection accepted and never answered, a
connection closed without an answer, slow answers. The client must meet each with a typed error after
bounded retries, and succeed when the wiki comes back. This proxy produces them on demand, and counts
the requests it sees (the benchmarks of issue 8 count API requests per file with it).

    from testbed.faultproxy import FaultProxy

    with FaultProxy("http://127.0.0.1:8081/") as proxy:      # listens on 127.0.0.1, a free port
        api = proxy.api_url                                   # http://127.0.0.1:PORT/api.php
        proxy.html_error(502)          # every request gets an HTML 502 page, as nginx sends it
        proxy.hang()                   # accept, read the request, never answer (client times out)
        proxy.close_connections()      # read the request, close the connection without an answer
        proxy.pass_through()           # forward again
        proxy.fail_next(2, "html")     # the next 2 requests fail, then requests pass
        proxy.latency(0.5)             # every request waits 0.5 s first (on top of any mode)
        proxy.by_action["query"], proxy.by_path["/api.php"], proxy.total

As a pytest fixture: ``fault_proxy`` in tests/conftest.py (``fault_proxy("src")`` → a started proxy in
front of that testbed wiki, stopped after the test).

Request and response bodies are streamed in 64 KiB blocks both ways (``Content-Length`` or chunked),
so uploads of tens of MB pass without being held in memory; only the first block of a POST is looked
at, to count its ``action``.

**Only requests sent to the proxy go through it.** Every URL the wiki itself writes points at the
wiki's own server (``$wgServer``), not at the proxy: imageinfo ``url`` (file downloads), the EditURI
link in pages, ``page_url``. Configure the client with the proxy's *api.php* URL
(:attr:`FaultProxy.api_url`), not a page URL: discovery would follow the EditURI link to the wiki
itself and bypass the proxy. Downloads of file versions therefore bypass it too; put a second proxy in
front of the wiki's images if a test needs those to fail.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["MODES", "FaultProxy", "RequestRecord"]

BLOCK = 64 * 1024
MODES = ("pass", "html", "hang", "close")
"""pass: forward; html: an HTML error page (status 502 unless told); hang: never answer; close: close
the connection without an answer."""

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
ERROR_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_MULTIPART_ACTION = re.compile(rb'name="action"\r\n(?:[^\r\n]*\r\n)*?\r\n([^\r\n]*)')


@dataclass(frozen=True)
class RequestRecord:
    """One request the proxy saw: what was asked and what the proxy did with it."""

    method: str
    path: str
    action: str
    mode: str  # the mode applied: pass, html, hang or close
    at: float


class _Body:
    """The request body as a stream of blocks (``Content-Length`` or chunked), read once."""

    def __init__(self, rfile: Any, headers: Any) -> None:
        self.rfile = rfile
        self.chunked = "chunked" in str(headers.get("Transfer-Encoding", "")).lower()
        try:
            self.length = 0 if self.chunked else max(0, int(headers.get("Content-Length") or 0))
        except ValueError:
            self.length = 0
        self.remaining = self.length
        self._first: bytes | None = None
        self._blocks = self._read()

    @property
    def present(self) -> bool:
        return self.chunked or self.length > 0

    def first(self) -> bytes:
        """The first block (kept, and sent again by :meth:`blocks`): enough to find the ``action``."""
        if self._first is None:
            self._first = next(self._blocks, b"")
        return self._first

    def blocks(self) -> Iterator[bytes]:
        first = self.first()
        if first:
            yield first
        yield from self._blocks

    def drain(self) -> None:
        for _ in self.blocks():
            pass

    def _read(self) -> Iterator[bytes]:
        if not self.chunked:
            while self.remaining > 0:
                data = self.rfile.read(min(BLOCK, self.remaining))
                if not data:
                    return
                self.remaining -= len(data)
                yield data
            return
        while True:
            line = self.rfile.readline(1024)
            if not line:
                return
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            left = size
            while left > 0:
                data = self.rfile.read(min(BLOCK, left))
                if not data:
                    return
                left -= len(data)
                yield data
            self.rfile.readline(16)  # the CRLF after the chunk


def _action(method: str, path: str, content_type: str, first: bytes) -> str:
    """The API ``action`` of a request: from the query string, or the start of a POST body."""
    query = parse_qs(urlsplit(path).query)
    if "action" in query:
        return query["action"][-1]
    if method != "POST" or not first:
        return ""
    if "multipart/form-data" in content_type:
        match = _MULTIPART_ACTION.search(first)
        return match.group(1).decode("utf-8", "replace") if match else ""
    if "application/x-www-form-urlencoded" in content_type:
        # Only the first block is looked at: the client sends ``action`` near the start.
        fields = parse_qs(first.decode("utf-8", "replace"))
        return fields.get("action", [""])[-1]
    return ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    _answering = False

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the proxy's own log is :attr:`FaultProxy.records`."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = _Body(self.rfile, self.headers)
        action = _action(self.command, self.path, self.headers.get("Content-Type", ""), body.first())
        mode, status, delay = proxy._decide(self.command, self.path, action)
        if delay > 0:
            time.sleep(delay)
        if mode == "hang":
            body.drain()
            proxy._release.wait(proxy.hang_max)  # until the client gives up, or the proxy stops
            self.close_connection = True
            return
        if mode == "close":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "html":
            body.drain()
            self._error_page(status)
            return
        self._answering = False
        try:
            self._forward(body)
        except (OSError, http.client.HTTPException):
            # The wiki is down or broke off: a gateway says 502 if it has not started answering yet.
            self.close_connection = True
            if not self._answering:
                with contextlib.suppress(OSError):
                    self._error_page(502)

    def _error_page(self, status: int) -> None:
        reason = REASONS.get(status, "Error")
        page = ERROR_PAGE.format(status=status, reason=reason).encode()
        self.send_response_only(status, reason)
        self.send_header("Server", "nginx")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(page)

    def _forward(self, body: _Body) -> None:
        proxy = self.server.proxy
        conn = http.client.HTTPConnection(
            proxy.upstream_host, proxy.upstream_port, timeout=proxy.upstream_timeout
        )
        try:
            conn.putrequest(
                self.command, proxy.upstream_prefix + self.path, skip_host=True, skip_accept_encoding=True
            )
            conn.putheader("Host", proxy.upstream_netloc)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP and name.lower() not in ("host", "content-length"):
                    conn.putheader(name, value)
            if body.chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            elif body.present:
                conn.putheader("Content-Length", str(body.length))
            conn.putheader("Connection", "close")
            conn.endheaders()
            for block in body.blocks():
                conn.send(b"%x\r\n%s\r\n" % (len(block), block) if body.chunked else block)
            if body.chunked:
                conn.send(b"0\r\n\r\n")
            response = conn.getresponse()
            self._relay(response)
        finally:
            conn.close()

    def _relay(self, response: http.client.HTTPResponse) -> None:
        self._answering = True
        self.send_response_only(response.status, response.reason)
        length = response.getheader("Content-Length")
        no_body = self.command == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        if no_body:
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            return
        if length is not None:
            self.send_header("Content-Length", length)
            self.end_headers()
            while block := response.read(BLOCK):
                self.wfile.write(block)
            return
        # Unknown length (the upstream sent chunks or closed to end): pass it on in chunks.
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while block := response.read1(BLOCK):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
        self.wfile.write(b"0\r\n\r\n")


class FaultProxy:
    """A reverse proxy on 127.0.0.1 (a free port unless ``port``) in front of ``upstream`` (http only).

    Thread-safe switches; the counters (``total``, ``by_path``, ``by_action``, ``records``) count every
    request the proxy received, whatever it did with it. ``hang_max`` bounds how long a hung request
    is held when the client does not time out by itself.
    """

    def __init__(
        self,
        upstream: str,
        *,
        port: int = 0,
        hang_max: float = 300.0,
        upstream_timeout: float = 300.0,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream = upstream
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_netloc = parts.netloc
        self.upstream_prefix = parts.path.rstrip("/")
        self.hang_max = hang_max
        self.upstream_timeout = upstream_timeout
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._mode = "pass"
        self._status = 502
        self._latency = 0.0
        self._fail_left = 0
        self._fail_mode = "html"
        self._fail_status = 502
        self.records: list[RequestRecord] = []
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The proxy's root URL: ``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        """The wiki's api.php through the proxy (what a client should be configured with)."""
        return f"http://127.0.0.1:{self.port}/api.php"

    def start(self) -> FaultProxy:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, release hung requests, close the socket."""
        self._release.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- switches ---------------------------------------------------------------------------------

    def set_mode(self, mode: str, *, status: int = 502) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        with self._lock:
            self._mode, self._status, self._fail_left = mode, status, 0

    def pass_through(self) -> None:
        self.set_mode("pass")

    def html_error(self, status: int = 502) -> None:
        """Answer every request with an HTML error page (``status``; 200 gives a non-JSON "success")."""
        self.set_mode("html", status=status)

    def hang(self) -> None:
        """Accept and read each request, never answer (until ``hang_max`` or :meth:`stop`)."""
        self.set_mode("hang")

    def close_connections(self) -> None:
        """Read each request, then close its connection without an answer."""
        self.set_mode("close")

    def latency(self, seconds: float) -> None:
        """Delay every request by ``seconds`` before anything else happens to it (0 turns it off)."""
        with self._lock:
            self._latency = max(0.0, seconds)

    def fail_next(self, count: int, mode: str = "html", *, status: int = 502) -> None:
        """The next ``count`` requests get ``mode``; after them the proxy passes requests through."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        with self._lock:
            self._mode = "pass"
            self._fail_left, self._fail_mode, self._fail_status = count, mode, status

    @property
    def mode(self) -> str:
        with self._lock:
            return self._fail_mode if self._fail_left > 0 else self._mode

    def _decide(self, method: str, path: str, action: str) -> tuple[str, int, float]:
        with self._lock:
            if self._fail_left > 0:
                self._fail_left -= 1
                mode, status = self._fail_mode, self._fail_status
            else:
                mode, status = self._mode, self._status
            self.records.append(RequestRecord(method, urlsplit(path).path, action, mode, time.monotonic()))
            return mode, status, self._latency

    # --- counters ---------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        with self._lock:
            return len(self.records)

    @property
    def by_path(self) -> Counter[str]:
        with self._lock:
            return Counter(r.path for r in self.records)

    @property
    def by_action(self) -> Counter[str]:
        with self._lock:
            return Counter(r.action for r in self.records)

    def count(self, *, mode: str | None = None, action: str | None = None) -> int:
        """Requests seen, optionally only those answered with ``mode`` and/or of ``action``."""
        with self._lock:
            return sum(
                1
                for r in self.records
                if (mode is None or r.mode == mode) and (action is None or r.action == action)
            )

    def reset_counts(self) -> None:
        with self._lock:
            self.records.clear()
