"""API request records: their shape, what is kept out of them, and the Redis buffer they wait in.

A request appends its record to a Redis list (one round trip) when logging is on (the caller
knows). A flush takes a batch
atomically from that list into a *processing* list (one Lua script), writes the batch out
and only then deletes the processing list. If the flush dies between the two, the next flush
finds the processing list and writes that batch again first, so no record is lost; the writer
must therefore be idempotent (each record carries a unique ``id`` to insert with "ignore
duplicates"). One flush runs at a time (a Redis lock with a timeout), so a processing list has
one owner, and a dead owner's lock expires.

Records never carry request or response bodies, headers, query strings or secrets: the path
is the URL path only, and anything in it shaped like one of this app's secrets or a JWT is
replaced before the record is made. Text the client chose (path, called method, HTTP method,
forwarded address) is stored with HTML's characters percent-encoded (``inert``): the flush
writes rows with raw SQL, which Frappe's sanitising of saved documents never sees.
"""

import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from my_api_app.shared.rules import dispatch
from my_api_app.shared.rules.inert_text import inert

PATH_LENGTH = 255
FIELD_LENGTH = 140

# Fields of a record, in the order they are stored.
FIELDS = (
	"id",
	"at",  # Unix time (seconds, float) the request arrived, or ended if its start is unknown
	"http_method",
	"path",
	"route",  # method, resource, document, doctype or other
	"target",  # the dotted method or the DocType the path names
	"user",
	"auth",  # Guest, Session, Frappe Key, OAuth, API Key, JWT
	"api_key",
	"token_id",
	"client_ip",
	"status",
	"duration_ms",
	"response_size",
	"request_id",
)

