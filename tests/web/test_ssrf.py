"""SSRF: what the web app resolves for a user never reaches Redis, the cloud metadata service or a private
network, directly or through a redirect, unless the address is a configured wiki's.

The web app resolves URLs through the wiki registry of the signed-in user (``services.context
.registry_for(user)``); these tests go through exactly that object, with a real HTTP server playing a
configured wiki on 127.0.0.1 and a real listener playing Redis, so "refused" means "no connection was
made", not only "an exception was raised". When the API's ``POST /api/v1/resolve`` exists, the same URLs
are sent through it too (test_resolve_endpoint_refuses_them).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from pytest_httpserver import HTTPServer
from tests.web.support import SignedIn, make_user

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import SsrfError, WftError
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.store.crypto import SecretBox, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings
from wikifile_transfer.wiki.registry import WikiRegistry


class Listener:
    """A TCP port that counts the connections it gets (a stand-in for Redis, a database…)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def redis_standin() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture
def wiki_app(tmp_path: Path, web_db: Database, httpserver: HTTPServer, web_settings: WebSettings) -> Flask:
    """The web app with one configured wiki, on 127.0.0.1 (a self-hosted wiki, as in the demo)."""
    config = Config(wikis={"local": WikiConfig("local", httpserver.url_for("/"))}, contact="tests@localhost")

    class NoDispatch:
        def dispatch(self, ids: object, *, countdown: float = 0.0) -> None:
            raise AssertionError("nothing is dispatched here")

    services = Services(
        db=web_db,
        config=config,
        context=JobContext(db=web_db, config=config),
        dispatcher=NoDispatch(),
        box=SecretBox([generate_key()]),
    )
    return create_app(web_settings, services)


def registry_of(app: Flask, user: int) -> WikiRegistry:
    services: Services = app.extensions["wft"]
    # a fresh registry per call: what one test allowed must not leak into the next
    services.context._services.clear()
    return services.context.registry_for(user)


def forbidden_urls(standin_port: int) -> list[str]:
    page = "/wiki/File:X.jpg"
    return [
        f"http://127.0.0.1:6379{page}",  # Redis on the same machine as the configured wiki
        f"http://127.0.0.1:{standin_port}{page}",  # the same, with a listener that counts
        f"http://localhost:6379{page}",  # the configured wiki's own host name (pytest-httpserver's)
        f"http://localhost:{standin_port}{page}",
        f"http://[::1]:6379{page}",
        f"http://0.0.0.0:6379{page}",
        f"http://2130706433:6379{page}",  # 127.0.0.1 as a number
        f"http://169.254.169.254{page}",  # cloud metadata
        f"http://[fd00:ec2::254]{page}",
        f"http://10.0.0.5{page}",
        "http://172.16.3.4/w/index.php?title=File:X.jpg",
        f"http://192.168.1.1{page}",
        f"http://100.64.0.1{page}",  # carrier-grade NAT
        f"http://127.0.0.1{page}",  # the configured wiki's host on another port (80)
        f"https://127.0.0.1:{standin_port}{page}",
    ]


NOT_HTTP = ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "dict://127.0.0.1:6379/info"]


def test_private_addresses_and_other_ports_are_refused(
    wiki_app: Flask, web_db: Database, redis_standin: Listener
) -> None:
    registry = registry_of(wiki_app, make_user(web_db, "Alice"))
    for url in forbidden_urls(redis_standin.port):
        with pytest.raises(SsrfError):
            registry.resolve_source(url)
        with pytest.raises(SsrfError):
            registry.get(url)  # as a target wiki
    for url in NOT_HTTP:
        with pytest.raises(WftError):
            registry.resolve_source(url)
    assert redis_standin.accepted == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{standin}/",
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://localhost:{standin}/",
        "https://127.0.0.1:{standin}/",
    ],
)
def test_a_redirect_from_the_configured_wiki_to_a_private_address_is_refused(
    wiki_app: Flask, web_db: Database, httpserver: HTTPServer, redis_standin: Listener, target: str
) -> None:
    location = target.format(standin=redis_standin.port)
    httpserver.expect_request("/").respond_with_data("", status=302, headers={"Location": location})
    registry = registry_of(wiki_app, make_user(web_db, "Alice"))
    with pytest.raises(SsrfError):
        registry.get("local")
    assert redis_standin.accepted == 0


