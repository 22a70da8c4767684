"""Process-local copies against a real Redis: a copy is used until a change is announced, an
announcement is seen by the very next read of every other copy holder (no waiting), and with no
live subscription nothing is kept."""

import multiprocessing
import socket

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from my_api_app.shared.rules.local_copies import ALL, LocalCopies
from my_api_app.tests.pytest_redis import free_port, start_redis

CHANNEL = "site1|my_api_app:committed_cache"


class Source:
	"""The shared truth, and how often each key was loaded from it."""

	def __init__(self):
		self.values: dict[str, int] = {}
		self.loads: dict[str, int] = {}

	def loader(self, key: str):
		def load():
			self.loads[key] = self.loads.get(key, 0) + 1
			return self.values.get(key)

		return load


@pytest.fixture
def source():
	return Source()


def holder(redis_url: str, **kwargs) -> LocalCopies:
	"""A copy holder with a client of its own, as another process would have."""
	return LocalCopies(redis.Redis.from_url(redis_url), CHANNEL, **kwargs)


def test_a_copy_is_read_without_loading_again(redis_url, source):
	copies = holder(redis_url)
	source.values["rules"] = 1
	assert [copies.get("rules", source.loader("rules")) for _ in range(5)] == [1] * 5
	assert source.loads == {"rules": 1}


def test_an_announcement_reaches_the_next_read_of_every_holder(redis_url, source):
	one, two = holder(redis_url), holder(redis_url)
	source.values["rules"] = 1
	assert one.get("rules", source.loader("rules")) == 1
	assert two.get("rules", source.loader("rules")) == 1
	source.values["rules"] = 2
	one.announce("rules")  # no sleep: the message is on two's socket before announce returns
	assert two.get("rules", source.loader("rules")) == 2
	assert one.get("rules", source.loader("rules")) == 2
	assert source.loads == {"rules": 4}


def test_an_announcement_drops_only_its_key_and_all_drops_every_key(redis_url, source):
	one, two = holder(redis_url), holder(redis_url)
	for key in ("a", "b"):
		source.values[key] = key
		two.get(key, source.loader(key))
	one.announce("a")
	two.get("a", source.loader("a"))
	two.get("b", source.loader("b"))
	assert source.loads == {"a": 2, "b": 1}
	one.announce(ALL)
	two.get("a", source.loader("a"))
	two.get("b", source.loader("b"))
	assert source.loads == {"a": 3, "b": 2}


def test_holders_of_other_channels_keep_their_copies(redis_url, source):
	one = holder(redis_url)
	other_site = LocalCopies(redis.Redis.from_url(redis_url), "site2|my_api_app:committed_cache")
	source.values["a"] = 1
	other_site.get("a", source.loader("a"))
	one.announce("a")
	other_site.get("a", source.loader("a"))
	assert source.loads == {"a": 1}


def test_a_value_loaded_while_a_change_is_announced_is_not_kept(redis_url, source):
	"""The load read the old value; the change committed and was announced before the load
	finished: the old value is returned once (it was current when read) but never reused."""
	one, two = holder(redis_url), holder(redis_url)
	source.values["rules"] = 1

	def load_then_change():
		value = source.loader("rules")()
		source.values["rules"] = 2
		one.announce("rules")
		two.get("other", lambda: None)  # another thread of two reads the announcement
		return value

	assert two.get("rules", load_then_change) == 1
	assert two.get("rules", source.loader("rules")) == 2


def test_a_read_that_does_not_catch_up_sees_the_copies_as_they_stood(redis_url, source):
	"""One request's later reads: an announcement waiting on the socket is left there, and the
	next read that catches up applies it."""
	one, two = holder(redis_url), holder(redis_url)
	source.values["a"] = 1
	assert two.get("a", source.loader("a")) == 1
	source.values["a"] = 2
	one.announce("a")
	assert two.get("a", source.loader("a"), catch_up=False) == 1
	assert two.get("a", source.loader("a")) == 2
	assert source.loads == {"a": 2}


def test_a_read_that_does_not_catch_up_keeps_nothing_without_a_subscription(redis_url, source):
	copies = holder(redis_url)
	source.values["a"] = 1
	assert copies.get("a", source.loader("a"), catch_up=False) == 1  # never subscribed
	assert copies.get("a", source.loader("a"), catch_up=False) == 1
	assert source.loads == {"a": 2}
	copies.get("a", source.loader("a"))  # subscribes: starts from empty, then keeps
	assert copies.get("a", source.loader("a"), catch_up=False) == 1
	assert source.loads == {"a": 3}


def test_a_copy_outlives_neither_its_lifetime_nor_the_size_limit(redis_url, source):
	now = [100.0]
	copies = holder(redis_url, max_entries=2, clock=lambda: now[0])
	for key in ("a", "b"):
		source.values[key] = key
	copies.get("a", source.loader("a"), lifetime=10)
	now[0] += 9.9
	copies.get("a", source.loader("a"), lifetime=10)
	now[0] += 0.2
	copies.get("a", source.loader("a"), lifetime=10)
	assert source.loads == {"a": 2}
	copies.get("b", source.loader("b"))
	copies.get("c", source.loader("c"))  # three keys, room for two: "a" (the oldest) goes
	copies.get("b", source.loader("b"))
	copies.get("a", source.loader("a"), lifetime=10)
	assert source.loads == {"a": 3, "b": 1, "c": 1}


