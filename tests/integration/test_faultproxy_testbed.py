"""The fault proxy in front of a real testbed wiki, and the client's behaviour behind it.

While the proxy is broken (HTML 502 pages, HTML with status 200, connections that hang or close) the
project's client (``WikiRegistry`` → ``ApiClient`` → ``HttpClient``) must fail with its typed error
after its bounded retries, and succeed as soon as the proxy passes requests again. The client's waits
are recorded instead of slept, and its read timeout is short, so the tests take seconds.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from testbed.faultproxy import FaultProxy
from testbed.tbclient import TBClient, new_session, png_bytes

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import HttpStatusError, NotJsonError, WikiUnreachableError
from wikifile_transfer.transfer.batchsource import fetch_sources
from wikifile_transfer.transfer.model import SourceFile
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki

pytestmark = pytest.mark.testbed

RETRIES = 3
SITEINFO = {"action": "query", "meta": "siteinfo"}


@pytest.fixture
def proxy(fault_proxy: Callable[..., FaultProxy]) -> FaultProxy:
    return fault_proxy("src", hang_max=30)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def wiki(testbed: Any, proxy: FaultProxy, waits: list[float]) -> Wiki:
    """``src`` as the tool sees it when configured with the proxy's api.php."""
    account = testbed.users["admin"]
    config = Config(
        wikis={"src": WikiConfig("src", proxy.api_url, account["login"], account["password"])},
        contact="tests@localhost",
    )
    registry = WikiRegistry(config, HttpClient(HostGuard(), contact="tests@localhost", timeout=(3, 1.0)))
    found = registry.get("src")
    found.api.max_retries = RETRIES
    found.api.sleep = waits.append
    return found


def test_pass_through_and_counting(testbed: Any, proxy: FaultProxy, wiki: Wiki) -> None:
    assert wiki.api_url == proxy.api_url
    assert wiki.siteinfo().sitename == testbed.wikis["src"]["sitename"]
    wiki.ensure_login()
    assert wiki.api.userinfo().name == "Admin"
    # siteinfo, login token, login (a POST: its action is read from the body), userinfo
    assert proxy.by_action == {"query": 3, "login": 1}
    assert proxy.by_path == {"/api.php": 4}
    assert proxy.count(mode="pass") == proxy.total == 4
    proxy.reset_counts()
    assert proxy.total == 0


def test_html_502_gives_http_status_error_after_bounded_retries(
    proxy: FaultProxy, wiki: Wiki, waits: list[float]
) -> None:
    proxy.html_error(502)
    with pytest.raises(HttpStatusError) as err:
        wiki.api.get(SITEINFO)
    assert err.value.key == "wft-error-http-status" and err.value.params[0] == "502"
    assert proxy.count(mode="html") == RETRIES + 1
    assert len(waits) == RETRIES
    proxy.pass_through()
    assert "general" in wiki.api.get({**SITEINFO, "siprop": "general"})["query"]


def test_html_page_with_status_200_gives_not_json_error_at_once(proxy: FaultProxy, wiki: Wiki) -> None:
    proxy.html_error(200)
    with pytest.raises(NotJsonError) as err:
        wiki.api.get(SITEINFO)
    assert err.value.key == "wft-error-not-json" and err.value.params[1] == "text/html"
    assert proxy.total == 1, "a page that is not JSON is not retried: it would only come again"
    proxy.pass_through()
    wiki.api.get(SITEINFO)


@pytest.mark.parametrize("mode", ["hang", "close"])
def test_no_answer_gives_wiki_unreachable_error(
    proxy: FaultProxy, wiki: Wiki, waits: list[float], mode: str
) -> None:
    proxy.set_mode(mode)
    started = time.monotonic()
    with pytest.raises(WikiUnreachableError) as err:
        wiki.api.get(SITEINFO)
    assert err.value.key == "wft-error-wiki-unreachable"
    assert ("timeout" if mode == "hang" else "connection") in (err.value.detail or "")
    assert proxy.count(mode=mode) == RETRIES + 1 and len(waits) == RETRIES
    if mode == "hang":
        assert time.monotonic() - started >= (RETRIES + 1) * 1.0  # each attempt waited for the timeout
    proxy.pass_through()
    wiki.api.get(SITEINFO)


def test_a_post_that_got_no_answer_is_not_sent_again(proxy: FaultProxy, wiki: Wiki) -> None:
    proxy.close_connections()
    with pytest.raises(WikiUnreachableError):
        wiki.api.post({"action": "query", "meta": "siteinfo"})
    assert proxy.total == 1, "the wiki may have acted on it"


def test_fail_next_then_pass(proxy: FaultProxy, wiki: Wiki, waits: list[float]) -> None:
    proxy.fail_next(2, "html", status=503)
    assert proxy.mode == "html"
    wiki.api.get(SITEINFO)
    assert [r.mode for r in proxy.records] == ["html", "html", "pass"]
    assert len(waits) == 2 and proxy.mode == "pass"
    proxy.fail_next(RETRIES + 1, "close")
    with pytest.raises(WikiUnreachableError):
        wiki.api.get(SITEINFO)
    wiki.api.get(SITEINFO)


def test_latency(proxy: FaultProxy, wiki: Wiki) -> None:
    wiki.api.get(SITEINFO)
    proxy.latency(0.4)
    started = time.monotonic()
    wiki.api.get(SITEINFO)
    assert time.monotonic() - started >= 0.4
    proxy.latency(0)


def test_a_batch_read_fails_clearly_and_succeeds_later(testbed: Any, proxy: FaultProxy, wiki: Wiki) -> None:
    titles = [t for role, t in testbed.files.items() if testbed["file_info"][role]["wiki"] == "src"]
    wiki.siteinfo()
    proxy.html_error(502)
    with pytest.raises(HttpStatusError):
        list(fetch_sources(wiki, titles))
    proxy.pass_through()
    read = list(fetch_sources(wiki, titles))
    assert all(isinstance(s, SourceFile) for s in read)
    # The versions' URLs name the wiki itself, not the proxy: downloads do not pass through it.
    first = read[0]
    assert isinstance(first, SourceFile)
    assert first.latest.url.startswith(testbed.url("src"))


def test_big_upload_and_download_stream_through(testbed: Any, proxy: FaultProxy) -> None:
    account = testbed.users["admin"]
    client = TBClient(proxy.api_url).login(account["login"], account["password"])
    data = png_bytes(2000, 1800, seed=uuid.uuid4().int % 1_000_000, noise=True)  # about 10.8 MB
    assert len(data) > 10_000_000
    name = f"WFT {uuid.uuid4().hex[:8]} big through proxy.png"
    result = client.upload(name, data, text="big", comment="through the proxy")["upload"]
    assert result["result"] == "Success"
    assert result["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    assert proxy.by_action["upload"] == 1
    # The file itself, fetched through the proxy (its /images/ path on the proxy's port).
    path = result["imageinfo"]["url"].split("/", 3)[3]
    digest = hashlib.sha1()
    with new_session().get(proxy.url + path, stream=True, timeout=60) as response:
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == len(data)
        for block in response.iter_content(1 << 16):
            digest.update(block)
    assert digest.hexdigest() == hashlib.sha1(data).hexdigest()


def test_chunked_request_body_passes(proxy: FaultProxy) -> None:
    def body() -> Any:
        yield b"action=query&meta=siteinfo"
        yield b"&siprop=general&format=json"

    response = new_session().post(
        proxy.api_url,
        data=body(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 200 and "general" in response.json()["query"]
    assert proxy.by_action["query"] == 1
