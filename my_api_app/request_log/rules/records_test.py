"""The request log buffer against a real Redis: record shape and redaction, batches, recovery of
a batch whose flush died, one flush at a time, and a concurrent burst losing nothing."""

import json
import multiprocessing

import pytest
import redis

from my_api_app.request_log.rules.records import (
	FIELDS,
	RequestLogBuffer,
	decode,
	encode,
	make_record,
	route_of,
	should_trigger_flush,
	stored_text,
	time_ordered_id,
)
from my_api_app.shared.rules.dispatch import resolve

PREFIX = "site1|"


def record(n: int, **overrides) -> dict:
	values = {
		"at": 1_800_000_000.0 + n,
		"http_method": "GET",
		"path": f"/api/method/app.api.thing_{n}",
		"user": "a@example.com",
		"auth": "API Key",
		"api_key": "mak_key",
		"status": 200,
		"duration_ms": 1.5,
		"response_size": 10,
		"request_id": f"req-{n:08d}",
		"client_ip": "203.0.113.9",
		**overrides,
	}
	return make_record(**values)


class Collector:
	"""A writer that keeps records by id, as INSERT IGNORE on the name does, and counts calls."""

	def __init__(self, fail_times: int = 0):
		self.rows: dict[str, dict] = {}
		self.batches: list[int] = []
		self.fail_times = fail_times

	def __call__(self, records: list[dict]) -> None:
		if self.fail_times:
			self.fail_times -= 1
			raise RuntimeError("database went away")
		self.batches.append(len(records))
		for r in records:
			self.rows.setdefault(r["id"], r)


def test_record_has_exactly_the_fields_and_no_secret():
	path = "/api/method/x.y?token=mas_abc"
	r = record(1, path=path, api_key="mak_" + "k" * 200, call=resolve("GET", path, {}))
	assert tuple(r) == FIELDS
	assert "mas_abc" not in json.dumps(r)
	assert len(r["api_key"]) == 140
	assert r["route"] == "method" and r["target"] == "x.y?token=mas_[redacted]"


def test_record_ids_are_unique_and_sort_by_time():
	ids = [record(n)["id"] for n in (0, 0, 1, 3600)]
	assert len(set(ids)) == 4
	assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
	assert ids[1] < ids[2] < ids[3] and ids[0] < ids[2]
	assert time_ordered_id(1_800_000_000.0) < time_ordered_id(1_800_000_000.001)


def test_stored_text_replaces_secrets_and_jwts_and_cuts_long_paths():
	jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"
	assert stored_text(f"/api/method/a.b/{jwt}/mas_SECRET123", 255) == (
		"/api/method/a.b/[jwt redacted]/mas_[redacted]"
	)
	assert len(stored_text("/api/resource/ToDo/" + "x" * 1000, 255)) == 255
	assert stored_text("/api/resource/ToDo/abc", 255) == "/api/resource/ToDo/abc"


def test_stored_text_is_inert_markup_and_never_cut_inside_an_escape():
	assert stored_text("/api/x<img src=x onerror=alert(1)>", 255) == "/api/x%3Cimg src=x onerror=alert(1)%3E"
	assert stored_text("/api/" + "a" * 247 + "<b", 255) == "/api/" + "a" * 247 + "%3C"
	assert stored_text("/api/" + "a" * 248 + "<b", 255) == "/api/" + "a" * 248  # not "...%3"
	assert stored_text("/api/" + "a" * 249 + "<b", 255) == "/api/" + "a" * 249  # not "...%"


@pytest.mark.parametrize(
	("method", "path", "form", "expected"),
	[
		("POST", "/api/method/my_app.api.orders.create", {}, ("method", "my_app.api.orders.create")),
		("GET", "/api/v1/method/ping", {}, ("method", "ping")),
		("GET", "/api/v2/method/ping", {}, ("method", "ping")),
		("GET", "/", {"cmd": "frappe.client.get_value"}, ("method", "frappe.client.get_value")),
		("GET", "/api/method/a.b", {"cmd": "c.d"}, ("method", "c.d")),
		("GET", "/api/method/a.b", {"cmd": "mas_" + "x" * 38}, ("method", "mas_[redacted]")),
		("GET", "/api/v2/method/ToDo/close", {}, ("document", "ToDo")),
		("GET", "/api/resource/API Key/mak_1", {}, ("resource", "API Key")),
		("GET", "/api/v1/resource/ToDo", {}, ("resource", "ToDo")),
		("GET", "/api/v2/document/ToDo/abc", {}, ("document", "ToDo")),
		("GET", "/api/v2/doctype/ToDo/meta", {}, ("doctype", "ToDo")),
		("GET", "/api/unknown", {}, ("other", None)),
	],
)
def test_route_of_names_the_method_or_doctype_the_call_runs(method, path, form, expected):
	assert route_of(resolve(method, path, form)) == expected
	assert record(1, call=resolve(method, path, form))["target"] == expected[1]


def test_decode_drops_entries_that_are_not_records():
	assert decode(b"not json") is None
	assert decode(b"[1, 2]") is None
	assert decode(b'{"no": "id"}') is None
	r = record(1)
	assert decode(encode(r)) == r


