"""Jobs as their owner sees them: read (only the owner or a System Manager; anyone else gets
404), list, cancel."""

import json
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import get_system_timezone, now_datetime
from frappe.utils.background_jobs import get_job, get_redis_conn
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import JobStatus

from my_api_app.jobs import sweep
from my_api_app.jobs.launch import status_url
from my_api_app.jobs.rules import states as rules
from my_api_app.jobs.runner import REALTIME_EVENT
from my_api_app.shared.rules.errors import Conflict, NotFound

FIELDS = [
	"name",
	"owner",
	"status",
	"method",
	"queue",
	"progress_percent",
	"progress_message",
	"result",
	"error",
	"creation",
	"started_at",
	"ended_at",
]


def get_for_caller(job_id: str, *, method: str | None = None) -> frappe._dict:
	"""The caller's job, reconciled with RQ while it is unfinished (a dead worker's job becomes
	failed here). 404 if it does not exist, is not the caller's (unless System Manager), or
	does not run ``method`` when one is given."""
	row = _row(job_id)
	if row is None or (method is not None and row.method != method):
		raise NotFound(_("Job {0} was not found.").format(job_id))
	if not rules.is_final(row.status) and sweep.reconcile(row):
		row = _row(job_id)
	return row


def list_for_caller(status: str | None, limit: int, start: int) -> list[dict]:
	filters = {"owner": frappe.session.user}
	if status:
		filters["status"] = status
	rows = frappe.get_all(
		"API Job",
		filters=filters,
		fields=FIELDS,
		order_by="creation desc",
		limit_start=start,
		limit_page_length=limit,
	)
	return [as_dict(row) for row in rows]


def cancel_for_caller(job_id: str) -> frappe._dict:
	"""Cancel a queued job (removed from its queue) or a started one (its work horse is
	stopped and its transaction never commits). A finished, failed or canceled job is 409."""
	row = _row(job_id, locking=True)
	if row is None:
		raise NotFound(_("Job {0} was not found.").format(job_id))
	if rules.is_final(row.status):
		raise Conflict(
			_("Job {0} is {1}; only a queued or started job can be canceled.").format(job_id, row.status)
		)
	frappe.db.set_value(
		"API Job", job_id, {"status": rules.CANCELED, "ended_at": now_datetime()}, update_modified=False
	)
	frappe.db.commit()
	_stop_in_rq(job_id)
	frappe.publish_realtime(REALTIME_EVENT, {"job_id": job_id, "status": rules.CANCELED}, user=row.owner)
	return _row(job_id)


def as_dict(row) -> dict:
	return {
		"job_id": row.name,
		"status": row.status,
		"method": row.method,
		"queue": row.queue,
		"progress": {"percent": row.progress_percent or 0, "message": row.progress_message or ""},
		"result": json.loads(row.result) if row.result else None,
		"error": row.error or None,
		"created_at": _iso(row.creation),
		"started_at": _iso(row.started_at),
		"ended_at": _iso(row.ended_at),
		"status_url": status_url(row.name),
	}


def _row(job_id: str, *, locking: bool = False) -> frappe._dict | None:
	row = frappe.db.get_value("API Job", job_id, FIELDS, as_dict=True, for_update=locking)
	if row is None:
		return None
	if row.owner != frappe.session.user and "System Manager" not in frappe.get_roles():
		return None  # the same answer as a job that does not exist
	return row


def _stop_in_rq(job_id: str) -> None:
	"""The record already says canceled, so a worker that picks the job up skips it and one
	that is running it discards its work; this only saves the worker the effort."""
	job = get_job(job_id)
	if job is None:
		return
	status = job.get_status(refresh=False)
	try:
		if status == JobStatus.STARTED:
			send_stop_job_command(get_redis_conn(), job.id)
		elif status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
			job.cancel()
	except (InvalidJobOperation, NoSuchJobError):
		pass  # it ended or was picked up meanwhile; the record decides what counts


def _iso(value) -> str | None:
	"""ISO 8601 with the site's time zone (Frappe stores naive local datetimes)."""
	return value.replace(tzinfo=ZoneInfo(get_system_timezone())).isoformat() if value else None
