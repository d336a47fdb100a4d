"""SSRF guard: which hosts and addresses the tool may contact.

Image URLs come from the source wiki's API, and a third-party wiki can put anything there: the cloud
metadata service at 169.254.169.254, a database on the tool's private network, a port scan through
redirects. So every URL the HTTP client fetches (every redirect hop too) goes through
:meth:`HostGuard.check_url`, and every socket it opens goes through :meth:`HostGuard.check_peer`,
which stops DNS rebinding between the check and the connection.

Only Wikimedia hosts and hosts the configuration names are allowed. Private addresses are refused
unless the configuration allowed that very host *and port* with ``private_ok`` (a self-hosted wiki, the
testbed on 127.0.0.1:8080). The port matters: a wiki configured at 127.0.0.1:8080 must not open
127.0.0.1:6379 (Redis), 127.0.0.1:3306 (the database) or any other service of the same machine.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from wikifile_transfer.errors import SsrfError, WikiUnreachableError

Resolver = Callable[[str, int], Iterable[str]]
"""``resolver(host, port)`` returns the IP addresses (as text) the host resolves to."""

WIKIMEDIA_DOMAINS: tuple[str, ...] = (
    "wikipedia.org",
    "wikimedia.org",
    "wikidata.org",
    "mediawiki.org",
    "wiktionary.org",
    "wikibooks.org",
    "wikinews.org",
    "wikiquote.org",
    "wikisource.org",
    "wikiversity.org",
    "wikivoyage.org",
    "wikifunctions.org",
)

DEFAULT_PORTS = {"http": 80, "https": 443}


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the system's ``getaddrinfo``; WikiUnreachableError when the name does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise WikiUnreachableError(host, detail=f"DNS: {err}") from err
    return [str(info[4][0]) for info in infos]


def normalize_host(host: str) -> str:
    """Lower-case, without a trailing dot or IPv6 brackets, so that one host has one spelling."""
    return host.strip().strip("[]").rstrip(".").lower()


def is_public_address(address: str) -> bool:
    """True only for globally routable unicast addresses.

    ``is_global`` alone is not enough: Python counts multicast as global, and IPv4-mapped IPv6
    addresses (``::ffff:127.0.0.1``) must be judged by the IPv4 address they carry.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not ip.is_loopback
        and not ip.is_link_local
    )


class HostGuard:
    """Allow-list of hosts plus an address check on every resolved and every connected address."""

    def __init__(self, resolver: Resolver | None = None) -> None:
        self._resolver: Resolver = resolver or system_resolver
        self._allowed: dict[str, bool] = {}
        self._private_ports: dict[str, set[int] | None] = {}
        """Ports of a ``private_ok`` host that may be contacted; None: any port."""

    def allow_host(self, host: str, *, private_ok: bool = False, port: int | None = None) -> None:
        """Allow ``host``. ``private_ok`` also allows private addresses for this host only: on ``port``
        (and the ports allowed before), or on any port when ``port`` is None."""
        name = normalize_host(host)
        self._allowed[name] = self._allowed.get(name, False) or private_ok
        if not private_ok:
            return
        ports = self._private_ports.get(name, set())
        if port is None or ports is None:
            self._private_ports[name] = None
        else:
            self._private_ports[name] = {*ports, port}

    def allow_url(self, url: str, *, private_ok: bool = False) -> None:
        """Allow the host of ``url`` (for example a configured wiki's api.php); with ``private_ok``, on the
        URL's port only."""
        try:
            parts = urlsplit(url)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError as err:
            raise SsrfError(url, detail=f"malformed URL: {err}") from err
        if not parts.hostname:
            raise SsrfError(url, detail="no host")
        self.allow_host(parts.hostname, private_ok=private_ok, port=port)

    @staticmethod
    def is_wikimedia(host: str) -> bool:
        """True for hosts under a Wikimedia project domain (always allowed, public addresses only)."""
        name = normalize_host(host)
        return any(name == d or name.endswith("." + d) for d in WIKIMEDIA_DOMAINS)

    def is_allowed(self, host: str) -> bool:
        name = normalize_host(host)
        return name in self._allowed or self.is_wikimedia(name)

    def private_ok(self, host: str, port: int | None = None) -> bool:
        """Whether ``host`` may be on a private address (on ``port``, when given)."""
        name = normalize_host(host)
        if not self._allowed.get(name, False):
            return False
        ports = self._private_ports.get(name)
        return port is None or ports is None or port in ports

    def check_url(self, url: str) -> None:
        """Raise SsrfError unless ``url`` is http(s) to an allowed host, port and address."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as err:
            raise SsrfError(url, detail=f"malformed URL: {err}") from err
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise SsrfError(url, detail=f"scheme {scheme or '(none)'} is not http or https")
        host = normalize_host(parts.hostname or "")
        if not host:
            raise SsrfError(url, detail="no host")
        if parts.username is not None or parts.password is not None:
            raise SsrfError(url, detail="credentials in URL")
        if not self.is_allowed(host):
            raise SsrfError(url, detail=f"host {host} is not an allowed wiki")
        if self.private_ok(host, port or DEFAULT_PORTS[scheme]):
            return
        # A private_ok host on another port falls through: public addresses and ports 80/443 only.
        if port is not None and port not in DEFAULT_PORTS.values():
            raise SsrfError(url, detail=f"port {port} is not 80 or 443")
        addresses = list(self._resolver(host, port or DEFAULT_PORTS[scheme]))
        if not addresses:
            raise WikiUnreachableError(host, detail="DNS: no address")
        for address in addresses:
            if not is_public_address(address):
                raise SsrfError(url, detail=f"{host} resolves to non-public address {address}")

    def check_peer(self, host: str, address: str) -> None:
        """Check the address a socket actually connected to (defeats DNS rebinding after check_url)."""
        if self.private_ok(host):
            return
        if not is_public_address(address):
            raise SsrfError(host, detail=f"connected to non-public address {address}")
