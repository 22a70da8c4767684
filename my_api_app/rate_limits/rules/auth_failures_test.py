"""The brute-force guard's counts against a real Redis: per (address, account) and per address,
on the rate limiter's own engine (one script per call)."""

import time

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from my_api_app.rate_limits.rules.auth_failures import AuthFailureGuard
from my_api_app.rate_limits.rules.gcra import GcraLimiter


@pytest.fixture
def client(redis_url):
	client = redis.Redis.from_url(redis_url)
	client.flushdb()
	return client


def guard(client, **limits) -> AuthFailureGuard:
	return AuthFailureGuard(GcraLimiter(client), "site|af:", **limits)


def test_an_account_is_refused_from_its_limit_at_that_address_only(client):
	g = guard(client, limit=3, address_limit=100, window=3)
	assert g.standing("203.0.113.5", "user:a").retry_after is None
	fills = [g.record_failure("203.0.113.5", "user:a").retry_after for _ in range(3)]
	assert fills[:2] == [None, None] and fills[2] is not None  # the failure that fills the bucket says so
	standing = g.standing("203.0.113.5", "user:a")
	assert standing.account_retry_after is not None and standing.address_retry_after is None
	assert 1 <= standing.retry_after <= 3
	# the same account from another address, another account from the same address: untouched
	assert g.standing("203.0.113.6", "user:a").retry_after is None
	assert g.standing("203.0.113.5", "user:b").retry_after is None


def test_the_address_limit_stops_a_spray_over_many_accounts(client):
	g = guard(client, limit=3, address_limit=5, window=30)
	for n in range(5):
		g.record_failure("198.51.100.1", f"user:{n}")
	standing = g.standing("198.51.100.1", "user:new")
	assert standing.account_retry_after is None and standing.address_retry_after is not None
	assert g.standing("198.51.100.2", "user:new").retry_after is None


def test_a_bucket_admits_again_as_its_window_drains(client):
	g = guard(client, limit=2, address_limit=100, window=2)
	for _ in range(2):
		g.record_failure("a", "user:x")
	assert g.standing("a", "user:x").retry_after is not None
	time.sleep(1.1)  # one emission interval (window / limit)
	assert g.standing("a", "user:x").retry_after is None


def test_looking_counts_nothing_and_refused_failures_do_not_extend_the_lock(client):
	g = guard(client, limit=1, address_limit=100, window=60)
	for _ in range(5):
		g.standing("a", "user:x")
	assert g.record_failure("a", "user:x").retry_after is not None  # the first fills it
	key = g.buckets("a", "user:x")[0].key
	ttl = client.pttl(key)
	for _ in range(5):
		assert g.record_failure("a", "user:x").retry_after is not None
	assert client.pttl(key) <= ttl


def test_keys_name_no_account(client):
	g = guard(client)
	g.record_failure("192.0.2.1", "user:jane@example.com")
	assert not [key for key in client.keys("*") if b"jane" in key]


def test_limits_must_be_positive(client):
	with pytest.raises(ValueError):
		guard(client, limit=0)
	with pytest.raises(ValueError):
		guard(client, address_limit=0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(failures=st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["u1", "u2", "u3"])), max_size=30))
def test_failures_at_other_addresses_or_accounts_never_refuse_a_pair(client, failures):
	"""Whatever the failures elsewhere, a pair is refused only by its own failures (or its
	address's, past the address limit). The Redis is emptied for each example."""
	client.flushdb()
	g = guard(client, limit=4, address_limit=1000, window=600)
	for address, account in failures:
		g.record_failure(address, account)
	own = sum(1 for pair in failures if pair == ("a", "u1"))
	refused = g.standing("a", "u1").retry_after is not None
	assert refused == (own >= 4)
