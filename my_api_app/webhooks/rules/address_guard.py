"""Refusing webhook URLs that would reach inside the network (server-side request forgery).

A URL passes when it is http or https and every address its host resolves to is public.
The host is resolved here, with the system resolver, so the numeric spellings it accepts
(``2130706433``, ``0x7f.1``, ``017700000001``) are judged by the address they really mean.
The caller connects only to the returned addresses (pinning), so a DNS answer that changes
between this check and the connection (rebinding) gains nothing; redirects must not be
followed for the same reason.

Refused: loopback, private, shared (100.64/10), link-local (which holds the cloud metadata
service at 169.254.169.254), multicast, reserved, unspecified, documentation and other
special-purpose ranges, AWS's IPv6 metadata address, and those addresses written inside
IPv6 (IPv4-mapped, 6to4, NAT64). The ranges are listed here rather than taken from
``ipaddress``'s ``is_global`` alone, whose answers differ between Python patch releases. A
site may allow CIDRs (say ``["127.0.0.1/32"]`` for a receiver on the same host).
"""

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = {"http": 80, "https": 443}

_REFUSED: tuple[tuple[Network, str], ...] = tuple(
	(ipaddress.ip_network(cidr), label)
	for cidr, label in (
		("169.254.169.254/32", "cloud metadata"),
		("fd00:ec2::254/128", "cloud metadata"),
		("0.0.0.0/8", "unspecified"),
		("10.0.0.0/8", "private"),
		("100.64.0.0/10", "shared (carrier-grade NAT)"),
		("127.0.0.0/8", "loopback"),
		("169.254.0.0/16", "link-local"),
		("172.16.0.0/12", "private"),
		("192.0.0.0/24", "IETF protocol assignment"),
		("192.0.2.0/24", "documentation"),
		("192.88.99.0/24", "6to4 relay"),
		("192.168.0.0/16", "private"),
		("198.18.0.0/15", "benchmarking"),
		("198.51.100.0/24", "documentation"),
		("203.0.113.0/24", "documentation"),
		("224.0.0.0/4", "multicast"),
		("240.0.0.0/4", "reserved"),
		("::/128", "unspecified"),
		("::1/128", "loopback"),
		("::/96", "IPv4-compatible (deprecated)"),
		("64:ff9b:1::/48", "local NAT64"),
		("100::/64", "discard-only"),
		("2001::/23", "IETF protocol assignment"),
		("2001:db8::/32", "documentation"),
		("3fff::/20", "documentation"),
		("5f00::/16", "segment routing"),
		("fc00::/7", "private (unique local)"),
		("fe80::/10", "link-local"),
		("fec0::/10", "site-local (deprecated)"),
		("ff00::/8", "multicast"),
	)
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(Exception):
	"""A URL webhooks may not be sent to; ``reason`` says why."""

	def __init__(self, reason: str):
		super().__init__(reason)
		self.reason = reason


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
	if address.ipv4_mapped:
		return address.ipv4_mapped, "IPv4-mapped"
	if address.sixtofour:
		return address.sixtofour, "6to4"
	if address in _NAT64:
		return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
	return None


def refusal(address: Address) -> str | None:
	"""Why webhooks may not go to this address, or None when it is public."""
	if isinstance(address, ipaddress.IPv6Address):
		address = ipaddress.IPv6Address(address.packed)  # drop any %zone
		embedded = _embedded_ipv4(address)
		if embedded:
			inner, form = embedded
			reason = refusal(inner)
			return f"{form} form of {reason}" if reason else None
	for network, label in _REFUSED:
		if address in network:
			return label
	if not address.is_global or address.is_multicast or address.is_reserved:
		return "not globally reachable"
	return None


def _allowed(address: Address, allow: list[Network]) -> bool:
	candidates = [address]
	if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)):
		candidates.append(embedded[0])
	return any(candidate in network for candidate in candidates for network in allow)


def check_url(
	url: str,
	resolve: Callable[..., list] = socket.getaddrinfo,
	allow: Iterable[str] = (),
) -> list[str]:
	"""The addresses ``url``'s host resolves to, all vetted, to connect to and nothing else.

	Raises BlockedAddress for a scheme other than http(s), a missing host or bad port, or any
	refused address outside the ``allow`` CIDRs; ValueError for a malformed CIDR in ``allow``.
	A host that does not resolve raises ``socket.gaierror`` (a transient failure, like a
	connection error), not BlockedAddress."""
	networks = [ipaddress.ip_network(cidr) for cidr in allow]
	parts = urlsplit(url.strip())
	scheme = parts.scheme.lower()
	if scheme not in SCHEMES:
		raise BlockedAddress(f"scheme {scheme or '(none)'!r} is not http or https")
	try:
		port = parts.port or SCHEMES[scheme]
	except ValueError:
		raise BlockedAddress("invalid port")
	host = parts.hostname
	if not host:
		raise BlockedAddress("no host")
	try:
		results = resolve(host, port, 0, socket.SOCK_STREAM)
	except UnicodeError:
		raise BlockedAddress("invalid host name")
	vetted: list[str] = []
	for *_, sockaddr in results:
		address = ipaddress.ip_address(sockaddr[0])
		if not _allowed(address, networks):
			reason = refusal(address)
			if reason:
				raise BlockedAddress(f"{host} resolves to {address}, {reason}")
		if str(address) not in vetted:
			vetted.append(str(address))
	if not vetted:
		raise BlockedAddress(f"{host} resolves to no address")
	return vetted
