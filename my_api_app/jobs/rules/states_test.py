"""Background-job rules without a database: transitions, result limit, errors, progress,
Retry-After, Idempotency-Key, retention, the 202 answer."""

import math

import pytest

from my_api_app.jobs.rules import states as jobs


def test_unfinished_statuses_move_forward_and_final_ones_never_change():
	assert jobs.can_move("queued", "started")
	assert jobs.can_move("queued", "canceled")
	assert jobs.can_move("queued", "failed")
	assert jobs.can_move("started", "finished")
	assert jobs.can_move("started", "failed")
	assert jobs.can_move("started", "canceled")
	assert not jobs.can_move("started", "queued")
	assert not jobs.can_move("queued", "finished")
	for final in ("finished", "failed", "canceled"):
		assert jobs.is_final(final)
		assert not any(jobs.can_move(final, other) for other in jobs.STATUSES)
	assert not jobs.is_final("queued") and not jobs.is_final("started")


def test_result_is_compact_json_within_the_limit():
	assert jobs.encode_result({"a": [1, "é"]}) == '{"a":[1,"é"]}'
	assert jobs.encode_result(None) == "null"
	exactly = "x" * 8  # '"xxxxxxxx"' is 10 bytes
	assert jobs.encode_result(exactly, limit=10) == '"xxxxxxxx"'
	with pytest.raises(jobs.ResultTooLarge) as caught:
		jobs.encode_result(exactly + "x", limit=10)
	assert (caught.value.size, caught.value.limit) == (11, 10)
	assert "11 bytes" in str(caught.value)


def test_result_limit_counts_utf8_bytes_not_characters():
	with pytest.raises(jobs.ResultTooLarge):
		jobs.encode_result("é" * 5, limit=11)  # 5 characters, 12 bytes with the quotes


def test_result_must_be_plain_json():
	with pytest.raises(TypeError):
		jobs.encode_result({1, 2})
	with pytest.raises(ValueError):
		jobs.encode_result(math.nan)


def test_error_message_names_the_error_on_one_line_without_traceback():
	assert jobs.error_message(ValueError("bad\n  input\tvalue")) == "ValueError: bad input value"
	assert jobs.error_message(KeyError()) == "KeyError"
	long = jobs.error_message(RuntimeError("y" * 5000))
	assert len(long) == jobs.MAX_ERROR_CHARS and long.endswith("…")


def test_progress_is_clamped_and_the_message_bounded():
	assert jobs.progress_values(42.123, " half\nway ") == (42.12, "half way")
	assert jobs.progress_values(-5, None) == (0.0, "")
	assert jobs.progress_values(250, "x" * 900)[0] == 100.0
	assert len(jobs.progress_values(1, "x" * 900)[1]) == jobs.MAX_PROGRESS_MESSAGE_CHARS
	for bad in (math.nan, "50", True, None):
		with pytest.raises(ValueError):
			jobs.progress_values(bad, "")


def test_retry_after_grows_with_age_and_stops_at_the_end():
	assert [jobs.retry_after("queued", age) for age in (0, 9.9, 10, 59, 60, 599, 600, 86400)] == [
		1,
		1,
		2,
		2,
		5,
		5,
		30,
		30,
	]
	assert jobs.retry_after("started", 0) == 1
	for final in ("finished", "failed", "canceled"):
		assert jobs.retry_after(final, 0) is None


def test_idempotency_keys_are_visible_ascii_up_to_255_characters():
	assert jobs.valid_idempotency_key("0d6f7a4e-3c1b-4c59-9a55-2f1b8e1c9f00")
	assert jobs.valid_idempotency_key("k" * 255)
	for bad in ("", "k" * 256, "has space", "tab\t", "ünïcode", "new\nline"):
		assert not jobs.valid_idempotency_key(bad)


def test_idempotency_digest_separates_callers_and_endpoints():
	base = jobs.idempotency_digest("a@example.com", "app.api.x.start", "key-1")
	assert base == jobs.idempotency_digest("a@example.com", "app.api.x.start", "key-1")
	assert len(base) == 64
	assert base != jobs.idempotency_digest("b@example.com", "app.api.x.start", "key-1")
	assert base != jobs.idempotency_digest("a@example.com", "app.api.y.start", "key-1")
	assert base != jobs.idempotency_digest("a@example.com", "app.api.x.start", "key-2")
	# The separator keeps ("ab", "c") and ("a", "bc") apart.
	assert jobs.idempotency_digest("ab", "c", "k") != jobs.idempotency_digest("a", "bc", "k")


def test_request_digest_ignores_key_order_but_not_values():
	assert jobs.request_digest({"a": 1, "b": {"c": 2, "d": 3}}) == jobs.request_digest(
		{"b": {"d": 3, "c": 2}, "a": 1}
	)
	assert jobs.request_digest({"a": 1}) != jobs.request_digest({"a": 2})


def test_retention_defaults_to_seven_days_and_must_be_positive():
	assert jobs.retention_days(None) == 7
	assert jobs.retention_days("") == 7
	assert jobs.retention_days(30) == 30
	assert jobs.retention_days("2") == 2
	with pytest.raises(ValueError):
		jobs.retention_days(0)
	with pytest.raises(ValueError):
		jobs.retention_days("soon")


def test_job_accepted_answers_job_id_and_status_url():
	accepted = jobs.JobAccepted("abc123", "/api/method/x.status?job_id=abc123")
	assert accepted.as_dict() == {"job_id": "abc123", "status_url": "/api/method/x.status?job_id=abc123"}
