"""Bench tests of background jobs: started over HTTP (Frappe's real request pipeline), run by
a real RQ worker that this module starts, read back through the status endpoints."""

import csv
import io
import os
import signal
import subprocess
import sys
import time
import uuid

import frappe
from frappe.utils import add_to_date, get_bench_path, now_datetime
from frappe.utils.background_jobs import get_job

from my_api_app.jobs import sweep
from my_api_app.testing import api_request
from my_api_app.tests.factories import ApiUsersTestCase, make_api_key

OWNER, OTHER, MANAGER = (f"jobs-{who}@example.com" for who in ("owner", "other", "manager"))
START = "/api/method/my_api_app.jobs.tests.job_endpoints.start_test_job"
STATUS = "/api/method/my_api_app.api.jobs.status"
CANCEL = "/api/method/my_api_app.api.jobs.cancel"
LIST = "/api/method/my_api_app.api.jobs.list_jobs"
START_EXPORT = "/api/method/my_api_app.examples.exports.start_export"
CHECK_EXPORT = "/api/method/my_api_app.examples.exports.check_job_status"
FINAL = ("finished", "failed", "canceled")
WAIT = 90  # seconds; the worker is real and the machine may be busy


_worker: subprocess.Popen | None = None


def setUpModule():
	"""A real RQ worker of our own: the bench tier runs these tests before it starts any."""
	global _worker
	_worker = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"worker",
			"--queue",
			"short,default,long",
		],
		cwd=os.path.join(get_bench_path(), "sites"),
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		start_new_session=True,
	)


def tearDownModule():
	os.killpg(_worker.pid, signal.SIGTERM)
	try:
		_worker.wait(timeout=30)
	except subprocess.TimeoutExpired:
		os.killpg(_worker.pid, signal.SIGKILL)
		_worker.wait(timeout=10)


class JobsTestCase(ApiUsersTestCase):
	USERS = {"owner": (OWNER, ()), "other": (OTHER, ()), "manager": (MANAGER, ("System Manager",))}

	def start(self, behaviour="finish", caller=None, headers=None, **fields):
		marker = fields.pop("marker", f"job-{uuid.uuid4().hex[:12]}")
		response = api_request(
			"POST",
			START,
			json={"behaviour": behaviour, "marker": marker, **fields},
			auth=caller or self.owner,
			headers=headers,
		)
		self.assertEqual(response.status_code, 202, response.get_data(as_text=True))
		data = response.get_json()["message"]["data"]
		self.assertEqual(response.headers["Location"], data["status_url"])
		frappe.db.commit()  # a new snapshot: see what the request committed
		return data["job_id"], marker

	def status(self, job_id, caller=None, path=STATUS):
		response = api_request("GET", path, query={"job_id": job_id}, auth=caller or self.owner)
		return response, response.get_json()

	def wait_for(self, job_id, until=FINAL, caller=None, path=STATUS) -> dict:
		deadline = time.monotonic() + WAIT
		while time.monotonic() < deadline:
			response, body = self.status(job_id, caller, path)
			self.assertEqual(response.status_code, 200, body)
			data = body["message"]["data"]
			if until(data) if callable(until) else data["status"] in until:
				return data
			self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
			time.sleep(0.2)
		self.fail(f"job {job_id} did not reach {until} within {WAIT} s: {data}")


