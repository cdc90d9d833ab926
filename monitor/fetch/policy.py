"""Fetch stage: where a redirect may take a fetch: the address classifier and the redirect
policy. Pure apart from `resolve` (DNS). Stdlib only; used by client, and by pages for the
links a publisher chose.

A feed's publisher chooses where its redirects go. Followed blindly, a 301 from a public feed
to `http://169.254.169.254/…` (a cloud metadata service), `127.0.0.1:6379` or a router's admin
page turns the monitor into a proxy into the operator's network (SSRF): the answer becomes
items, alerts and the feed's saved URL. And an https→http 301 would be saved and polled in
clear from then on. So, unless `fetch.allow_private_redirects` is set:

- a redirect may lead to a public address only (`classify` returns None), except that a feed
  whose configured URL is itself in private space (the operator chose a LAN server) may be
  redirected within private space too;
- a redirect never goes from https to http (configure the http URL to accept that in clear).

Each hop's host is resolved before the request and every address it has must be allowed
(`Hops.before`); then the address the connection actually reached is checked again before the
body is read (`Hops.connected`), which defeats DNS rebinding (a name that resolves to a public
address for the check and to a private one for the connection). Through an HTTP proxy the
proxy resolves names and only the first check applies.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Special-purpose blocks not reachable on the public internet, beyond what `ipaddress` flags:
# shared address space (carrier-grade NAT, RFC 6598) is not "private" to it in 3.11.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
# IPv6 forms that carry an IPv4 address a router or the kernel may turn into a v4 packet.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")       # RFC 6052
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")     # deprecated, RFC 4291 §2.5.5.1


def classify(address: str | Address) -> str | None:
    """None for a public (globally routable unicast) address, else what it is: "loopback",
    "private", "link-local", "shared (CGNAT)", "unique-local", "multicast", "unspecified" or
    "reserved". An IPv6 address that embeds an IPv4 one (mapped, NAT64, 6to4, compatible)
    is judged by the IPv4 address."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return classify(embedded)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared (CGNAT)"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if ip.is_private:
        return "private"
    if not ip.is_global or ip.is_reserved:
        return "reserved"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _NAT64_LOCAL or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


class Refused(Exception):
    """A hop the policy refuses; str() is the one-line reason, naming the target host."""


@dataclass(frozen=True)
class RedirectPolicy:
    """`allow_private`: `fetch.allow_private_redirects`. `public_endpoints`: "ip:port" pairs
    to treat as public; only tests set it (MONITOR_TEST_PUBLIC_ENDPOINTS), so that a
    loopback server can play a public feed and another loopback port the private target."""

    allow_private: bool = False
    public_endpoints: frozenset[str] = frozenset()

    def kind_of(self, address: str, port: int) -> str | None:
        """What classify says, unless the endpoint is marked public."""
        if _endpoint(address, port) in self.public_endpoints:
            return None
        return classify(address)

    def hops(self, configured_url: str, resolver: Resolver | None = None) -> "Hops":
        return Hops(self, configured_url, resolver or resolve)


class Hops:
    """The checks of one fetch, hop by hop. The configured URL is the operator's choice and
    is never checked; every other URL (a redirect's target, or a saved permanent redirect)
    is, before its request (`before`) and once connected (`connected`). A chain that starts
    elsewhere (a publisher's link, fetch/pages.py) checks every URL: see `LinkHops`."""

    # What a refusal calls the refused URL, and what a downgrade's error advises.
    refused_subject = "redirect"
    downgrade_advice = " (the feed would be read in clear; configure the http URL to accept that)"

    def __init__(self, policy: RedirectPolicy, configured_url: str, resolver: Resolver) -> None:
        self.policy = policy
        self.configured_url = configured_url
        self.resolver = resolver
        self._origin_private: bool | None = None
        # The chain's first URL: an https start forbids http anywhere later in the chain.
        self._chain_start = configured_url

    def checks(self, url: str) -> bool:
        """Whether `url` is checked at all (it is not the configured URL)."""
        return url != self.configured_url

    async def before(self, previous_url: str | None, url: str) -> None:
        """Raises Refused for a downgrade or a hop into private space."""
        if not self.checks(url):
            return
        for earlier in {previous_url or self._chain_start, self._chain_start}:
            if urlsplit(earlier).scheme.lower() == "https" and \
                    urlsplit(url).scheme.lower() == "http":
                raise Refused(f"redirect from https to http://{_host(url)} refused"
                              f"{self.downgrade_advice}")
        if self.policy.allow_private:
            return
        host, port = host_port(url)
        try:
            addresses = await self._addresses(host, port)
        except OSError:
            return  # the request fails the same way, or a proxy resolves it: `connected` checks
        for address in addresses:
            await self._check(url, address, port)

    async def connected(self, url: str, peer: tuple[str, int] | None) -> None:
        """Raises Refused when the connection for `url` reached a private address although
        the check before it saw a public one (DNS rebinding). `peer`: (address, port)."""
        if not self.checks(url) or peer is None or self.policy.allow_private:
            return
        await self._check(url, str(peer[0]).split("%")[0], int(peer[1]))

    async def _addresses(self, host: str, port: int) -> list[str]:
        literal = _literal(host)
        return [literal] if literal else await self.resolver(host, port)

    async def _check(self, url: str, address: str, port: int) -> None:
        kind = self.policy.kind_of(address, port)
        if kind is not None and not await self._origin_is_private():
            raise Refused(f"{self.refused_subject} to {_host(url)} refused: {kind} address "
                          f"{address} "
                          f"(fetch.allow_private_redirects: true allows it on a LAN)")

    async def _origin_is_private(self) -> bool:
        """Whether the configured URL is in private space: then the operator chose a LAN
        server, and its redirects within private space are allowed. An unresolvable host
        counts as public (the stricter answer)."""
        if self._origin_private is None:
            host, port = host_port(self.configured_url)
            try:
                addresses = await self._addresses(host, port)
            except OSError:
                addresses = []
            self._origin_private = any(self.policy.kind_of(a, port) is not None
                                       for a in addresses)
        return self._origin_private


class LinkHops(Hops):
    """The same checks for a chain that starts at a publisher's link (an article page): every
    URL is checked, the link included, and the link is the chain's start; `feed_url` (the
    operator's choice) only decides whether private space is the origin's own."""

    refused_subject = "link"
    downgrade_advice = ""

    def checks(self, url: str) -> bool:
        return True

    async def before(self, previous_url: str | None, url: str) -> None:
        if previous_url is None:
            self._chain_start = url
        await super().before(previous_url, url)


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to. Raises OSError."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def _port(url: str) -> int:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # out of range: the request fails on its own
        port = None
    return port or (443 if parts.scheme.lower() == "https" else 80)


def host_port(url: str) -> tuple[str, int]:
    """The host and port a URL connects to."""
    return _host(url), _port(url)