def edit_uri_page(httpserver: HTTPServer) -> str:
    return (
        '<html><head><link rel="EditURI" type="application/rsd+xml" '
        f'href="{httpserver.url_for("/api.php")}?action=rsd"></head></html>'
    )


def test_a_redirect_of_the_configured_wikis_api_is_checked_too(
    wiki_app: Flask, web_db: Database, httpserver: HTTPServer, redis_standin: Listener
) -> None:
    """The wiki's API answering with a redirect to Redis: the siteinfo request stops there."""
    httpserver.expect_request("/").respond_with_data(edit_uri_page(httpserver), content_type="text/html")
    httpserver.expect_request("/api.php").respond_with_data(
        "", status=307, headers={"Location": f"http://127.0.0.1:{redis_standin.port}/api.php"}
    )
    registry = registry_of(wiki_app, make_user(web_db, "Alice"))
    with pytest.raises(SsrfError):
        registry.resolve_source(httpserver.url_for("/wiki/File:X.jpg"))
    assert redis_standin.accepted == 0


def test_the_configured_wiki_itself_is_reachable(
    wiki_app: Flask, web_db: Database, httpserver: HTTPServer
) -> None:
    """The control: the guard lets the configured wiki through (so the refusals above are about the
    addresses, not about the setup)."""
    httpserver.expect_request("/").respond_with_data(edit_uri_page(httpserver), content_type="text/html")
    registry = registry_of(wiki_app, make_user(web_db, "Alice"))
    wiki = registry.get("local")
    assert wiki.api_url == httpserver.url_for("/api.php")
    registry.guard.check_url(httpserver.url_for("/images/a/ab/X.jpg"))


def test_each_user_has_a_guard_of_their_own(wiki_app: Flask, web_db: Database) -> None:
    """A host allowed while resolving for one user is not thereby allowed for another."""
    services: Services = wiki_app.extensions["wft"]
    alice, bob = make_user(web_db, "Alice"), make_user(web_db, "Bob")
    if services.context.registry_factory is None:
        pytest.skip("one registry for everyone until per-user credentials (webauth) land")
    assert services.context.registry_for(alice).guard is not services.context.registry_for(bob).guard


def test_resolve_endpoint_refuses_them(wiki_app: Flask, web_db: Database, redis_standin: Listener) -> None:
    spec = wiki_app.test_client().get("/api/v1/openapi.json").get_json()
    if "/api/v1/resolve" not in spec["paths"]:
        pytest.skip("POST /api/v1/resolve is not in this build yet (webapi)")
    client = SignedIn(wiki_app, make_user(web_db, "Alice"))
    for url in [*forbidden_urls(redis_standin.port), *NOT_HTTP]:
        response = client.post("/api/v1/resolve", json={"url": url})
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert response.get_json()["error"]["key"].startswith("wft-"), url
    assert redis_standin.accepted == 0


def test_the_app_with_wikimedia_only_refuses_every_private_address(
    app: Flask, web_db: Database, redis_standin: Listener
) -> None:
    """Toolforge's case: no private wiki configured at all."""
    registry = registry_of(app, make_user(web_db, "Alice"))
    for url in [*forbidden_urls(redis_standin.port), "http://127.0.0.1:8080/wiki/File:X.jpg"]:
        with pytest.raises(WftError):
            registry.resolve_source(url)
    assert redis_standin.accepted == 0


def test_the_demo_kind_of_config_allows_the_wiki_and_its_server_port(tmp_path: Path) -> None:
    """A configured wiki whose siteinfo names another port (a proxy in front of it) gets that port
    allowed too (its files are served from there), and nothing else."""
    from wikifile_transfer.wiki.siteinfo import SiteInfo  # noqa: PLC0415

    registry = WikiRegistry(Config(wikis={"tb": WikiConfig("tb", "http://127.0.0.1:8081/api.php")}))
    wiki = registry.get("tb")
    assert not registry.guard.private_ok("127.0.0.1", 8090)
    assert wiki.on_siteinfo is not None
    site = SiteInfo.__new__(SiteInfo)
    object.__setattr__(site, "server", "http://127.0.0.1:8090")
    wiki.on_siteinfo(site)
    assert registry.guard.private_ok("127.0.0.1", 8090)
    assert not registry.guard.private_ok("127.0.0.1", 6379)