class TestJobOutcomes(JobsTestCase):
	def test_finished_job_ran_as_its_owner_and_keeps_its_result(self):
		job_id, marker = self.start("finish")
		data = self.wait_for(job_id)
		self.assertEqual(data["status"], "finished")
		self.assertEqual(data["result"], {"marker": marker, "user": OWNER})
		self.assertEqual(data["progress"]["percent"], 100)
		self.assertEqual(data["progress"]["message"], "half way")
		self.assertIsNone(data["error"])
		self.assertTrue(data["created_at"] <= data["started_at"] <= data["ended_at"])
		self.assertEqual(data["queue"], "long")
		response, _ = self.status(job_id)
		self.assertNotIn("Retry-After", response.headers)

	def test_failed_job_reports_the_error_without_a_traceback(self):
		job_id, marker = self.start("fail")
		data = self.wait_for(job_id)
		self.assertEqual(data["status"], "failed")
		self.assertEqual(data["error"], f"ValueError: {marker} was not acceptable")
		self.assertIsNone(data["result"])
		response, _ = self.status(job_id)
		self.assertNotIn("Traceback", response.get_data(as_text=True))

	def test_a_result_over_the_size_limit_fails_the_job(self):
		job_id, _ = self.start("big_result")
		data = self.wait_for(job_id)
		self.assertEqual(data["status"], "failed")
		self.assertTrue(data["error"].startswith("ResultTooLarge: "), data["error"])
		self.assertIsNone(data["result"])

	def test_progress_is_visible_while_running_and_cancel_discards_the_work(self):
		job_id, marker = self.start("slow", seconds=8)
		data = self.wait_for(
			job_id, until=lambda d: d["status"] == "started" and d["progress"]["percent"] == 25
		)
		self.assertEqual(data["progress"]["message"], "working")
		response = api_request("POST", CANCEL, json={"job_id": job_id}, auth=self.owner)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertEqual(response.get_json()["message"]["data"]["status"], "canceled")
		time.sleep(10)  # past the job's own end: it was stopped, so it never commits
		frappe.db.commit()
		self.assertEqual(self.status(job_id)[1]["message"]["data"]["status"], "canceled")
		self.assertFalse(frappe.db.exists("ToDo", {"description": marker}))
		again = api_request("POST", CANCEL, json={"job_id": job_id}, auth=self.owner)
		self.assertEqual(again.status_code, 409)

	def test_a_job_canceled_at_once_never_does_its_work(self):
		job_id, marker = self.start("slow", seconds=2)
		response = api_request("POST", CANCEL, json={"job_id": job_id}, auth=self.owner)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		time.sleep(5)
		frappe.db.commit()
		self.assertEqual(self.status(job_id)[1]["message"]["data"]["status"], "canceled")
		self.assertFalse(frappe.db.exists("ToDo", {"description": marker}))

	def test_status_outlives_the_rq_result(self):
		job_id, marker = self.start("finish")
		self.wait_for(job_id)
		get_job(job_id).delete()  # what RQ's result TTL (10 minutes) does
		self.assertIsNone(get_job(job_id))
		data = self.status(job_id)[1]["message"]["data"]
		self.assertEqual((data["status"], data["result"]["marker"]), ("finished", marker))


class TestOwnership(JobsTestCase):
	def test_only_the_owner_or_a_system_manager_sees_a_job(self):
		job_id, _ = self.start("finish")
		missing = self.status("no-such-job", caller=self.other)
		for path, method, kwargs in (
			(STATUS, "GET", {"query": {"job_id": job_id}}),
			(CANCEL, "POST", {"json": {"job_id": job_id}}),
		):
			response = api_request(method, path, auth=self.other, **kwargs)
			self.assertEqual(response.status_code, 404, response.get_data(as_text=True))
			self.assertEqual(response.get_json()["error"]["detail"], f"Job {job_id} was not found.")
		self.assertEqual(missing[0].status_code, 404)
		self.assertEqual(self.status(job_id, caller=self.manager)[0].status_code, 200)
		self.assertEqual(self.status(job_id)[0].status_code, 200)

	def test_the_list_holds_the_callers_own_jobs_only(self):
		mine, _ = self.start("finish")
		theirs, _ = self.start("finish", caller=self.other)
		listed = api_request("GET", LIST, query={"limit": 100}, auth=self.owner).get_json()["message"]["data"]
		names = [job["job_id"] for job in listed]
		self.assertIn(mine, names)
		self.assertNotIn(theirs, names)
		self.wait_for(mine)
		finished = api_request("GET", LIST, query={"status": "finished"}, auth=self.owner).get_json()
		self.assertTrue(all(job["status"] == "finished" for job in finished["message"]["data"]))

	def test_guest_cannot_start_a_job(self):
		response = api_request("POST", START, json={"behaviour": "finish", "marker": "guest"})
		self.assertEqual(response.status_code, 401)


