"""GCRA against a real Redis: controlled time, refill, isolation, exactness under concurrency."""

import multiprocessing

import pytest
import redis

from my_api_app.rate_limits.rules.gcra import (
	Decision,
	GcraLimiter,
	Limit,
	Policy,
	admitted,
	rate_limit_headers,
)

T0 = 1_800_000_000.0  # a fixed clock for the tests that control time


def admitted_n(limiter, key, n, **kw):
	return [limiter.check(key, **kw).allowed for _ in range(n)]


def test_burst_then_refusal_with_retry_after(redis_client):
	limiter = GcraLimiter(redis_client)
	decisions = [limiter.check("k", limit=5, period=60, now=T0) for _ in range(6)]
	assert [d.allowed for d in decisions] == [True] * 5 + [False]
	assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
	refused = decisions[-1]
	assert refused.retry_after == 12.0  # one emission interval: 60 s / 5
	assert refused.reset_after == 60.0


def test_refill_follows_the_emission_interval(redis_client):
	limiter = GcraLimiter(redis_client)
	assert all(admitted_n(limiter, "k", 5, limit=5, period=60, now=T0))
	assert not limiter.check("k", limit=5, period=60, now=T0 + 11.9).allowed
	assert limiter.check("k", limit=5, period=60, now=T0 + 12).allowed
	assert not limiter.check("k", limit=5, period=60, now=T0 + 12).allowed
	full = limiter.check("k", limit=5, period=60, now=T0 + 200)
	assert full.allowed and full.remaining == 4


def test_burst_smaller_than_limit(redis_client):
	limiter = GcraLimiter(redis_client)
	assert admitted_n(limiter, "k", 3, limit=60, period=60, burst=2, now=T0) == [True, True, False]


def test_keys_are_isolated(redis_client):
	limiter = GcraLimiter(redis_client)
	assert all(admitted_n(limiter, "key-a", 3, limit=3, period=60, now=T0))
	assert not limiter.check("key-a", limit=3, period=60, now=T0).allowed
	assert limiter.check("key-b", limit=3, period=60, now=T0).allowed


def test_state_expires_from_redis(redis_client):
	limiter = GcraLimiter(redis_client)
	limiter.check("k", limit=10, period=1)
	ttl = redis_client.pttl("k")
	assert 0 < ttl <= 100


def test_one_round_trip_per_check(redis_client):
	limiter = GcraLimiter(redis_client)
	limiter.check("warm", limit=10, period=60)  # loads the script once
	redis_client.config_resetstat()
	for _ in range(20):
		limiter.check("k", limit=10, period=60)
	stats = redis_client.info("commandstats")
	# Commands the client sent; GET, SET and TIME run inside the script on the server.
	sent = {name for name in stats if not name.startswith(("cmdstat_config", "cmdstat_info"))}
	assert sent - {"cmdstat_get", "cmdstat_set", "cmdstat_time"} == {"cmdstat_evalsha"}
	assert stats["cmdstat_evalsha"]["calls"] == 20


def _hammer(url, key, n, queue):
	limiter = GcraLimiter(redis.Redis.from_url(url))
	queue.put(sum(limiter.check(key, limit=25, period=3600).allowed for _ in range(n)))


def test_exact_under_concurrency_across_processes(redis_url, redis_client):
	# fork, as on Linux before Python 3.14 (whose default, forkserver, would import this module anew)
	context = multiprocessing.get_context("fork")
	for attempt in range(5):
		queue = context.Queue()
		procs = [
			context.Process(target=_hammer, args=(redis_url, f"c{attempt}", 25, queue)) for _ in range(8)
		]
		for p in procs:
			p.start()
		for p in procs:
			p.join(timeout=60)
		assert sum(queue.get(timeout=5) for _ in procs) == 25


def test_several_limits_all_or_nothing(redis_client):
	limiter = GcraLimiter(redis_client)
	limits = [Limit("tight", Policy("tight", 2, 60)), Limit("loose", Policy("loose", 100, 60))]
	decisions = [limiter.check_all(limits, now=T0) for _ in range(3)]
	assert [admitted(d) for d in decisions] == [True, True, False]
	refused = decisions[-1]
	assert [d.allowed for d in refused] == [False, True]
	assert refused[1].remaining == 98  # the refused request was not counted against "loose"
	assert limiter.check("loose", limit=100, period=60, now=T0).remaining == 97


def test_several_limits_one_round_trip(redis_client):
	limiter = GcraLimiter(redis_client)
	limits = [Limit(f"m{i}", Policy(f"m{i}", 10, 60)) for i in range(4)]
	limiter.check_all(limits)
	redis_client.config_resetstat()
	for _ in range(10):
		limiter.check_all(limits)
	assert redis_client.info("commandstats")["cmdstat_evalsha"]["calls"] == 10


def test_invalid_limits_are_refused():
	for bad in ((0, 60, None), (5, 0, None), (5, 60, 0)):
		with pytest.raises(ValueError):
			Policy("k", *bad)


def test_headers():
	ok = rate_limit_headers(Decision(True, 100, 60, 42, 0.0, 17.2, policy="per-key"))
	assert ok == {
		"RateLimit-Policy": '"per-key";q=100;w=60',
		"RateLimit": '"per-key";r=42;t=18',
		"X-RateLimit-Limit": "100",
		"X-RateLimit-Remaining": "42",
		"X-RateLimit-Reset": "18",
	}
	refused = rate_limit_headers(Decision(False, 100, 60, 0, 0.4, 60.0))
	assert refused["Retry-After"] == "1" and refused["RateLimit"] == '"default";r=0;t=60'


def test_headers_describe_the_closest_limit():
	headers = rate_limit_headers(
		[
			Decision(True, 100, 60, 50, 0.0, 30.0, policy="minute"),
			Decision(False, 1000, 3600, 0, 7.2, 3600.0, policy="hour"),
		]
	)
	assert headers["RateLimit-Policy"] == '"minute";q=100;w=60, "hour";q=1000;w=3600'
	assert headers["RateLimit"] == '"hour";r=0;t=3600'
	assert headers["X-RateLimit-Limit"] == "1000"
	assert headers["Retry-After"] == "8"
