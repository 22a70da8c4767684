"""Trusted-proxy networks and the client address read through them."""

from ipaddress import IPv4Network, ip_network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from my_api_app.shared.rules.client_ip import (
	NETWORK_PATTERN,
	NetworkText,
	client_ip,
	ip_in_networks,
	network_within,
	parse_networks,
)

PROXIES = parse_networks("10.0.0.0/8\n2001:db8::/32\n")


def test_parse_networks_from_text():
	text = """
	# load balancers
	10.0.0.0/8
	192.168.1.7      # the old proxy

	2001:db8::/32
	::1
	"""
	assert parse_networks(text) == (
		ip_network("10.0.0.0/8"),
		ip_network("192.168.1.7/32"),
		ip_network("2001:db8::/32"),
		ip_network("::1/128"),
	)


def test_parse_networks_from_a_list():
	assert parse_networks(["10.0.0.0/8", " ", "# none", "1.2.3.4"]) == (
		ip_network("10.0.0.0/8"),
		ip_network("1.2.3.4/32"),
	)


def test_parse_networks_empty():
	assert parse_networks("") == ()
	assert parse_networks("# nothing\n\n") == ()
	assert parse_networks([]) == ()


@pytest.mark.parametrize(
	("text", "message"),
	[
		("10.0.0.0/8\n10.0.0.0/33", r"line 2: '10.0.0.0/33'"),
		("\n\nlocalhost", r"line 3: 'localhost'"),
		("1.2.3", r"line 1: '1.2.3'"),
	],
)
def test_parse_networks_names_the_bad_line(text, message):
	with pytest.raises(ValueError, match=message):
		parse_networks(text)


def test_parse_networks_clears_host_bits_as_the_api_schema_does():
	"""Desk and the API store the same range for the same text (the schema's pattern cannot
	refuse host bits, so neither refuses them)."""
	assert parse_networks("10.0.0.1/8\n2001:db8::1/32") == (
		ip_network("10.0.0.0/8"),
		ip_network("2001:db8::/32"),
	)
	assert [str(n) for n in parse_networks("10.0.0.1/8")] == [_network_text.validate_python("10.0.0.1/8")]


def test_parse_networks_names_the_bad_item():
	with pytest.raises(ValueError, match="item 2: 'nope'"):
		parse_networks(["10.0.0.0/8", "nope"])


@pytest.mark.parametrize(
	("ip", "inside"),
	[
		("10.1.2.3", True),
		(" 10.1.2.3 ", True),
		("11.1.2.3", False),
		("2001:db8::5", True),
		("2001:db9::5", False),
		("::ffff:10.1.2.3", True),  # IPv4-mapped IPv6 matches the IPv4 network
		("::ffff:11.1.2.3", False),
		("garbage", False),
		("10.1.2.3:80", False),
		("", False),
		(None, False),
	],
)
def test_ip_in_networks(ip, inside):
	assert ip_in_networks(ip, PROXIES) is inside


def test_nothing_is_in_no_networks():
	assert not ip_in_networks("10.1.2.3", ())


@pytest.mark.parametrize(
	("peer", "forwarded", "trusted", "client"),
	[
		# an untrusted peer is the client, and its header is ignored
		("203.0.113.9", "1.1.1.1", PROXIES, "203.0.113.9"),
		("203.0.113.9", None, PROXIES, "203.0.113.9"),
		("203.0.113.9", "1.1.1.1", (), "203.0.113.9"),
		(None, "1.1.1.1", PROXIES, None),
		# a trusted peer's header is read from the right: the client spoofed 6.6.6.6, our proxy
		# appended the real peer 203.0.113.9
		("10.0.0.2", "6.6.6.6, 203.0.113.9", PROXIES, "203.0.113.9"),
		("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.7", PROXIES, "203.0.113.9"),
		("10.0.0.2", "203.0.113.9", PROXIES, "203.0.113.9"),
		# a trusted peer without a header is the client
		("10.0.0.2", None, PROXIES, "10.0.0.2"),
		("10.0.0.2", "", PROXIES, "10.0.0.2"),
		# every hop trusted: the leftmost
		("10.0.0.2", "10.0.0.5, 10.0.0.6", PROXIES, "10.0.0.5"),
		# a hop that does not parse stops the walk
		("10.0.0.2", "1.1.1.1, unknown, 10.0.0.6", PROXIES, "10.0.0.6"),
		("10.0.0.2", "1.1.1.1, unknown", PROXIES, "10.0.0.2"),
		("10.0.0.2", "1.1.1.1, , 10.0.0.6", PROXIES, "10.0.0.6"),
		# ports and spaces are stripped
		("10.0.0.2", " 203.0.113.9:5678 ", PROXIES, "203.0.113.9"),
		("10.0.0.2", "[2001:db9::1]:80", PROXIES, "2001:db9::1"),
		("10.0.0.2", "2001:db9::1", PROXIES, "2001:db9::1"),
		("10.0.0.2", "203.0.113.9, [2001:db8::7]:443", PROXIES, "203.0.113.9"),
		# IPv6 peers and mapped addresses
		("2001:db8::1", "203.0.113.9", PROXIES, "203.0.113.9"),
		("::ffff:10.0.0.2", "203.0.113.9", PROXIES, "203.0.113.9"),
		("10.0.0.2", "203.0.113.9, ::ffff:10.0.0.9", PROXIES, "203.0.113.9"),
	],
)
def test_the_client_is_the_rightmost_untrusted_hop(peer, forwarded, trusted, client):
	assert client_ip(peer, forwarded, trusted) == client