class TestIdempotency(JobsTestCase):
	def test_a_retried_start_with_the_same_key_returns_the_same_job(self):
		key = {"Idempotency-Key": uuid.uuid4().hex}
		first, marker = self.start("finish", headers=key)
		second, _ = self.start("finish", headers=key, marker=marker)
		self.assertEqual(first, second)
		self.assertEqual(frappe.db.count("API Job", {"name": first}), 1)
		other_callers, _ = self.start("finish", headers=key, caller=self.other, marker=marker)
		self.assertNotEqual(other_callers, first)

	def test_the_same_key_with_other_arguments_is_a_conflict(self):
		key = {"Idempotency-Key": uuid.uuid4().hex}
		self.start("finish", headers=key)
		response = api_request(
			"POST", START, json={"behaviour": "finish", "marker": "other"}, auth=self.owner, headers=key
		)
		self.assertEqual(response.status_code, 409, response.get_data(as_text=True))

	def test_a_malformed_key_is_invalid_input(self):
		response = api_request(
			"POST",
			START,
			json={"behaviour": "finish", "marker": "x"},
			auth=self.owner,
			headers={"Idempotency-Key": "has spaces"},
		)
		self.assertEqual(response.status_code, 400)
		self.assertEqual(response.get_json()["error"]["fields"][0]["field"], "Idempotency-Key")

	def test_concurrent_starts_with_one_key_make_one_job(self):
		import threading

		key = {"Idempotency-Key": uuid.uuid4().hex}
		site = frappe.local.site
		answers = []

		def start():
			answers.append(
				api_request(
					"POST",
					START,
					json={"behaviour": "finish", "marker": "same"},
					auth=self.owner,
					headers=key,
					site=site,
				)
			)

		threads = [threading.Thread(target=start) for _ in range(4)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		self.assertEqual(
			[a.status_code for a in answers], [202] * 4, [a.get_data(as_text=True) for a in answers]
		)
		self.assertEqual(len({a.get_json()["message"]["data"]["job_id"] for a in answers}), 1)


class TestSweepAndRetention(JobsTestCase):
	def record(self, status, **fields) -> str:
		job = frappe.get_doc(
			{"doctype": "API Job", "status": status, "method": "x.y", "queue": "long", **fields}
		).insert(ignore_permissions=True)
		frappe.db.set_value("API Job", job.name, "owner", OWNER, update_modified=False)
		frappe.db.commit()
		return job.name

	def test_a_started_job_without_its_rq_job_fails_when_read(self):
		name = self.record("started", started_at=now_datetime())
		data = self.status(name)[1]["message"]["data"]
		self.assertEqual(data["status"], "failed")
		self.assertEqual(data["error"], "The job's worker stopped before the job ended.")

	def test_the_scheduler_sweep_fails_lost_jobs_and_spares_young_queued_ones(self):
		lost = self.record("queued")
		frappe.db.set_value("API Job", lost, "creation", add_to_date(now_datetime(), minutes=-5))
		young = self.record("queued")
		started = self.record("started", started_at=now_datetime())
		frappe.db.commit()
		sweep.sweep_lost_jobs()
		statuses = {n: frappe.db.get_value("API Job", n, ["status", "error"]) for n in (lost, young, started)}
		self.assertEqual(statuses[lost], ("failed", "The job was lost before a worker took it."))
		self.assertEqual(statuses[young][0], "queued")
		self.assertEqual(statuses[started][0], "failed")
		frappe.db.delete("API Job", {"name": young})
		frappe.db.commit()

	def test_old_jobs_and_their_files_are_deleted_after_the_retention(self):
		old = self.record("finished", ended_at=add_to_date(now_datetime(), days=-8))
		recent = self.record("finished", ended_at=add_to_date(now_datetime(), days=-6))
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"old-{old}.csv",
				"content": b"a,b\r\n",
				"is_private": 1,
				"attached_to_doctype": "API Job",
				"attached_to_name": old,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		sweep.delete_expired_jobs()
		self.assertFalse(frappe.db.exists("API Job", old))
		self.assertFalse(frappe.db.exists("File", file.name))
		self.assertTrue(frappe.db.exists("API Job", recent))
		frappe.conf.my_api_app_job_retention_days = 5
		try:
			sweep.delete_expired_jobs()
		finally:
			del frappe.conf["my_api_app_job_retention_days"]
		self.assertFalse(frappe.db.exists("API Job", recent))


class TestExport(JobsTestCase):
	def test_export_holds_only_readable_todos_in_a_file_only_the_owner_downloads(self):
		mine = frappe.get_doc({"doctype": "ToDo", "description": "=export mine", "allocated_to": OWNER})
		mine.insert(ignore_permissions=True)
		theirs = frappe.get_doc({"doctype": "ToDo", "description": "export theirs", "allocated_to": OTHER})
		theirs.insert(ignore_permissions=True)
		frappe.db.commit()
		response = api_request("POST", START_EXPORT, json={"filters": {"status": "Open"}}, auth=self.owner)
		self.assertEqual(response.status_code, 202, response.get_data(as_text=True))
		job_id = response.get_json()["message"]["data"]["job_id"]
		data = self.wait_for(job_id, path=CHECK_EXPORT)
		self.assertEqual(data["status"], "finished", data)
		self.assertEqual(data["download_url"], data["result"]["file_url"])
		self.assertTrue(data["download_url"].startswith("/private/files/"))

		download = api_request("GET", data["download_url"], auth=self.owner)
		self.assertEqual(download.status_code, 200)
		rows = list(csv.DictReader(io.StringIO(download.get_data().decode("utf-8-sig"))))
		names = {row["name"] for row in rows}
		self.assertIn(mine.name, names)
		self.assertNotIn(theirs.name, names)
		self.assertEqual(len(rows), data["result"]["rows"])
		self.assertEqual(next(r for r in rows if r["name"] == mine.name)["description"], "'=export mine")
		self.assertEqual(api_request("GET", data["download_url"], auth=self.other).status_code, 403)
		self.assertEqual(self.status(job_id, caller=self.other, path=CHECK_EXPORT)[0].status_code, 404)

	def test_a_scoped_key_needs_the_todo_read_scope_to_export(self):
		def export_with(scopes):
			key, secret = make_api_key(OWNER, scopes, label="export")
			return api_request(
				"POST", START_EXPORT, json={}, headers={"Authorization": f"token {key.name}:{secret}"}
			)

		refused = export_with(["method:my_api_app.examples.exports.*"])
		self.assertEqual(refused.status_code, 403, refused.get_data(as_text=True))
		self.assertEqual(refused.get_json()["error"]["type"], "missing_scope")
		accepted = export_with(["method:my_api_app.examples.exports.*", "doctype:ToDo:read"])
		self.assertEqual(accepted.status_code, 202, accepted.get_data(as_text=True))

	def test_check_job_status_only_knows_export_jobs(self):
		job_id, _ = self.start("finish")
		self.assertEqual(self.status(job_id, path=CHECK_EXPORT)[0].status_code, 404)

	def test_unknown_filters_are_invalid_input(self):
		response = api_request("POST", START_EXPORT, json={"filters": {"owner": OWNER}}, auth=self.owner)
		self.assertEqual(response.status_code, 400)