def test_without_redis_every_read_loads_and_nothing_fails(source):
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		port = s.getsockname()[1]  # nothing listens here once closed
	copies = LocalCopies(redis.Redis(port=port, socket_connect_timeout=0.2), CHANNEL)
	source.values["a"] = 1
	assert [copies.get("a", source.loader("a")) for _ in range(3)] == [1, 1, 1]
	assert source.loads == {"a": 3}
	with pytest.raises(redis.ConnectionError):
		copies.announce("a")


def test_a_dropped_subscription_loses_no_change(redis_url, redis_client, source):
	"""Announcements sent while a holder's subscription is down never reach it: it must not
	use any copy it held before, and keeps none until subscribed again."""
	one, two = holder(redis_url), holder(redis_url)
	source.values["a"] = 1
	two.get("a", source.loader("a"))
	redis_client.client_kill_filter(_type="pubsub")
	source.values["a"] = 2
	one.announce("a")  # lost for two
	assert two.get("a", source.loader("a")) == 2  # the dead socket is noticed: loaded again
	assert two.get("a", source.loader("a")) == 2  # subscribed again: loaded once more, then kept
	assert two.get("a", source.loader("a")) == 2
	assert source.loads == {"a": 3}


def _child_reads(copies: LocalCopies, results) -> None:
	results.put(copies.get("a", lambda: "loaded in child"))


def test_a_forked_child_does_not_use_its_parents_copies(redis_url, source):
	copies = holder(redis_url)
	copies.get("a", lambda: "loaded in parent")
	context = multiprocessing.get_context("fork")
	results = context.Queue()
	child = context.Process(target=_child_reads, args=(copies, results))
	child.start()
	child.join(10)
	assert results.get(timeout=5) == "loaded in child"
	assert copies.get("a", lambda: "loaded again") == "loaded in parent"  # the parent's socket lives


@settings(max_examples=40, deadline=None)
@given(
	steps=st.lists(
		st.tuples(st.sampled_from(["write", "read"]), st.integers(0, 2), st.sampled_from(["a", "b"])),
		min_size=1,
		max_size=30,
	)
)
def test_every_read_after_an_announced_change_sees_it(redis_url, steps):
	"""Three holders (processes) read and change two keys in any order: a read always returns
	the value last written, whichever holder wrote it."""
	source = Source()
	holders = [holder(redis_url) for _ in range(3)]
	for n, (action, who, key) in enumerate(steps):
		if action == "write":
			source.values[key] = n
			holders[who].announce(key)
		else:
			assert holders[who].get(key, source.loader(key)) == source.values.get(key)


class RestartableRedis:
	"""A Redis server of the test's own (on a port of its own), to be restarted for real."""

	def __init__(self, directory):
		self.directory = directory
		self.port = free_port()
		self.server = None

	@property
	def url(self) -> str:
		return f"redis://127.0.0.1:{self.port}/0"

	def start(self) -> None:
		self.server = start_redis(self.port, self.directory)

	def stop(self) -> None:
		self.server.terminate()
		self.server.wait(timeout=10)


@pytest.fixture
def restartable(tmp_path):
	server = RestartableRedis(tmp_path)
	server.start()
	yield server
	server.stop()


def test_after_a_redis_restart_no_holder_serves_a_value_changed_since(restartable, source):
	"""Redis restarts; a holder subscribes again and keeps a copy; then a change is announced by
	a process whose pooled connection is still the one from before the restart: the announcement
	is sent again on a new connection, and the holder's very next read has the change."""
	announcer, reader = holder(restartable.url), holder(restartable.url)
	source.values["rules"] = "none"
	announcer.announce("warm")  # the announcer's pool now holds a connection to this server
	assert reader.get("rules", source.loader("rules")) == "none"
	restartable.stop()
	restartable.start()
	for _ in range(3):  # the dead subscription is noticed; a new one is made; a copy is kept
		assert reader.get("rules", source.loader("rules")) == "none"
	loads = source.loads["rules"]
	assert reader.get("rules", source.loader("rules")) == "none" and source.loads["rules"] == loads
	source.values["rules"] = "a rule"
	announcer.announce("rules")
	assert reader.get("rules", source.loader("rules")) == "a rule"


def test_a_subscription_the_client_reconnects_by_itself_is_treated_as_dropped(
	redis_url, redis_client, source
):
	"""Whatever the client library does on a broken subscription (raise, or reconnect and
	subscribe again by itself), a copy held from before is never served after it."""
	one, two = holder(redis_url), holder(redis_url)
	source.values["a"] = 1
	two.get("a", source.loader("a"))
	two._pubsub.connection.disconnect()  # as a dropped connection the client notices and redoes
	source.values["a"] = 2
	one.announce("a")  # sent while two was not subscribed
	assert two.get("a", source.loader("a")) == 2
