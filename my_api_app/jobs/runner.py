"""What runs on the RQ worker: claim the record, run the job as its owner, store the outcome.

``run`` is enqueued through ``frappe.enqueue``, so Frappe's ``execute_job`` has already
connected to the site and set the user who started the job. Progress is written on a second
database connection and committed at once, so a poller sees it while the job's own
transaction (its work) is still open; the outcome is stored in that transaction, so a job
canceled while it ran is rolled back instead of committed.
"""

import frappe
from frappe.utils import now_datetime

from my_api_app.jobs.rules import states as rules
from my_api_app.shared import frappe_compat, request_context

REALTIME_EVENT = "api_job"


def current_job_id() -> str | None:
	"""The API Job the code is running in, or None outside a job."""
	state = request_context.peek()
	return state.api_job if state else None


def run(api_job: str, target: str, arguments: dict) -> None:
	if not _move(api_job, rules.QUEUED, {"status": rules.STARTED, "started_at": now_datetime()}):
		frappe.db.rollback()  # canceled (or already failed by the sweep) before it started
		return
	frappe.db.commit()
	_publish(api_job, {"status": rules.STARTED})
	state = request_context.current()
	state.api_job = api_job
	try:
		value = frappe.get_attr(target)(**arguments)
		result = rules.encode_result(
			value, frappe.conf.get("my_api_app_job_result_limit") or rules.DEFAULT_MAX_RESULT_BYTES
		)
	except Exception as error:
		frappe.db.rollback()
		message = rules.error_message(error)
		if _move(
			api_job, rules.STARTED, {"status": rules.FAILED, "error": message, "ended_at": now_datetime()}
		):
			frappe.db.commit()
			_publish(api_job, {"status": rules.FAILED, "error": message})
		raise  # Frappe's execute_job writes the traceback to the Error Log; RQ marks it failed
	else:
		done = {
			"status": rules.FINISHED,
			"result": result,
			"ended_at": now_datetime(),
			"progress_percent": 100,
		}
		if _move(api_job, rules.STARTED, done):
			frappe.db.commit()
			_publish(api_job, {"status": rules.FINISHED})
		else:
			frappe.db.rollback()  # canceled while it ran: its work is not kept
	finally:
		state.api_job = None
		if state.job_progress_db is not None:
			state.job_progress_db.close()
			state.job_progress_db = None


def report_progress(percent: float, message: str | None = None) -> None:
	"""From inside job code: store the progress (0-100 %, a short message) where the status
	endpoint reads it, and publish it to the job's owner in real time (event ``api_job``).

	Each call is one small committed UPDATE; call it per chunk of work, not per row. Outside a
	job (the function called directly) it does nothing.
	"""
	job_id = current_job_id()
	if job_id is None:
		return
	percent, message = rules.progress_values(percent, message)
	db = _progress_db()
	db.sql(
		"update `tabAPI Job` set progress_percent=%s, progress_message=%s where name=%s and status=%s",
		(percent, message, job_id, rules.STARTED),
	)
	db.commit()
	_publish(job_id, {"status": rules.STARTED, "progress": {"percent": percent, "message": message}})


def _move(api_job: str, expected: str, values: dict) -> bool:
	"""Set ``values`` if the job is still ``expected`` (checked under a row lock)."""
	status = frappe.db.get_value("API Job", api_job, "status", for_update=True)
	if status != expected or not rules.can_move(status, values["status"]):
		return False
	frappe.db.set_value("API Job", api_job, values, update_modified=False)
	return True


def _progress_db():
	state = request_context.current()
	if state.job_progress_db is None:
		state.job_progress_db = frappe_compat.second_connection()
	return state.job_progress_db


def _publish(api_job: str, message: dict) -> None:
	frappe.publish_realtime(REALTIME_EVENT, {"job_id": api_job, **message}, user=frappe.session.user)
