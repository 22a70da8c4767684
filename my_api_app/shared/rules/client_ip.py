"""The client's address behind trusted proxies, and address allow-lists.

X-Forwarded-For is only believed when the direct peer is a proxy we trust; then it is read
from the right (the hops our own proxies appended) and the first address that is not one of
our proxies is the client. Everything left of that was written by the client and is ignored.
"""

import ipaddress
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Annotated

from pydantic import AfterValidator, Field

Network = IPv4Network | IPv6Network

_IPV4 = r"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_H = "[0-9A-Fa-f]{1,4}"
_IPV6 = (
	f"(({_H}:){{7}}{_H}|({_H}:){{1,7}}:|({_H}:){{1,6}}:{_H}|({_H}:){{1,5}}(:{_H}){{1,2}}"
	f"|({_H}:){{1,4}}(:{_H}){{1,3}}|({_H}:){{1,3}}(:{_H}){{1,4}}|({_H}:){{1,2}}(:{_H}){{1,5}}"
	f"|{_H}:(:{_H}){{1,6}}|:((:{_H}){{1,7}}|:))"
)
# An address or CIDR range, IPv4 or IPv6 (no zone, no embedded IPv4), as ECMA 262 and Rust's
# regex read it: everything it matches is a network for ``ipaddress``.
NETWORK_PATTERN = f"^({_IPV4}(/(3[0-2]|[12]?[0-9]))?|{_IPV6}(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$"


def _canonical_network(text: str) -> str:
	"""The range as ``ipaddress`` writes it; host bits after the prefix are cleared."""
	return str(_network(text))


def _network(text: str) -> Network:
	"""A CIDR range or bare address (a /32 or /128). Host bits set after the prefix are cleared
	(``10.0.0.1/8`` is ``10.0.0.0/8``), in Desk as in the API: the API's schema is a pattern,
	which cannot tell host bits apart, and every value it allows must be accepted."""
	return ipaddress.ip_network(text, strict=False)


# An allowed address range as endpoints take it: the pattern is the whole rule.
NetworkText = Annotated[
	str,
	Field(
		pattern=NETWORK_PATTERN,
		description="An IP address or CIDR range, IPv4 or IPv6; host bits after the prefix are cleared.",
		examples=["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"],
	),
	AfterValidator(_canonical_network),
]


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
	"""CIDRs or bare addresses, one per line or item; blank lines and ``#`` comments are skipped.

	A bare address is a /32 (or /128); host bits after the prefix are cleared (``_network``).
	"""
	label, lines = ("line", value.splitlines()) if isinstance(value, str) else ("item", value)
	networks = []
	for number, line in enumerate(lines, start=1):
		entry = line.split("#", 1)[0].strip()
		if not entry:
			continue
		try:
			networks.append(_network(entry))
		except ValueError as error:
			raise ValueError(f"{label} {number}: {entry!r} is not an IP address or network: {error}")
	return tuple(networks)


def _address(text: str | None) -> IPv4Address | IPv6Address | None:
	"""An address from a header hop: spaces and a port (``1.2.3.4:80``, ``[::1]:80``) removed."""
	if not text:
		return None
	text = text.strip()
	if text.startswith("["):
		text = text[1:].partition("]")[0]
	elif text.count(":") == 1:
		text = text.partition(":")[0]
	try:
		return ipaddress.ip_address(text)
	except ValueError:
		return None


def _in_networks(address: IPv4Address | IPv6Address, networks: Iterable[Network]) -> bool:
	mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
	return any(address in network or (mapped is not None and mapped in network) for network in networks)


def ip_in_networks(ip: str | None, networks: Iterable[Network]) -> bool:
	"""Whether an address is in any network; ``::ffff:a.b.c.d`` counts as ``a.b.c.d``. Garbage is never in."""
	try:
		address = ipaddress.ip_address((ip or "").strip())
	except ValueError:
		return False
	return _in_networks(address, networks)


_IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


def network_within(network: Network, networks: Iterable[Network]) -> bool:
	"""Whether every address ``ip_in_networks`` lets in through ``network`` is let in through
	one of ``networks``. An IPv4 network also admits its ``::ffff:a.b.c.d`` forms, so only an
	IPv4 network holds it; an IPv4-mapped IPv6 network is held by the IPv4 network it maps to."""
	networks = tuple(networks)
	if isinstance(network, IPv6Network) and network.subnet_of(_IPV4_MAPPED):
		mapped = IPv4Network((int(network.network_address) & 0xFFFFFFFF, network.prefixlen - 96))
		if any(isinstance(other, IPv4Network) and mapped.subnet_of(other) for other in networks):
			return True
	return any(type(other) is type(network) and network.subnet_of(other) for other in networks)


def client_ip(
	remote_addr: str | None, forwarded_for: str | None, trusted_proxies: Iterable[Network]
) -> str | None:
	"""The client's address: the peer's, or when the peer is a trusted proxy, read from X-Forwarded-For.

	Hops are read right to left, skipping trusted proxies; the first untrusted one is the
	client. If every hop is trusted, the leftmost is. A hop that is not an address stops the
	walk and the last good address is the answer.
	"""
	trusted = tuple(trusted_proxies)
	if not ip_in_networks(remote_addr, trusted):
		return remote_addr
	last = remote_addr
	for hop in reversed((forwarded_for or "").split(",")):
		address = _address(hop)
		if address is None:
			break
		last = str(address)
		if not _in_networks(address, trusted):
			break
	return last


def behind_an_untrusted_proxy(
	remote_addr: str | None, forwarded_for: str | None, trusted_proxies: Iterable[Network]
) -> bool:
	"""Whether the request looks forwarded by a proxy the site has not said it trusts: no
	trusted proxies are configured, the peer is a loopback or private address (nginx or a load
	balancer on the same host or network) and it sent ``X-Forwarded-For``. Every client then
	shares the proxy's address, for the brute-force guard and rate limits alike."""
	if tuple(trusted_proxies) or not (forwarded_for or "").strip():
		return False
	address = _address(remote_addr)
	return address is not None and (address.is_loopback or address.is_private)
