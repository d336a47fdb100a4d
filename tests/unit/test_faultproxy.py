"""The fault proxy (testbed/faultproxy.py) in front of a small local HTTP server: streaming both ways
with flat memory, the framings it relays, what it does when the upstream is gone, and its switches.
In front of a real wiki: tests/integration/test_faultproxy_testbed.py."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psutil
import pytest
import requests
from testbed.faultproxy import FaultProxy, _action
from testbed.tbclient import new_session

MB = 1024 * 1024
BIG = 64 * MB


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        total = 0
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            while (size := int(self.rfile.readline().strip(), 16)) > 0:
                total += len(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", 0))
            while left:
                left -= len(self.rfile.read(min(left, 1 << 16)))
                total = int(self.headers["Content-Length"]) - left
        self._send(f"{total} {self.headers.get('X-Test', '')}".encode())

    def do_GET(self) -> None:
        if self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            block = b"x" * MB
            for _ in range(BIG // MB):
                self.wfile.write(block)
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/until-close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end")
            self.close_connection = True
        elif self.path == "/nothing":
            self.send_response(204)
            self.end_headers()
        else:
            self._send(b"path " + self.path.encode() + b" host " + self.headers["Host"].encode())

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1234")
        self.end_headers()

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Keep-Alive", "timeout=5")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: str) -> Iterator[FaultProxy]:
    with FaultProxy(upstream + "/") as running:
        yield running


class PeakRss:
    """The highest resident memory of this process while the block runs, sampled every 2 ms (a body
    held whole for a moment and freed right after would not show in a reading taken after it)."""

    def __enter__(self) -> PeakRss:
        self.process = psutil.Process()
        self.start = self.peak = int(self.process.memory_info().rss)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.002):
            self.peak = max(self.peak, int(self.process.memory_info().rss))

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start


def test_upload_is_streamed(proxy: FaultProxy) -> None:
    block = b"y" * MB

    def body() -> Iterator[bytes]:
        for _ in range(BIG // MB):
            yield block

    session = new_session()
    with PeakRss() as memory:
        chunked = session.post(proxy.url + "up", data=body(), timeout=60)
    assert chunked.text == f"{BIG} "
    assert memory.growth < 24 * MB, "the proxy holds blocks, not the body"
    sized = session.post(proxy.url + "up", data=b"z" * (3 * MB), headers={"X-Test": "kept"}, timeout=60)
    assert sized.text == f"{3 * MB} kept"


def test_download_is_streamed(proxy: FaultProxy) -> None:
    received = 0
    with PeakRss() as memory, new_session().get(proxy.url + "big", stream=True, timeout=60) as response:
        assert int(response.headers["Content-Length"]) == BIG
        for part in response.iter_content(1 << 16):
            received += len(part)
    assert received == BIG
    assert memory.growth < 24 * MB


def test_framings_are_relayed(proxy: FaultProxy, upstream: str) -> None:
    session = new_session()
    chunked = session.get(proxy.url + "chunked", timeout=10)
    assert chunked.text == "hello chunked world"
    assert session.get(proxy.url + "until-close", timeout=10).text == "until the end"
    assert session.get(proxy.url + "nothing", timeout=10).status_code == 204
    head = session.head(proxy.url + "x", timeout=10)
    assert head.headers["Content-Length"] == "1234"
    plain = session.get(proxy.url + "some/path?q=1", timeout=10)
    assert plain.text == f"path /some/path?q=1 host {upstream.split('//')[1]}"
    assert "Keep-Alive" not in plain.headers, "hop-by-hop headers are not passed on"
    assert proxy.by_path["/some/path"] == 1


def test_a_path_prefix_of_the_upstream_is_kept(upstream: str) -> None:
    with FaultProxy(upstream + "/w/") as proxy:
        assert new_session().get(proxy.url + "api.php", timeout=10).text.startswith("path /w/api.php ")


def test_upstream_gone_gives_502() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FaultProxy(f"http://127.0.0.1:{port}/") as proxy:
        response = new_session().get(proxy.api_url, timeout=10)
        assert response.status_code == 502 and "<h1>502 Bad Gateway</h1>" in response.text
        assert proxy.count(mode="pass") == 1


def test_switches(proxy: FaultProxy) -> None:
    session = new_session()
    proxy.html_error(503)
    page = session.get(proxy.api_url, timeout=10)
    assert page.status_code == 503 and page.headers["Content-Type"] == "text/html"
    assert session.head(proxy.api_url, timeout=10).status_code == 503
    proxy.close_connections()
    with pytest.raises(requests.ConnectionError):
        session.post(proxy.api_url, data={"action": "upload"}, timeout=10)
    proxy.hang()
    with pytest.raises(requests.ReadTimeout):
        session.get(proxy.api_url + "?action=query", timeout=(5, 0.3))
    proxy.fail_next(1, "close")
    with pytest.raises(requests.ConnectionError):
        session.get(proxy.api_url, timeout=10)
    assert session.get(proxy.api_url, timeout=10).status_code == 200
    assert [r.mode for r in proxy.records] == ["html", "html", "close", "hang", "close", "pass"]
    assert proxy.by_action == {"": 4, "upload": 1, "query": 1}
    for bad in (lambda: proxy.set_mode("explode"), lambda: proxy.fail_next(1, "explode")):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(ValueError):
        FaultProxy("https://example.org/")


def test_stop_releases_hung_requests(upstream: str) -> None:
    proxy = FaultProxy(upstream + "/", hang_max=60).start()
    proxy.hang()
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            new_session().get(proxy.api_url, timeout=30)
        except requests.RequestException as err:
            errors.append(err)

    thread = threading.Thread(target=ask)
    thread.start()
    while proxy.total == 0:
        threading.Event().wait(0.05)
    proxy.stop()
    thread.join(timeout=10)
    assert not thread.is_alive() and errors, "the client got its connection closed, not a 60 s wait"


def test_action_is_found_in_query_and_bodies() -> None:
    assert _action("GET", "/api.php?format=json&action=query", "", b"") == "query"
    assert (
        _action("POST", "/api.php", "application/x-www-form-urlencoded", b"format=json&action=login&x=")
        == "login"
    )
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="format"\r\n\r\njson\r\n'
        b'--b\r\nContent-Disposition: form-data; name="action"\r\nContent-Type: text/plain\r\n\r\nupload\r\n--b--'
    )
    assert _action("POST", "/api.php", "multipart/form-data; boundary=b", multipart) == "upload"
    assert _action("POST", "/api.php", "multipart/form-data; boundary=b", b"--b--") == ""
    assert _action("POST", "/api.php", "application/json", b"{}") == ""
    assert _action("GET", "/images/a.png", "", b"") == ""
