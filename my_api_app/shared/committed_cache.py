"""Redis cache entries that a committed change invalidates without a race.

Deleting a cache entry when a document changes is not enough: a request that misses the cache
just before the change commits reads the old row and writes it back to the cache after the
delete, where it stays. So each entry carries the generation it was loaded under, and the
generation is bumped only *after* the change commits (``frappe.db.after_commit``). A load that
read the old row is tagged with the old generation, and the next reader reloads. One Redis
round trip (MGET) per read on a warm Redis cache.

Each process also keeps its own copies (``shared.rules.local_copies``): the bump is announced on the
site's channel, and a request reads a value with no round trip at all while its copy stands.
``frappe.clear_cache()`` (the ``clear_cache`` hook) drops every copy of every process, as it
drops the Redis entries, so a change made behind the app's back (raw SQL) is seen after it.

Loaders must read with ``latest_rows``: under REPEATABLE READ a request whose snapshot began
before the change committed would otherwise load the old rows after seeing the new
generation, and cache them under it.
"""

import pickle
from collections.abc import Callable
from typing import Any

import frappe

from my_api_app.shared import request_context
from my_api_app.shared.rules.local_copies import ALL, LocalCopies, retrying

CHANNEL = "my_api_app:committed_cache"
_copies: dict[str, LocalCopies] = {}  # per process, by site


def get(key: str, load: Callable[[], Any], *, expires_in_sec: int | None = None) -> Any:
	"""The value of ``key``: this process's copy, else the Redis one, else ``load()`` (then
	cached in both) when absent or stale. The value is shared: callers must not change it.

	A request reads the announcements once, at its first read: its later reads see the copies
	as they stood then (a change committed by another request meanwhile is seen by the next
	request, as it would be had it committed a moment later)."""
	state = request_context.peek()
	catch_up = state is None or not state.copies_caught_up
	if state is not None:
		state.copies_caught_up = True
	return _site_copies().get(
		key, lambda: _shared_get(key, load, expires_in_sec), lifetime=expires_in_sec, catch_up=catch_up
	)


def _shared_get(key: str, load: Callable[[], Any], expires_in_sec: int | None) -> Any:
	generation_key, value_key = _keys(key)
	raw_generation, raw_value = frappe.cache.mget([generation_key, value_key])
	generation = int(raw_generation or 0)
	if raw_value is not None:
		cached_generation, value = pickle.loads(raw_value)
		if cached_generation == generation:
			return value
	value = load()
	frappe.cache.set(value_key, pickle.dumps((generation, value)), ex=expires_in_sec)
	return value


def invalidate_on_commit(key: str) -> None:
	"""``key`` is stale once the current transaction commits (nothing happens on rollback)."""
	generation_key, _ = _keys(key)
	copies = _site_copies()

	def bump() -> None:
		retrying(lambda: frappe.cache.incr(generation_key))
		copies.announce(key)

	frappe.db.after_commit.add(bump)


def forget_all() -> None:
	"""``clear_cache`` hook: every process drops every copy (the Redis entries are gone)."""
	_site_copies().announce(ALL)


def _site_copies() -> LocalCopies:
	copies = _copies.get(frappe.local.site)
	if copies is None:
		copies = _copies[frappe.local.site] = LocalCopies(frappe.cache, frappe.cache.make_key(CHANNEL))
	return copies


def latest_rows(query: str, values: tuple = ()) -> list[frappe._dict]:
	"""Rows as last committed, whatever this transaction's snapshot: a locking (shared) read,
	which also waits for a change in flight to commit or roll back."""
	return frappe.db.sql(f"{query} lock in share mode", values, as_dict=True)


def _keys(key: str) -> tuple[bytes, bytes]:
	"""(generation key, value key); "c1" names this storage format."""
	return frappe.cache.make_key(f"{key}:c1:generation"), frappe.cache.make_key(f"{key}:c1")
