"""SSRF guard: schemes, literal and oddly spelled addresses resolved by the real system resolver."""

import ipaddress
import socket

import pytest

from my_api_app.webhooks.rules.address_guard import BlockedAddress, check_url, refusal


def vetted(url: str, **kwargs) -> list:
	"""The addresses ``check_url`` vets, as addresses: Python 3.13 writes an IPv4-mapped one dotted
	(``::ffff:8.8.8.8``), older Pythons in hex (``::ffff:808:808``)."""
	return [ipaddress.ip_address(address) for address in check_url(url, **kwargs)]


def addresses(*texts: str) -> list:
	return [ipaddress.ip_address(text) for text in texts]


@pytest.mark.parametrize(
	("url", "expected"),
	[
		("https://93.184.216.34/hooks", ["93.184.216.34"]),
		("http://8.8.8.8:8080/x?y=1", ["8.8.8.8"]),
		("HTTPS://1.1.1.1", ["1.1.1.1"]),
		("https://[2606:4700:4700::1111]/", ["2606:4700:4700::1111"]),
		("https://[::ffff:8.8.8.8]/", ["::ffff:808:808"]),  # mapped public stays public
		("https://[2002:808:808::1]/", ["2002:808:808::1"]),  # 6to4 of a public address
		("https://[64:ff9b::808:808]/", ["64:ff9b::808:808"]),  # NAT64 of a public address
	],
)
def test_public_addresses_pass_and_are_returned(url, expected):
	assert vetted(url) == addresses(*expected)


