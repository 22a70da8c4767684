"""The Frappe side of the request log buffer: the site's Redis list, the flush job, the writer.

Records wait in the site's cache Redis (or ``my_api_app_request_log_redis``, a URL, if set),
and are written to API Call Log in batches: by the
scheduler every minute, and by a flush job enqueued (once, deduplicated) whenever the queue
grows by ``my_api_app_request_log_flush_threshold`` records (default 5000: each job costs a
worker process start). See ``request_log.rules.records`` for why a burst or a dead flush loses
no records.
"""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import frappe
import redis
from frappe.utils import get_system_timezone

from my_api_app.request_log.rules.records import RequestLogBuffer, should_trigger_flush

DEFAULT_BATCH_SIZE = 1000
DEFAULT_FLUSH_THRESHOLD = 5000
FLUSH_JOB = "my_api_app.request_log.buffer.flush"
# The columns a record fills, after name, creation, modified, owner and modified_by, with the
# SQL type each takes from the batch's JSON (the table's own types and widths).
_RECORD_COLUMNS = (
	("requested_at", "datetime(6)"),
	("http_method", "varchar(16)"),
	("path", "varchar(255)"),
	("route", "varchar(16)"),
	("target", "varchar(140)"),
	("user", "varchar(140)"),
	("auth", "varchar(16)"),
	("api_key", "varchar(140)"),
	("token_id", "varchar(140)"),
	("client_ip", "varchar(140)"),
	("status_code", "int"),
	("duration_ms", "decimal(21,9)"),
	("response_size", "int"),
	("request_id", "varchar(140)"),
)
_INSERT = """insert ignore into `tabAPI Call Log`
	(`name`, `creation`, `modified`, `owner`, `modified_by`, {columns})
select r.`name`, r.`requested_at`, r.`requested_at`, 'Administrator', 'Administrator', {values}
from json_table(%s, '$[*]' columns (`name` varchar(140) path '$[0]', {paths})) as r""".format(
	columns=", ".join(f"`{column}`" for column, _ in _RECORD_COLUMNS),
	values=", ".join(f"r.`{column}`" for column, _ in _RECORD_COLUMNS),
	paths=", ".join(
		f"`{column}` {sql_type} path '$[{i}]'" for i, (column, sql_type) in enumerate(_RECORD_COLUMNS, 1)
	),
)
_buffers: dict[tuple, RequestLogBuffer] = {}  # per process: by Redis connection and site


def site_buffer() -> RequestLogBuffer:
	"""The buffer of the current site."""
	url = frappe.conf.get("my_api_app_request_log_redis") or ""
	prefix = frappe.safe_decode(frappe.cache.make_key(""))
	batch_size = int(frappe.conf.get("my_api_app_request_log_batch_size") or DEFAULT_BATCH_SIZE)
	pool = None if url else frappe.cache.connection_pool
	key = (url, id(pool), prefix, batch_size)
	if key not in _buffers:
		# A plain client: Frappe's RedisWrapper would prefix list keys itself.
		client = redis.Redis.from_url(url) if url else redis.Redis(connection_pool=pool)
		_buffers[key] = RequestLogBuffer(client, prefix, batch_size=batch_size)
	return _buffers[key]


def log(record: dict) -> None:
	"""Queue the record (one round trip); past each threshold, enqueue a flush. Raises
	RedisError."""
	length = site_buffer().push(record)
	threshold = int(frappe.conf.get("my_api_app_request_log_flush_threshold") or DEFAULT_FLUSH_THRESHOLD)
	if should_trigger_flush(length, threshold):
		frappe.enqueue(FLUSH_JOB, queue="short", job_id="my_api_app_request_log_flush", deduplicate=True)


def flush() -> dict:
	"""Scheduler (every minute) and enqueued job: write every queued record to API Call Log."""
	result = site_buffer().flush(write_records)
	return {
		"written": result.written,
		"batches": result.batches,
		"recovered": result.recovered,
		"dropped": result.dropped,
		"locked": result.locked,
	}


def write_records(records: list[dict]) -> None:
	"""One INSERT IGNORE per batch, committed: the record id is the row's name, so a batch
	written again after a dead flush adds nothing twice.

	The batch travels as one JSON parameter that MariaDB's JSON_TABLE turns into rows: escaping
	15 parameters per row cost the flush more CPU than the insert itself (and building the
	statement with ``frappe.db.bulk_insert``'s query builder ten times more)."""
	zone = ZoneInfo(get_system_timezone())
	rows = [
		(
			record["id"],
			datetime.fromtimestamp(float(record["at"] or 0), zone).replace(tzinfo=None).isoformat(" "),
			record["http_method"],
			record["path"],
			record["route"],
			record["target"],
			record["user"],
			record["auth"],
			record["api_key"],
			record["token_id"],
			record["client_ip"],
			int(record["status"] or 0),
			float(record["duration_ms"] or 0),
			int(record["response_size"] or 0),
			record["request_id"],
		)
		for record in records
	]
	frappe.db.sql(_INSERT, (json.dumps(rows, separators=(",", ":")),))
	frappe.db.commit()
