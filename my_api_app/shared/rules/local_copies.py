"""Process-local copies of shared values, exact to the last committed change, read with no
Redis round trip.

Every request needs a few values that change rarely (the rate-limit rules, the request log
switch, key records): reading each from Redis costs a round trip per request. Here a process
keeps its own copies, and a Redis pub/sub channel announces every change. Before a copy is used
the channel is polled without blocking (the subscription's socket is checked; nothing is sent),
and an announced key is dropped, or every copy on ``ALL``. So a change is seen by every request
that starts after the announcement reached Redis:

- the announcer publishes after its change committed, and drops its own copy at once;
- Redis writes the message to every subscriber's socket before the announcer's HTTP answer can
  even leave its process, so a request that starts later finds it there. (Redis answers the
  PUBLISH itself in the same pass as it writes to the subscribers, not necessarily first, so
  the announcer waits for the answer to one more command, a PING, which Redis reads only
  after that pass has ended);
- a copy loaded while a change was announced is not kept (the epoch moved on meanwhile), and a
  copy loaded before a change whose announcement is still on its way is dropped when the
  announcement is read, before any request can use it again.

With no live subscription (Redis cannot be reached, the connection dropped, the process has
forked) nothing is kept: every read loads, as if there were no copies, and the next read
subscribes again (and waits for Redis to confirm it), then starts from empty. A subscription
the Redis client re-established by itself while being polled (redis-py reconnects and
subscribes again on its own) is treated as dropped: announcements sent while it was down are
lost. An announcement is sent again on a fresh connection when the first one fails (a pooled
connection left over from before a Redis restart), so a change is never announced to a Redis
that has since come back with subscribers who never hear of it. Copies may carry a lifetime; at most ``max_entries``
are kept (the oldest go first). Values are shared between the threads of a process: callers
must not change them.
"""

import os
import select
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from redis.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

ALL = "*"  # the announcement that drops every copy
SUBSCRIBE_SECONDS = 1.0
SEND_ATTEMPTS = 3  # a command that fails on a dead pooled connection is sent again on a new one

# How many forks led to this process (counted in the child): a copy holder knows it is in a
# forked child without asking the kernel for the process id on every read.
_forks = 0


def _forked() -> None:
	global _forks
	_forks += 1


os.register_at_fork(after_in_child=_forked)


def retrying(command: Callable[[], Any]) -> Any:
	"""``command()``, sent again when the connection it used had died (the client drops a
	connection that failed, so the next attempt opens a new one)."""
	for attempt in range(1, SEND_ATTEMPTS + 1):
		try:
			return command()
		except (ConnectionError, TimeoutError, OSError) as error:
			if attempt == SEND_ATTEMPTS or not _transient(error):
				raise
	return None


def _transient(error: BaseException) -> bool:
	return isinstance(error, RedisConnectionError | RedisTimeoutError | ConnectionError | TimeoutError)


class _CountedPubSub(PubSub):
	"""A subscription that counts the times its client reconnected it (and subscribed again)."""

	reconnects = 0

	def on_connect(self, connection) -> None:
		self.reconnects += 1
		super().on_connect(connection)


