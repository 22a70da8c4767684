"""A credential hands out nothing beyond itself: scopes, lifetime, addresses."""

from datetime import datetime

import pytest

from my_api_app.api_keys.rules.grants import Holding, excess
from my_api_app.shared.rules.client_ip import parse_networks
from my_api_app.shared.rules.scopes import ScopeError, ScopeSet

NOON = datetime(2030, 1, 1, 12, 0, 0)
FULL = Holding(ScopeSet(["*"]), None, ())


def holding(scopes=("*",), expires_at=None, networks=""):
	return Holding(ScopeSet(scopes), expires_at, parse_networks(networks))


def test_a_credential_without_limits_grants_anything():
	assert excess(FULL, ["*"], None, ()) is None


@pytest.mark.parametrize(
	("scopes", "granted", "kind"),
	[
		(("doctype:ToDo:read",), ["doctype:ToDo:read"], None),
		(("doctype:ToDo:read",), ["doctype:ToDo:write"], "scope"),
		(("doctype:ToDo:read",), ["*"], "scope"),
		(("method:my_app.*",), ["method:my_app.api.x"], None),
	],
)
def test_scopes_are_those_it_holds(scopes, granted, kind):
	found = excess(holding(scopes), granted, None, ())
	assert (found.kind if found else None) == kind
	if found:
		assert found.scope == granted[0]


def test_a_scope_that_does_not_parse_is_an_error():
	with pytest.raises(ScopeError):
		excess(holding(("doctype:ToDo:read",)), ["doctype:ToDo"], None, ())


@pytest.mark.parametrize(
	("expires_at", "kind"),
	[
		(datetime(2030, 1, 1, 11, 59), None),
		(NOON, None),
		(datetime(2030, 1, 1, 12, 0, 1), "expiry"),
		(None, "expiry"),  # never expires: longer than any end
	],
)
def test_a_key_ends_no_later_than_the_credential(expires_at, kind):
	found = excess(holding(expires_at=NOON), ["*"], expires_at, ())
	assert (found.kind if found else None) == kind
	if found:
		assert "2030-01-01 12:00:00" in found.detail


@pytest.mark.parametrize(
	("networks", "kind"),
	[
		("10.1.0.0/16", None),
		("10.1.0.0/16\n192.168.1.0/24", None),
		("", "address"),  # no ranges: any address
		("10.0.0.0/7", "address"),
		("10.1.0.0/16\n11.0.0.0/8", "address"),
		("::ffff:10.1.0.0/112", None),
	],
)
def test_a_key_is_used_only_from_within_the_credential_ranges(networks, kind):
	found = excess(holding(networks="10.0.0.0/8\n192.168.0.0/16"), ["*"], None, parse_networks(networks))
	assert (found.kind if found else None) == kind


def test_scopes_are_checked_before_lifetime_and_addresses():
	tight = holding(("doctype:ToDo:read",), NOON, "10.0.0.0/8")
	assert excess(tight, ["*"], None, ()).kind == "scope"
	assert excess(tight, ["doctype:ToDo:read"], None, ()).kind == "expiry"
	assert excess(tight, ["doctype:ToDo:read"], NOON, ()).kind == "address"
	assert excess(tight, ["doctype:ToDo:read"], NOON, parse_networks("10.0.0.0/9")) is None