_SECRET = re.compile(r"mas_[A-Za-z0-9]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


_CUT_ESCAPE = re.compile("%[0-9A-F]?$")


def stored_text(text: str, length: int) -> str:
	"""Client-chosen text as a record stores it: secret-shaped parts replaced, made inert (the
	flush writes rows with raw SQL, past Frappe's sanitising), cut to ``length`` (never inside
	an escape)."""
	if "mas_" in text:
		text = _SECRET.sub("mas_[redacted]", text)
	if "eyJ" in text:
		text = _JWT.sub("[jwt redacted]", text)
	text = inert(text)
	return _CUT_ESCAPE.sub("", text[:length]) if len(text) > length else text


def route_of(call: dispatch.Call | None) -> tuple[str, str | None]:
	"""(route kind, target) of the call a request made (``shared.rules.dispatch``): ``method`` and the
	dotted method (sent as a path or as ``cmd``); ``resource`` (v1) or ``document`` (v2) and the
	DocType for document calls (a v2 controller method too); ``doctype`` for v2 meta and count;
	``other`` for the rest."""
	if call is None:
		return "other", None
	if call.kind in (dispatch.METHOD, dispatch.LOGIN):
		route = "method"
	elif call.kind == dispatch.CONTROLLER_METHOD:
		route = "document"
	elif call.kind in (dispatch.META, dispatch.COUNT):
		route = "doctype"
	elif call.kind in dispatch.DOCUMENT_KINDS:
		route = "resource" if call.via == "v1" else "document"
	else:
		return "other", None
	target = call.target  # a cmd is the client's text: stored like the path
	return route, stored_text(target, FIELD_LENGTH) if target else None


def time_ordered_id(at: float) -> str:
	"""32 hex digits: the time in milliseconds (12 digits), then 80 random bits. Ids made later
	sort later, so the log's primary key grows at its end instead of at random places (the
	layout of a version 7 UUID)."""
	return f"{int(at * 1000):012x}{os.urandom(10).hex()}"


def make_record(
	*,
	at: float,
	http_method: str,
	path: str,
	user: str | None,
	auth: str,
	status: int,
	duration_ms: float,
	response_size: int | None,
	request_id: str | None,
	client_ip: str | None,
	api_key: str | None = None,
	token_id: str | None = None,
	record_id: str | None = None,
	call: dispatch.Call | None = None,
) -> dict:
	"""One record, from values only (never a body, header or query string); ``call`` is what
	the request ran (``shared.rules.dispatch.resolve``), which gives the route and target."""
	path = stored_text(path, PATH_LENGTH)
	route, target = route_of(call)
	return {
		"id": record_id or time_ordered_id(at),
		"at": at,
		"http_method": stored_text(http_method, 16),
		"path": path,
		"route": route,
		"target": target,
		"user": (user or "Guest")[:FIELD_LENGTH],
		"auth": auth,
		"api_key": api_key[:FIELD_LENGTH] if api_key else None,
		"token_id": stored_text(token_id, FIELD_LENGTH) if token_id else None,
		"client_ip": stored_text(client_ip, FIELD_LENGTH) if client_ip else None,
		"status": int(status),
		"duration_ms": round(duration_ms, 3),
		"response_size": response_size,
		"request_id": request_id[:FIELD_LENGTH] if request_id else None,
	}


def encode(record: dict) -> bytes:
	return json.dumps(record, separators=(",", ":")).encode()


def decode(raw: bytes | str) -> dict | None:
	"""A record, or None for an entry that is not one (it is dropped, never retried)."""
	try:
		record = json.loads(raw)
	except (TypeError, ValueError):
		return None
	if not isinstance(record, dict) or not isinstance(record.get("id"), str):
		return None
	return {field: record.get(field) for field in FIELDS}


# KEYS: queue, processing. ARGV: batch size. A processing list left by a flush that died is
# returned as it is (recovery); otherwise up to ``size`` records move from the queue's head
# to the processing list in one atomic step.
_TAKE_SCRIPT = """
local pending = redis.call('LRANGE', KEYS[2], 0, -1)
if #pending > 0 then
	return {1, pending}
end
local size = tonumber(ARGV[1])
local batch = redis.call('LRANGE', KEYS[1], 0, size - 1)
if #batch > 0 then
	redis.call('RPUSH', KEYS[2], unpack(batch))
	redis.call('LTRIM', KEYS[1], #batch, -1)
end
return {0, batch}
"""

# KEYS: lock. ARGV: token. Deletes the lock only if this flush still holds it.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass
class FlushResult:
	written: int = 0  # records handed to the writer
	batches: int = 0
	recovered: int = 0  # records of a batch an earlier flush took but did not finish
	dropped: int = 0  # entries that were not records
	locked: bool = False  # another flush held the lock: this one did nothing


class RequestLogBuffer:
	"""The Redis list records wait in, for one site (``prefix`` names its keys).

	``client`` is a plain ``redis.Redis`` (its list commands must not add prefixes of their
	own). Batches are at most ``batch_size`` records (Lua's ``unpack`` limit is far above).
	"""

	def __init__(self, client, prefix: str, *, batch_size: int = 500, lock_seconds: int = 300):
		if not 1 <= batch_size <= 5000:
			raise ValueError("batch_size must be between 1 and 5000")
		self.client = client
		self.queue = f"{prefix}my_api_app:request_log"
		self.processing = f"{prefix}my_api_app:request_log:processing"
		self.lock = f"{prefix}my_api_app:request_log:flush_lock"
		self.batch_size = batch_size
		self.lock_seconds = lock_seconds
		self._take = client.register_script(_TAKE_SCRIPT)
		self._release = client.register_script(_RELEASE_SCRIPT)

	def push(self, record: dict) -> int:
		"""Append one record; returns the queue's length after it (one round trip)."""
		return self.client.rpush(self.queue, encode(record))

	def pending(self) -> int:
		"""Records waiting: in the queue and in an unfinished batch."""
		with self.client.pipeline(transaction=False) as pipe:
			pipe.llen(self.queue)
			pipe.llen(self.processing)
			queued, processing = pipe.execute()
		return queued + processing

	def take_batch(self) -> tuple[bool, list[bytes]]:
		"""(recovered, entries): the unfinished batch if there is one, else the next batch."""
		recovered, entries = self._take(keys=[self.queue, self.processing], args=[self.batch_size])
		return bool(recovered), entries

	def finish_batch(self) -> None:
		"""The batch taken last is written: forget it."""
		self.client.delete(self.processing)

	def flush(self, write: Callable[[list[dict]], None], *, max_batches: int = 200) -> FlushResult:
		"""Write batches until the queue is empty (or ``max_batches``), one flush at a time.

		``write`` must be idempotent on the records' ids: a batch is written again after a
		flush that died before ``finish_batch``. If ``write`` raises, the batch stays in the
		processing list for the next flush and the error propagates.
		"""
		result = FlushResult()
		token = uuid.uuid4().hex
		if not self.client.set(self.lock, token, nx=True, ex=self.lock_seconds):
			result.locked = True
			return result
		try:
			for _ in range(max_batches):
				recovered, entries = self.take_batch()
				if not entries:
					break
				records = [record for record in map(decode, entries) if record is not None]
				result.dropped += len(entries) - len(records)
				if records:
					write(records)
				self.finish_batch()
				result.batches += 1
				result.written += len(records)
				if recovered:
					result.recovered += len(records)
				self.client.expire(self.lock, self.lock_seconds)  # still alive: keep the lock
		finally:
			self._release(keys=[self.lock], args=[token])
		return result


def should_trigger_flush(length: int, threshold: int) -> bool:
	"""After a push made the queue ``length`` long: enqueue a flush at every ``threshold``
	records, so a burst is written well before the next scheduled flush, once per threshold."""
	return threshold > 0 and length >= threshold and length % threshold == 0