def test_trusted_proxies_may_be_any_iterable():
	assert client_ip("10.0.0.2", "203.0.113.9", iter(PROXIES)) == "203.0.113.9"


@pytest.mark.parametrize(
	("network", "allowed", "within"),
	[
		("10.1.0.0/16", "10.0.0.0/8", True),
		("10.0.0.0/8", "10.0.0.0/8", True),
		("10.0.0.0/7", "10.0.0.0/8", False),
		("11.0.0.0/8", "10.0.0.0/8", False),
		("10.1.2.3/32", "10.0.0.0/8\n192.168.0.0/16", True),
		("0.0.0.0/0", "10.0.0.0/8", False),
		("2001:db8:1::/48", "2001:db8::/32", True),
		("2001:db8::/31", "2001:db8::/32", False),
		("::/0", "::/0", True),
		# an IPv4 range also lets in its ::ffff: forms; a mapped IPv6 range lets in only those
		("::ffff:10.1.0.0/112", "10.0.0.0/8", True),
		("::ffff:10.0.0.0/104", "10.0.0.0/8", True),
		("::ffff:11.0.0.0/104", "10.0.0.0/8", False),
		("10.0.0.0/8", "::ffff:10.0.0.0/104", False),
		("::ffff:10.0.0.0/104", "::ffff:0:0/96", True),
		("10.0.0.0/8", "::/0", False),
		("::/0", "0.0.0.0/0", False),
		("10.0.0.0/8", "", False),
	],
)
def test_network_within(network, allowed, within):
	assert network_within(ip_network(network), parse_networks(allowed)) is within


SMALL_V4 = st.builds(
	lambda host, prefix: IPv4Network((f"10.0.0.{host}", prefix), strict=False),
	st.integers(0, 255),
	st.integers(26, 32),
)


@given(network=SMALL_V4, allowed=st.lists(SMALL_V4, max_size=3), mapped=st.booleans())
def test_network_within_means_every_address_it_lets_in_is_let_in(network, allowed, mapped):
	"""Checked address by address (and the ::ffff: form of each) against ip_in_networks."""
	if mapped:
		network = ip_network(f"::ffff:{network.network_address}/{network.prefixlen + 96}")
	addresses = [str(address) for address in network]
	if isinstance(network, IPv4Network):
		addresses += [f"::ffff:{address}" for address in network]
	admitted = all(ip_in_networks(address, allowed) for address in addresses)
	if network_within(network, allowed):
		assert admitted
	elif not mapped and len(allowed) <= 1:  # one range: the check is exact, not only safe
		assert not admitted


# Address ranges as endpoints take them (NetworkText: the OpenAPI pattern, then ipaddress).
_network_text = TypeAdapter(NetworkText)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(NETWORK_PATTERN, fullmatch=True))
def test_every_range_the_schema_allows_is_a_network(text):
	assert _network_text.validate_python(text) == str(ip_network(text, strict=False))


@pytest.mark.parametrize(
	"text, canonical",
	[
		("10.0.0.1/8", "10.0.0.0/8"),
		("198.51.100.7", "198.51.100.7/32"),
		("2001:DB8::1/32", "2001:db8::/32"),
		("::1", "::1/128"),
	],
)
def test_ranges_are_answered_canonical_with_host_bits_cleared(text, canonical):
	assert _network_text.validate_python(text) == canonical


@pytest.mark.parametrize(
	"text",
	["10.0.0.256", "010.0.0.1", "10.0.0.0/33", "fe80::1%eth0", "::ffff:1.2.3.4", "1.2.3.4 ", "", "host"],
)
def test_the_schema_refuses_what_is_no_range(text):
	with pytest.raises(ValidationError):
		_network_text.validate_python(text)
