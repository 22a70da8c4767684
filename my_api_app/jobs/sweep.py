"""Jobs whose worker died end ``failed``, never ``started`` forever; old records go.

A job's record is reconciled with RQ when its status is read and by the scheduler every
minute. It is lost when RQ no longer has it, when RQ has ended it without the runner storing
an outcome (a killed work horse, a crash before the job started), or when the worker running
it is gone: its ``rq:worker:`` key has expired (no heartbeat for 90 s while busy) or, on this
host, its process no longer exists.
"""

import os
import socket

import frappe
from frappe.utils import add_to_date, now_datetime
from frappe.utils.background_jobs import get_job, get_redis_conn
from rq.job import JobStatus

from my_api_app.jobs.rules import states as rules

# A queued record whose RQ job is missing this long after its creation was never enqueued
# (the enqueue runs after the request commits) or was dropped from Redis.
QUEUE_GRACE_SECONDS = 60
SWEEP_BATCH = 500


def reconcile(row) -> bool:
	"""Fail the unfinished job ``row`` (name, status, creation, owner) if it is lost.
	Commits and returns True when it did."""
	reason = lost_reason(row)
	if reason is None:
		return False
	status = frappe.db.get_value("API Job", row.name, "status", for_update=True)
	if rules.is_final(status):  # it ended meanwhile
		frappe.db.rollback()
		return False
	frappe.db.set_value(
		"API Job",
		row.name,
		{"status": rules.FAILED, "error": reason, "ended_at": now_datetime()},
		update_modified=False,
	)
	frappe.db.commit()
	frappe.publish_realtime(
		"api_job", {"job_id": row.name, "status": rules.FAILED, "error": reason}, user=row.owner
	)
	return True


def lost_reason(row) -> str | None:
	job = get_job(row.name)
	if job is None:
		if row.status == rules.STARTED:
			return "The job's worker stopped before the job ended."
		age = (now_datetime() - row.creation).total_seconds()
		return "The job was lost before a worker took it." if age > QUEUE_GRACE_SECONDS else None
	rq_status = job.get_status(refresh=False)
	if rq_status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, JobStatus.FINISHED):
		return "The job's worker stopped before the job ended."
	if rq_status == JobStatus.STARTED and job.worker_name and not _worker_alive(job.worker_name):
		return "The job's worker stopped before the job ended."
	return None


def _worker_alive(worker_name: str) -> bool:
	hostname, pid = get_redis_conn().hmget(f"rq:worker:{worker_name}", "hostname", "pid")
	if hostname is None:  # the key expired: no heartbeat
		return False
	if hostname.decode() != socket.gethostname() or not pid:
		return True  # another host: only its heartbeat can tell
	try:
		os.kill(int(pid), 0)
	except ProcessLookupError:
		return False
	except PermissionError:
		return True
	return True


def sweep_lost_jobs() -> None:
	"""Scheduler (every minute): reconcile every unfinished job of the site."""
	rows = frappe.get_all(
		"API Job",
		filters={"status": ("in", rules.UNFINISHED_STATUSES)},
		fields=["name", "status", "creation", "owner"],
		order_by="creation asc",
		limit_page_length=SWEEP_BATCH,
	)
	for row in rows:
		reconcile(row)


def delete_expired_jobs() -> None:
	"""Scheduler (daily): delete ended jobs (and the files attached to them) older than the
	site config's ``my_api_app_job_retention_days`` (default 7)."""
	days = rules.retention_days(frappe.conf.get("my_api_app_job_retention_days"))
	cutoff = add_to_date(now_datetime(), days=-days)
	names = frappe.get_all(
		"API Job",
		filters={"status": ("in", tuple(rules.FINAL_STATUSES)), "ended_at": ("<", cutoff)},
		pluck="name",
	)
	for name in names:
		frappe.delete_doc("API Job", name, ignore_permissions=True, force=True, delete_permanently=True)
		frappe.db.commit()
