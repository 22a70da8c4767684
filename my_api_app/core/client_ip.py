"""The client's address behind trusted proxies, and address allow-lists.

X-Forwarded-For is only believed when the direct peer is a proxy we trust; then it is read
from the right (the hops our own proxies appended) and the first address that is not one of
our proxies is the client. Everything left of that was written by the client and is ignored.
"""

import ipaddress
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Network = IPv4Network | IPv6Network


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
	"""CIDRs or bare addresses, one per line or item; blank lines and ``#`` comments are skipped.

	A bare address is a /32 (or /128). Host bits set after the prefix (``10.0.0.1/8``) are an
	error rather than silently widened, since that is usually a typo.
	"""
	label, lines = ("line", value.splitlines()) if isinstance(value, str) else ("item", value)
	networks = []
	for number, line in enumerate(lines, start=1):
		entry = line.split("#", 1)[0].strip()
		if not entry:
			continue
		try:
			networks.append(ipaddress.ip_network(entry))
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
