"""The brute-force counter against a real Redis: limit, window, one script per call."""

import time

import pytest
import redis

from my_api_app.core.auth_failures import AuthFailureGuard


@pytest.fixture
def client(redis_url):
	client = redis.Redis.from_url(redis_url)
	client.flushdb()
	return client


def test_an_address_is_refused_from_the_limit_until_the_window_ends(client):
	guard = AuthFailureGuard(client, "site|af:", limit=3, window=2)
	assert guard.standing("203.0.113.5").retry_after is None
	assert [guard.record_failure("203.0.113.5").retry_after is None for _ in range(3)] == [True, True, False]
	standing = guard.standing("203.0.113.5")
	assert standing.failures == 3 and 1 <= standing.retry_after <= 2
	assert guard.standing("203.0.113.6").retry_after is None  # per address
	time.sleep(2.2)
	assert guard.standing("203.0.113.5").retry_after is None


def test_refusals_do_not_extend_the_window(client):
	guard = AuthFailureGuard(client, "site|af:", limit=1, window=5)
	guard.record_failure("a")
	ttl = client.ttl("site|af:a")
	for _ in range(5):
		guard.record_failure("a")
	assert client.ttl("site|af:a") <= ttl


def test_limits_must_be_positive(client):
	with pytest.raises(ValueError):
		AuthFailureGuard(client, "p", limit=0)
