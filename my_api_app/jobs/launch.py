"""Starting a job from an endpoint: the API Job record, the Idempotency-Key, the enqueue."""

import frappe
from frappe import _
from frappe.utils.background_jobs import get_queues_timeout

from my_api_app.jobs.rules import states as rules
from my_api_app.shared import request_context
from my_api_app.shared.rules.errors import Conflict, FieldError, InvalidInput

IDEMPOTENCY_HEADER = "Idempotency-Key"
STATUS_PATH = "/api/method/my_api_app.api.jobs.status"


def status_url(job_id: str) -> str:
	return f"{STATUS_PATH}?job_id={job_id}"


def start_job(method: str, *, queue: str = "default", timeout: int = 300, **arguments) -> rules.JobAccepted:
	"""Record a job of the caller and run ``method(**arguments)`` on an RQ worker as the caller.

	Return the result from an ``@endpoint``: it answers 202 with ``{"job_id", "status_url"}``
	and a ``Location`` header. ``arguments`` must be JSON-serialisable. A request with an
	``Idempotency-Key`` header that this caller already sent to this endpoint (with the same
	arguments) gets the job that key started; with other arguments it is a 409.
	"""
	if queue not in get_queues_timeout():
		raise ValueError(f"start_job: unknown queue {queue!r}")
	if timeout < 1:
		raise ValueError(f"start_job: timeout must be at least 1 second, got {timeout}")
	endpoint = request_context.current_endpoint()
	endpoint_path = endpoint.path if endpoint else method
	user = frappe.session.user
	fingerprint = rules.request_digest({"method": method, "arguments": arguments})
	key_digest = _idempotency_digest(user, endpoint_path)

	if key_digest:
		existing = _job_for_key(key_digest, fingerprint, locking=False)
		if existing:
			return rules.JobAccepted(existing, status_url(existing))

	job = frappe.get_doc(
		{
			"doctype": "API Job",
			"status": rules.QUEUED,
			"method": method,
			"queue": queue,
			"timeout": timeout,
			"endpoint": endpoint_path,
			"idempotency_digest": key_digest,
			"request_digest": fingerprint,
		}
	)
	if key_digest:
		# Two requests with one key at once: the second insert waits for the first to commit,
		# fails on the unique digest, and then answers the first one's job.
		frappe.db.savepoint("api_job_start")
		try:
			job.insert(ignore_permissions=True)
		except frappe.UniqueValidationError:
			frappe.db.rollback(save_point="api_job_start")
			frappe.clear_last_message()  # Frappe's "must be unique" message is not ours to show
			existing = _job_for_key(key_digest, fingerprint, locking=True)
			return rules.JobAccepted(existing, status_url(existing))
	else:
		job.insert(ignore_permissions=True)

	frappe.enqueue(
		"my_api_app.jobs.runner.run",
		queue=queue,
		timeout=timeout,
		job_id=job.name,
		enqueue_after_commit=True,  # the worker must find the committed record
		api_job=job.name,
		target=method,
		arguments=arguments,
	)
	return rules.JobAccepted(job.name, status_url(job.name))


def _idempotency_digest(user: str, endpoint_path: str) -> str | None:
	request = getattr(frappe.local, "request", None)
	key = request.headers.get(IDEMPOTENCY_HEADER) if request is not None else None
	if key is None:
		return None
	if not rules.valid_idempotency_key(key):
		raise InvalidInput(
			[
				FieldError(
					field=IDEMPOTENCY_HEADER,
					path=("header", IDEMPOTENCY_HEADER),
					message="1 to 255 visible ASCII characters, for example a UUID.",
					type="invalid_idempotency_key",
				)
			]
		)
	return rules.idempotency_digest(user, endpoint_path, key)


def _job_for_key(key_digest: str, fingerprint: str, *, locking: bool) -> str | None:
	# After a duplicate-key error InnoDB holds a shared lock on the row; a shared locking read
	# sees the committed row without asking for more (FOR UPDATE here deadlocks the waiters).
	rows = frappe.db.sql(
		"select name, request_digest from `tabAPI Job` where idempotency_digest=%s"
		+ (" lock in share mode" if locking else ""),
		key_digest,
		as_dict=True,
	)
	row = rows[0] if rows else None
	if row and row.request_digest != fingerprint:
		raise Conflict(_("This {0} was already used with other arguments.").format(IDEMPOTENCY_HEADER))
	return row.name if row else None
