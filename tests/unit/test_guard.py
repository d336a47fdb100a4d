"""HostGuard: only allowed hosts, only public addresses (unless private_ok), only http(s) on 80/443."""

from __future__ import annotations

import socket
from collections.abc import Iterable

import pytest

from wikifile_transfer.errors import SsrfError, WikiUnreachableError
from wikifile_transfer.wiki.guard import HostGuard, is_public_address, system_resolver

PUBLIC = "208.80.154.224"


def fixed(mapping: dict[str, list[str]]) -> HostGuard:
    calls: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> Iterable[str]:
        calls.append((host, port))
        return mapping.get(host, [PUBLIC])

    guard = HostGuard(resolver=resolve)
    guard.calls = calls  # type: ignore[attr-defined]
    return guard


@pytest.mark.parametrize(
    "host",
    [
        "en.wikipedia.org",
        "commons.wikimedia.org",
        "upload.wikimedia.org",
        "www.wikidata.org",
        "wikipedia.org",
        "EN.WIKIPEDIA.ORG",
        "en.wikipedia.org.",
        "de.wiktionary.org",
        "www.wikifunctions.org",
        "fr.wikivoyage.org",
    ],
)
def test_wikimedia_hosts_are_allowed(host: str) -> None:
    guard = fixed({})
    assert guard.is_wikimedia(host)
    guard.check_url(f"https://{host}/w/api.php")


@pytest.mark.parametrize(
    "host",
    ["evilwikipedia.org", "wikipedia.org.evil.com", "wikipedia.com", "example.org", "wikimedia.org-x.net"],
)
def test_lookalike_hosts_are_not_wikimedia(host: str) -> None:
    guard = fixed({})
    assert not guard.is_wikimedia(host)
    with pytest.raises(SsrfError) as err:
        guard.check_url(f"https://{host}/")
    assert err.value.key == "wft-error-ssrf"
    assert "not an allowed wiki" in (err.value.detail or "")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://en.wikipedia.org/x",
        "file:///etc/passwd",
        "gopher://en.wikipedia.org/",
        "en.wikipedia.org/wiki/X",
        "//en.wikipedia.org/x",
        "https:///nohost",
        "https://user:pw@en.wikipedia.org/",
        "https://en.wikipedia.org:99999/",
        "https://en.wikipedia.org:abc/",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(SsrfError):
        fixed({}).check_url(url)


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "127.1.2.3",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "ff02::1",
        "not-an-ip",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)
    guard = fixed({"en.wikipedia.org": [address]})
    with pytest.raises(SsrfError) as err:
        guard.check_url("https://en.wikipedia.org/w/api.php")
    assert address in (err.value.detail or "")


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2620:0:861:ed1a::1", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(address)


def test_one_private_address_among_public_ones_is_refused() -> None:
    guard = fixed({"en.wikipedia.org": [PUBLIC, "10.0.0.5"]})
    with pytest.raises(SsrfError):
        guard.check_url("https://en.wikipedia.org/")


def test_configured_public_host_is_allowed_and_resolved_on_default_port() -> None:
    guard = fixed({})
    guard.allow_host("wiki.example.org")
    guard.check_url("https://wiki.example.org/w/api.php")
    guard.check_url("http://wiki.example.org/w/api.php")
    guard.check_url("https://wiki.example.org:443/w/api.php")
    assert guard.calls == [("wiki.example.org", 443), ("wiki.example.org", 80), ("wiki.example.org", 443)]  # type: ignore[attr-defined]


def test_unusual_port_is_refused_for_public_hosts() -> None:
    guard = fixed({})
    with pytest.raises(SsrfError) as err:
        guard.check_url("https://en.wikipedia.org:8443/")
    assert "port 8443" in (err.value.detail or "")
    with pytest.raises(SsrfError):
        guard.check_url("http://en.wikipedia.org:6379/")


def test_private_ok_host_is_accepted_on_its_port_only_without_resolving() -> None:
    guard = fixed({"127.0.0.1": ["127.0.0.1"]})
    guard.allow_url("http://127.0.0.1:8081/api.php", private_ok=True)
    guard.check_url("http://127.0.0.1:8081/api.php")
    assert guard.calls == []  # type: ignore[attr-defined]
    assert guard.private_ok("127.0.0.1") and guard.private_ok("127.0.0.1", 8081)
    assert not guard.private_ok("127.0.0.1", 6379)
    guard.check_peer("127.0.0.1", "127.0.0.1")
    # another service of the same machine is not the configured wiki (Redis, the database, …)
    for url in (
        "http://127.0.0.1:6379/",
        "http://127.0.0.1:3306/",
        "http://127.0.0.1/",
        "https://127.0.0.1/",
    ):
        with pytest.raises(SsrfError):
            guard.check_url(url)
    guard.allow_url("http://127.0.0.1:8082/", private_ok=True)  # a second configured wiki there
    guard.check_url("http://127.0.0.1:8082/images/a.png")
    guard.allow_host("127.0.0.1", private_ok=True)  # no port: the whole host (explicitly asked for)
    guard.check_url("http://127.0.0.1:6379/")


def test_private_ok_is_per_host_and_never_downgraded() -> None:
    guard = fixed({"localhost": ["127.0.0.1"]})
    guard.allow_host("LocalHost.", private_ok=True)
    guard.allow_host("localhost")  # a later plain allow does not remove private_ok
    guard.check_url("http://localhost:9000/")
    with pytest.raises(SsrfError):
        guard.check_url("http://127.0.0.1:9000/")  # the same machine under another name is not allowed


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.1", "0x7f.1", "2130706433", "[::1]", "0.0.0.0", "169.254.169.254", "[::ffff:7f00:1]"],
)
def test_localhost_aliases_are_refused_when_not_allowed(host: str) -> None:
    with pytest.raises(SsrfError):
        HostGuard().check_url(f"http://{host}/")


@pytest.mark.parametrize("host", ["127.1", "2130706433", "[::1]", "0.0.0.0", "169.254.169.254"])
def test_localhost_aliases_are_refused_even_when_allowed_without_private_ok(host: str) -> None:
    guard = HostGuard()  # the system resolver: numeric hosts need no network
    guard.allow_host(host)
    with pytest.raises(SsrfError):
        guard.check_url(f"http://{host}/")


def test_localhost_name_resolving_to_loopback_is_refused() -> None:
    guard = fixed({"localhost": ["::1", "127.0.0.1"]})
    guard.allow_host("localhost")
    with pytest.raises(SsrfError):
        guard.check_url("http://localhost/")


def test_check_peer_refuses_private_addresses_of_public_hosts() -> None:
    guard = fixed({})
    guard.check_peer("en.wikipedia.org", PUBLIC)
    with pytest.raises(SsrfError):
        guard.check_peer("en.wikipedia.org", "10.0.0.1")


def test_allow_url_without_host_is_refused() -> None:
    with pytest.raises(SsrfError):
        HostGuard().allow_url("not a url")


def test_dns_failure_is_unreachable_not_ssrf(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(WikiUnreachableError) as err:
        HostGuard().check_url("https://nowhere.wikipedia.org/")
    assert err.value.params == ("nowhere.wikipedia.org",)


def test_empty_resolution_is_unreachable() -> None:
    guard = fixed({"en.wikipedia.org": []})
    with pytest.raises(WikiUnreachableError):
        guard.check_url("https://en.wikipedia.org/")


def test_system_resolver_returns_addresses_for_numeric_hosts() -> None:
    assert "127.0.0.1" in system_resolver("127.0.0.1", 80)
