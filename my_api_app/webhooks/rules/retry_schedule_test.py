"""Retry delays with controlled randomness, Retry-After in both forms, and outcome classes."""

import email.utils
import time

import pytest

from my_api_app.webhooks.rules.retry_schedule import (
	DEFAULT_SCHEDULE,
	MAX_RETRY_AFTER,
	classify,
	next_attempt_delay,
	parse_retry_after,
)

NOW = 1_700_000_000.0
MIDDLE = lambda: 0.5  # noqa: E731 - the rng draw that means no jitter


def test_default_schedule_is_svix_s():
	assert DEFAULT_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
	delays = [next_attempt_delay(n, rng=MIDDLE) for n in range(1, 10)]
	assert delays == [0, 5, 300, 1800, 7200, 18000, 36000, 36000, None]


@pytest.mark.parametrize(("draw", "factor"), [(0.0, 0.9), (0.25, 0.95), (0.5, 1.0), (0.999999, 1.1)])
def test_jitter_scales_within_ten_percent(draw, factor):
	assert next_attempt_delay(5, rng=lambda: draw) == pytest.approx(7200 * factor, abs=0.01)


def test_jitter_is_configurable_and_drawn_per_call():
	draws = iter([0.0, 1 - 1e-9])
	assert next_attempt_delay(3, jitter=0.5, rng=lambda: next(draws)) == pytest.approx(150)
	assert next_attempt_delay(3, rng=lambda: 0.0, jitter=0) == 300


def test_real_rng_stays_in_bounds():
	delays = [next_attempt_delay(4) for _ in range(500)]
	assert all(1620 <= d < 1980 for d in delays)
	assert len(set(delays)) > 400


def test_retry_after_wins_only_when_longer_and_is_capped():
	assert next_attempt_delay(2, rng=MIDDLE, retry_after=60) == 60
	assert next_attempt_delay(3, rng=MIDDLE, retry_after=60) == 300
	assert next_attempt_delay(2, rng=MIDDLE, retry_after=10 * 86400) == MAX_RETRY_AFTER == 86400
	assert next_attempt_delay(9, rng=MIDDLE, retry_after=60) is None


def test_custom_schedule_and_bad_arguments():
	assert next_attempt_delay(2, schedule=[1, 2], rng=MIDDLE) == 2
	assert next_attempt_delay(3, schedule=[1, 2], rng=MIDDLE) is None
	with pytest.raises(ValueError):
		next_attempt_delay(0)
	with pytest.raises(ValueError):
		next_attempt_delay(1, jitter=1)


@pytest.mark.parametrize(
	("value", "seconds"),
	[
		("120", 120),
		(" 0 ", 0),
		(email.utils.formatdate(NOW + 90, usegmt=True), 90),
		("Tue, 14 Nov 2023 22:13:20 GMT", 0),  # = NOW
		("Tue, 14 Nov 2023 22:14:20 GMT", 60),
		("Tuesday, 14-Nov-23 22:14:20 GMT", 60),  # obsolete forms RFC 9110 still asks to accept
		("Tue Nov 14 22:14:20 2023", 60),
		("Tue, 14 Nov 2023 22:12:20 GMT", 0),  # in the past: at once
		("Tue, 14 Nov 2023 22:14:20 -0000", 60),
		("-5", None),
		("1.5", None),
		("soon", None),
		("", None),
		(None, None),
	],
)
def test_parse_retry_after(value, seconds):
	assert parse_retry_after(value, now=NOW) == seconds


def test_parse_retry_after_defaults_to_the_clock():
	assert 25 < parse_retry_after(email.utils.formatdate(time.time() + 30, usegmt=True)) <= 30


@pytest.mark.parametrize(
	("status", "error", "outcome"),
	[
		(200, None, "delivered"),
		(201, None, "delivered"),
		(204, None, "delivered"),
		(299, None, "delivered"),
		(410, None, "disable"),
		(408, None, "retry"),
		(429, None, "retry"),
		(500, None, "retry"),
		(502, None, "retry"),
		(503, None, "retry"),
		(400, None, "retry"),
		(401, None, "retry"),
		(404, None, "retry"),
		(301, None, "retry"),
		(100, None, "retry"),
		(None, "ConnectionError: connection refused", "retry"),
		(None, "ReadTimeout: timed out", "retry"),
	],
)
def test_classify(status, error, outcome):
	assert classify(status, error) == outcome


def test_classify_needs_a_status_or_an_error():
	with pytest.raises(ValueError):
		classify(None, None)