class LocalCopies:
	"""Copies of one site's values in this process, announced on ``channel`` of ``client``'s
	Redis (a ``redis.Redis``; its pub/sub connection is its own)."""

	def __init__(self, client, channel: str, *, max_entries: int = 4096, clock=time.monotonic):
		self._client = client
		self._channel = channel
		self._max_entries = max_entries
		self._clock = clock
		self._lock = threading.Lock()
		self._values: OrderedDict[str, tuple[float | None, Any]] = OrderedDict()
		self._pubsub = None
		self._poller = None
		self._fork = None  # the process it subscribed in (``_forks``)
		self._epoch = 0

	def get(
		self, key: str, load: Callable[[], Any], *, lifetime: float | None = None, catch_up: bool = True
	) -> Any:
		"""The copy of ``key``, or ``load()`` (kept when no change was announced meanwhile).

		``catch_up=False`` skips reading the channel: for a caller that caught up moments ago
		and wants the copies as they stood then (one request's reads, after its first)."""
		with self._lock:
			live = self._catch_up() if catch_up else self._pubsub is not None and self._fork == _forks
			if live:
				entry = self._values.get(key)
				if entry is not None and (entry[0] is None or entry[0] > self._clock()):
					return entry[1]
			epoch = self._epoch
		value = load()
		if live:
			with self._lock:
				if self._epoch == epoch and self._pubsub is not None:
					self._values[key] = (None if lifetime is None else self._clock() + lifetime, value)
					self._values.move_to_end(key)
					while len(self._values) > self._max_entries:
						self._values.popitem(last=False)
		return value

	def announce(self, *keys: str) -> None:
		"""``keys`` changed (and the change has committed): every process drops its copies.
		Raises RedisError when the announcement cannot be sent."""
		with self._lock:
			for key in keys:
				self._drop(key)
		for key in keys:
			retrying(lambda key=key: self._client.publish(self._channel, key))
		retrying(self._client.ping)  # answered once every subscriber's socket holds the messages

	def _catch_up(self) -> bool:
		"""Apply every announcement waiting on the socket; False when there is no live
		subscription (then nothing may be kept)."""
		if self._fork != _forks:  # a forked child must not read its parent's socket
			self._pubsub, self._poller, self._fork = None, None, _forks
			self._reset()
		try:
			if self._pubsub is None:
				self._subscribe()
				return True
			if not self._socket_readable():  # nothing has arrived since the last read
				return True
			connects = self._pubsub.reconnects
			while (message := self._pubsub.get_message(timeout=0)) is not None:
				if message["type"] == "message":
					self._drop(message["data"].decode())
			if self._pubsub.reconnects != connects:  # reconnected by the client: messages may be lost
				raise RedisConnectionError("the subscription was re-established")
			return True
		except (RedisError, OSError):  # no copies until subscribed again
			self._close()
			return False

	def _socket_readable(self) -> bool:
		"""Whether the subscription's socket holds anything to read: an announcement, or the end
		of a connection that dropped (a poll: one system call, where asking redis-py to read
		costs a dozen calls and a raised exception). Every read drains what arrived, so nothing
		read stays waiting in redis-py's buffer. True when the socket cannot be polled: then
		redis-py reads, as it always may."""
		polled = self._poller
		if polled is None or _socket(self._pubsub) is not polled[0]:  # none, or another since
			return True
		return bool(polled[1].poll(0))

	def _subscribe(self) -> None:
		pubsub = _CountedPubSub(self._client.connection_pool, ignore_subscribe_messages=False)
		try:
			pubsub.subscribe(self._channel)
			deadline = time.monotonic() + SUBSCRIBE_SECONDS
			while True:
				message = pubsub.get_message(timeout=max(deadline - time.monotonic(), 0))
				if message is not None and message["type"] == "subscribe":
					break
				if time.monotonic() >= deadline:
					raise TimeoutError("no subscription confirmed")
			# what came with the confirmation is read now (it is dropped with every copy below):
			# from here on, anything to read is on the socket
			while pubsub.get_message(timeout=0) is not None:
				pass
		except BaseException:
			pubsub.close()
			raise
		self._pubsub = pubsub
		self._poller = _poller(pubsub)
		self._reset()  # nothing read before the subscription can be trusted

	def _drop(self, key: str) -> None:
		self._epoch += 1
		if key == ALL:
			self._values.clear()
		else:
			self._values.pop(key, None)

	def _reset(self) -> None:
		self._epoch += 1
		self._values.clear()

	def _close(self) -> None:
		pubsub, self._pubsub, self._poller = self._pubsub, None, None
		self._reset()
		if pubsub is not None:
			try:
				pubsub.close()
			except (RedisError, OSError):  # the connection is gone either way
				pass


def _socket(pubsub: PubSub):
	"""The subscription's socket (redis-py keeps it as ``connection._sock``; None once closed)."""
	return getattr(pubsub.connection, "_sock", None)


def _poller(pubsub: PubSub) -> tuple[Any, Any] | None:
	"""(the subscription's socket, a poll of it), or None when there is none to poll. The poll
	holds the socket's number, which a closed socket hands on to the next one opened: it is used
	only while the subscription still has that very socket."""
	sock = _socket(pubsub)
	if sock is None:
		return None
	poller = select.poll()
	poller.register(sock.fileno(), select.POLLIN)
	return sock, poller