@pytest.mark.parametrize(
	("url", "reason"),
	[
		("http://127.0.0.1/", "loopback"),
		("http://127.255.255.254:8000/", "loopback"),
		("http://localhost/", "loopback"),
		("http://LOCALHOST:8000/", "loopback"),
		("http://10.1.2.3/", "private"),
		("http://172.16.0.1/", "private"),
		("http://172.31.255.255/", "private"),
		("http://192.168.1.1/", "private"),
		("http://100.64.0.1/", "shared"),
		("http://100.100.100.200/", "shared"),  # Alibaba Cloud's metadata service
		("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
		("http://169.254.1.1/", "link-local"),
		("http://0.0.0.0/", "unspecified"),
		("http://0/", "unspecified"),
		("http://224.0.0.1/", "multicast"),
		("http://224.0.1.1/", "multicast"),
		("http://239.255.255.250/", "multicast"),
		("http://240.0.0.1/", "reserved"),
		("http://255.255.255.255/", "reserved"),
		("http://192.0.0.170/", "IETF"),
		("http://192.0.2.1/", "documentation"),
		("http://198.18.0.1/", "benchmarking"),
		("http://192.88.99.1/", "6to4 relay"),
		# Numeric spellings, as the system resolver reads them.
		("http://2130706433/", "loopback"),
		("http://0x7f.1/", "loopback"),
		("http://0x7f000001/", "loopback"),
		("http://017700000001/", "loopback"),
		("http://0177.0.0.1/", "loopback"),
		("http://127.1/", "loopback"),
		("http://2852039166/", "cloud metadata"),  # 169.254.169.254
		("http://0xa9.0xfe.0xa9.0xfe/", "cloud metadata"),
		("http://93.184.216.34@127.0.0.1/", "loopback"),  # a public-looking user name
		# IPv6 literals.
		("http://[::1]/", "loopback"),
		("http://[0:0:0:0:0:0:0:1]:8080/", "loopback"),
		("http://[::]/", "unspecified"),
		("http://[fe80::1]/", "link-local"),
		("http://[fc00::1]/", "private"),
		("http://[fd12:3456::1]/", "private"),
		("http://[fd00:ec2::254]/", "cloud metadata"),
		("http://[fec0::1]/", "site-local"),
		("http://[ff02::1]/", "multicast"),
		("http://[2001:db8::1]/", "documentation"),
		("http://[::ffff:127.0.0.1]/", "IPv4-mapped form of loopback"),
		("http://[::ffff:7f00:1]/", "IPv4-mapped form of loopback"),
		("http://[::ffff:169.254.169.254]/", "IPv4-mapped form of cloud metadata"),
		("http://[::ffff:10.0.0.1]/", "IPv4-mapped form of private"),
		("http://[2002:7f00:1::1]/", "6to4 form of loopback"),
		("http://[2002:a9fe:a9fe::]/", "6to4 form of cloud metadata"),
		("http://[64:ff9b::7f00:1]/", "NAT64 form of loopback"),
		("http://[64:ff9b::a9fe:a9fe]/", "NAT64 form of cloud metadata"),
		("http://[64:ff9b:1::808:808]/", "local NAT64"),
		("http://[::127.0.0.1]/", "IPv4-compatible"),
		("http://[2001::1]/", "IETF"),  # Teredo
	],
)
def test_internal_addresses_are_blocked(url, reason):
	with pytest.raises(BlockedAddress, match=reason):
		check_url(url)


@pytest.mark.parametrize(
	("url", "reason"),
	[
		("ftp://93.184.216.34/", "scheme 'ftp'"),
		("file:///etc/passwd", "scheme 'file'"),
		("gopher://93.184.216.34:70/", "scheme 'gopher'"),
		("javascript:alert(1)", "scheme 'javascript'"),
		("//93.184.216.34/", "scheme '\\(none\\)'"),
		("93.184.216.34", "scheme '\\(none\\)'"),
		("http:///path", "no host"),
		("https://93.184.216.34:99999/", "invalid port"),
		("https://93.184.216.34:http/", "invalid port"),
	],
)
def test_bad_urls_are_blocked(url, reason):
	with pytest.raises(BlockedAddress, match=reason):
		check_url(url)


def test_allowlist_admits_the_listed_cidrs_only():
	assert check_url("http://127.0.0.1:8000/", allow=["127.0.0.1/32"]) == ["127.0.0.1"]
	assert check_url("http://localhost:8000/", allow=["127.0.0.1/32"]) == ["127.0.0.1"]
	assert vetted("http://[::ffff:127.0.0.1]/", allow=["127.0.0.1/32"]) == addresses("::ffff:7f00:1")
	assert check_url("http://10.9.8.7/", allow=["10.0.0.0/8", "::1/128"]) == ["10.9.8.7"]
	assert check_url("http://[::1]/", allow=["10.0.0.0/8", "::1/128"]) == ["::1"]
	with pytest.raises(BlockedAddress, match="loopback"):
		check_url("http://127.0.0.2/", allow=["127.0.0.1/32"])
	with pytest.raises(BlockedAddress, match="cloud metadata"):
		check_url("http://169.254.169.254/", allow=["10.0.0.0/8"])
	with pytest.raises(ValueError):
		check_url("http://10.0.0.1/", allow=["10.0.0.1/8"])


def two_hosts(public: str, internal: str):
	"""A resolver answering for one name with the real resolutions of two literal addresses,
	as a DNS name with several A/AAAA records does (no such name resolves offline)."""

	def resolve(host, port, family, kind):
		return socket.getaddrinfo(public, port, family, kind) + socket.getaddrinfo(
			internal, port, family, kind
		)

	return resolve


def test_any_internal_address_among_several_blocks_the_host():
	with pytest.raises(BlockedAddress, match=r"hooks\.example resolves to 10\.0\.0\.5, private"):
		check_url("https://hooks.example/", resolve=two_hosts("93.184.216.34", "10.0.0.5"))
	assert check_url("https://hooks.example/", resolve=two_hosts("93.184.216.34", "8.8.8.8")) == [
		"93.184.216.34",
		"8.8.8.8",
	]


def test_unresolvable_hosts_raise_the_resolver_error():
	with pytest.raises(socket.gaierror):
		check_url("https://no-such-host.invalid/")


def test_refusal_on_addresses():
	assert refusal(ipaddress.ip_address("93.184.216.34")) is None
	assert refusal(ipaddress.ip_address("fe80::1%eth0")) == "link-local"
	assert refusal(ipaddress.ip_address("3fff::1")) == "documentation"