def test_flush_writes_everything_in_order_in_batches(redis_client):
	buffer = RequestLogBuffer(redis_client, PREFIX, batch_size=4)
	pushed = [record(n) for n in range(10)]
	assert [buffer.push(r) for r in pushed] == list(range(1, 11))
	writer = Collector()
	result = buffer.flush(writer)
	assert (result.written, result.batches, result.recovered, result.locked) == (10, 3, 0, False)
	assert writer.batches == [4, 4, 2]
	assert list(writer.rows.values()) == pushed
	assert buffer.pending() == 0
	assert buffer.flush(writer).written == 0


def test_keys_are_per_site(redis_client):
	one, two = RequestLogBuffer(redis_client, "site1|"), RequestLogBuffer(redis_client, "site2|")
	one.push(record(1))
	writer = Collector()
	assert two.flush(writer).written == 0
	assert one.flush(writer).written == 1


def test_a_batch_whose_flush_died_is_written_by_the_next_flush(redis_client):
	buffer = RequestLogBuffer(redis_client, PREFIX, batch_size=3)
	pushed = [record(n) for n in range(5)]
	for r in pushed:
		buffer.push(r)
	recovered, taken = buffer.take_batch()  # a flush took a batch, wrote it (or not), then died
	assert not recovered and len(taken) == 3
	assert buffer.pending() == 5
	late = record(5)
	buffer.push(late)
	writer = Collector()
	writer.rows.update({decode(e)["id"]: decode(e) for e in taken[:2]})  # it had written 2 of them
	result = buffer.flush(writer)
	assert result.recovered == 3
	assert writer.batches == [3, 3]  # the unfinished batch first, whole, then the rest
	assert list(writer.rows.values()) == [*pushed, late]  # each once (the writer ignores duplicates)
	assert buffer.pending() == 0


def test_a_failing_write_keeps_the_batch_for_the_next_flush(redis_client):
	buffer = RequestLogBuffer(redis_client, PREFIX, batch_size=10)
	pushed = [record(n) for n in range(4)]
	for r in pushed:
		buffer.push(r)
	writer = Collector(fail_times=1)
	with pytest.raises(RuntimeError):
		buffer.flush(writer)
	assert buffer.pending() == 4
	assert not redis_client.exists(buffer.lock)  # released despite the error
	result = buffer.flush(writer)
	assert (result.written, result.recovered) == (4, 4)
	assert list(writer.rows.values()) == pushed


def test_only_one_flush_at_a_time_and_a_dead_holder_lock_expires(redis_client):
	buffer = RequestLogBuffer(redis_client, PREFIX, lock_seconds=1)
	buffer.push(record(1))
	redis_client.set(buffer.lock, "another flush", px=300)
	writer = Collector()
	result = buffer.flush(writer)
	assert result.locked and result.written == 0 and buffer.pending() == 1
	redis_client.pexpire(buffer.lock, 1)
	while redis_client.exists(buffer.lock):
		pass
	assert buffer.flush(writer).written == 1


def test_garbage_entries_are_dropped_not_retried(redis_client):
	buffer = RequestLogBuffer(redis_client, PREFIX)
	buffer.push(record(1))
	redis_client.rpush(buffer.queue, b"garbage")
	result = buffer.flush(Collector())
	assert (result.written, result.dropped) == (1, 1)
	assert buffer.pending() == 0


def test_push_fails_loudly_when_redis_is_down():
	client = redis.Redis(port=1, socket_connect_timeout=0.5)  # nothing listens on port 1
	buffer = RequestLogBuffer(client, PREFIX)
	with pytest.raises(redis.ConnectionError):
		buffer.push(record(1))


def test_should_trigger_flush_once_per_threshold():
	assert [n for n in range(1, 2001) if should_trigger_flush(n, 500)] == [500, 1000, 1500, 2000]
	assert not should_trigger_flush(10, 0)


def _pusher(url: str, worker: int, count: int) -> None:
	buffer = RequestLogBuffer(redis.Redis.from_url(url), PREFIX, batch_size=50)
	for n in range(count):
		buffer.push(record(n, request_id=f"w{worker}-{n}"))


def _flusher(url: str, rounds: int) -> None:
	client = redis.Redis.from_url(url)
	buffer = RequestLogBuffer(client, PREFIX, batch_size=50)

	def write(records):  # count every write of every id: none may be written twice
		with client.pipeline(transaction=False) as pipe:
			for r in records:
				pipe.hincrby("written", r["request_id"], 1)
			pipe.execute()

	for _ in range(rounds):
		buffer.flush(write)


def test_a_concurrent_burst_is_written_exactly_once(redis_url, redis_client):
	pushers, per_pusher = 4, 1500
	context = multiprocessing.get_context("spawn")
	processes = [context.Process(target=_pusher, args=(redis_url, w, per_pusher)) for w in range(pushers)]
	processes += [context.Process(target=_flusher, args=(redis_url, 200)) for _ in range(2)]
	for p in processes:
		p.start()
	for p in processes:
		p.join(timeout=120)
		assert p.exitcode == 0
	_flusher(redis_url, 1)  # whatever arrived after the flushers stopped
	written = redis_client.hgetall("written")
	assert len(written) == pushers * per_pusher
	assert set(written.values()) == {b"1"}
	assert RequestLogBuffer(redis_client, PREFIX).pending() == 0
