"""Background jobs over HTTP, as new users would use them: start (202 + Location), poll,
cancel, download the export; ownership; RQ forgetting the job; a worker killed mid-job."""

import csv
import io
import json
import os
import time
import uuid

import pytest

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

START = "my_api_app.jobs.tests.job_endpoints.start_test_job"
STATUS = "/api/method/my_api_app.api.jobs.status"
CANCEL = "my_api_app.api.jobs.cancel"
WAIT = 120  # seconds: real workers on a machine that may be busy
FINAL = ("finished", "failed", "canceled")


def start(caller, behaviour="finish", **fields) -> tuple[str, str]:
	marker = fields.pop("marker", f"e2e-job-{uuid.uuid4().hex[:10]}")
	response = caller.method("POST", START, json={"behaviour": behaviour, "marker": marker, **fields})
	assert response.status_code == 202, response.text
	data = response.json()["message"]["data"]
	assert response.headers["Location"] == data["status_url"]
	return data["job_id"], marker


def poll(caller, job_id, until=FINAL, path=None) -> dict:
	url = path or f"{STATUS}?job_id={job_id}"
	deadline = time.monotonic() + WAIT
	while time.monotonic() < deadline:
		response = caller.request("GET", url)
		assert response.status_code == 200, response.text
		data = response.json()["message"]["data"]
		if until(data) if callable(until) else data["status"] in until:
			return data
		assert int(response.headers["Retry-After"]) >= 1
		time.sleep(0.25)
	raise AssertionError(f"job {job_id} never reached {until}: {data}")


def todo_exists(admin, marker) -> bool:
	response = admin.request(
		"GET", "/api/resource/ToDo", params={"filters": f'[["description", "=", "{marker}"]]'}
	)
	response.raise_for_status()
	return bool(response.json()["data"])


def test_export_end_to_end_as_a_new_user(admin, member, other_member, manager):
	email, me = member
	other_email, other = other_member
	mine = me.method(
		"POST",
		"frappe.client.insert",
		json={"doc": {"doctype": "ToDo", "description": "e2e export", "allocated_to": email}},
	).json()["message"]["name"]
	theirs = other.method(
		"POST",
		"frappe.client.insert",
		json={"doc": {"doctype": "ToDo", "description": "not yours", "allocated_to": other_email}},
	).json()["message"]["name"]

	response = me.method(
		"POST",
		"my_api_app.examples.exports.start_export",
		json={"filters": {"status": "Open"}},
		headers={"Idempotency-Key": uuid.uuid4().hex},
	)
	assert response.status_code == 202, response.text
	job_id = response.json()["message"]["data"]["job_id"]
	assert response.headers["Location"] == f"{STATUS}?job_id={job_id}"
	check = f"/api/method/my_api_app.examples.exports.check_job_status?job_id={job_id}"
	data = poll(me, job_id, path=check)
	assert data["status"] == "finished", data
	assert data["progress"]["percent"] == 100

	download = me.request("GET", data["download_url"])
	assert download.status_code == 200
	names = {row["name"] for row in csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")))}
	assert mine in names and theirs not in names
	assert other.request("GET", data["download_url"]).status_code == 403
	assert manager[1].request("GET", data["download_url"]).status_code == 200

	# Someone else's job does not exist for them, on every path.
	for response in (
		other.request("GET", check),
		other.request("GET", f"{STATUS}?job_id={job_id}"),
		other.method("POST", CANCEL, json={"job_id": job_id}),
	):
		assert response.status_code == 404, response.text
		assert response.json()["error"]["type"] == "not_found"
	assert manager[1].request("GET", f"{STATUS}?job_id={job_id}").status_code == 200
	listed = me.method("GET", "my_api_app.api.jobs.list_jobs").json()["message"]["data"]
	assert job_id in [job["job_id"] for job in listed]
	assert job_id not in [
		job["job_id"]
		for job in other.method("GET", "my_api_app.api.jobs.list_jobs").json()["message"]["data"]
	]


def test_a_retried_start_with_the_same_idempotency_key_is_the_same_job(member):
	_, me = member
	headers = {"Idempotency-Key": str(uuid.uuid4())}
	body = {"behaviour": "finish", "marker": "idempotent"}
	first = me.method("POST", START, json=body, headers=headers)
	second = me.method("POST", START, json=body, headers=headers)
	assert (first.status_code, second.status_code) == (202, 202)
	assert first.json() == second.json()
	assert first.headers["Location"] == second.headers["Location"]


def test_failed_job_says_why_without_a_traceback(member):
	_, me = member
	job_id, marker = start(me, "fail")
	data = poll(me, job_id)
	assert data["status"] == "failed"
	assert data["error"] == f"ValueError: {marker} was not acceptable"
	assert "Traceback" not in me.request("GET", f"{STATUS}?job_id={job_id}").text


def test_progress_while_running_then_cancel_stops_the_job(admin, member, rq_workers):
	email, me = member
	events = rq_workers.redis.pubsub(ignore_subscribe_messages=True)
	events.subscribe("events")  # where frappe.publish_realtime sends to Socket.IO
	job_id, marker = start(me, "slow", seconds=10)
	running = poll(me, job_id, until=lambda d: d["status"] == "started" and d["progress"]["percent"] == 25)
	assert running["progress"]["message"] == "working"
	published, deadline = [], time.monotonic() + 2
	while time.monotonic() < deadline:
		if message := events.get_message(timeout=0.2):
			published.append(json.loads(message["data"]))
	events.close()
	assert {
		"event": "api_job",
		"message": {"job_id": job_id, "status": "started", "progress": {"percent": 25, "message": "working"}},
		"room": f"user:{email}",
		"namespace": os.environ["MY_API_APP_E2E_SITE"],
	} in published
	response = me.request("GET", f"{STATUS}?job_id={job_id}")
	assert int(response.headers["Retry-After"]) >= 1
	canceled = me.method("POST", CANCEL, json={"job_id": job_id})
	assert canceled.status_code == 200, canceled.text
	assert canceled.json()["message"]["data"]["status"] == "canceled"
	time.sleep(12)  # past the job's own end
	after = me.request("GET", f"{STATUS}?job_id={job_id}")
	assert after.json()["message"]["data"]["status"] == "canceled"
	assert "Retry-After" not in after.headers
	assert not todo_exists(admin, marker)  # stopped mid-transaction: nothing committed
	assert me.method("POST", CANCEL, json={"job_id": job_id}).status_code == 409


def test_status_outlives_rq_forgetting_the_job(member, rq_workers):
	_, me = member
	job_id, marker = start(me, "finish")
	assert poll(me, job_id)["status"] == "finished"
	rq_key = f"rq:job:{rq_workers.rq_job_id(os.environ['MY_API_APP_E2E_SITE'], job_id)}"
	assert rq_workers.redis.ttl(rq_key) > 0  # RQ's result TTL would delete it...
	rq_workers.redis.delete(rq_key)  # ...as it does here
	data = me.request("GET", f"{STATUS}?job_id={job_id}").json()["message"]["data"]
	assert (data["status"], data["result"]["marker"]) == ("finished", marker)


def job_on_our_worker(me, rq_workers):
	"""A slow job running on a worker this session started (other workers are never killed:
	a job another worker took is canceled and the next one tried)."""
	site = os.environ["MY_API_APP_E2E_SITE"]
	rq_workers.start("long")  # an idle worker of ours, likely to take the job
	for _ in range(10):
		job_id, _ = start(me, "slow", seconds=60)
		poll(me, job_id, until=lambda d: d["status"] == "started")
		worker = rq_workers.worker_for_job(rq_workers.rq_job_id(site, job_id))
		if worker.ours:
			assert worker.horse_pid, "a busy worker has a work horse"
			return job_id, worker
		me.method("POST", CANCEL, json={"job_id": job_id})
	pytest.fail("none of 10 jobs ran on a worker started by the test")


@pytest.mark.parametrize("horse_only", [False, True], ids=["worker and horse", "horse only"])
def test_a_worker_killed_mid_job_ends_failed(member, rq_workers, horse_only):
	_, me = member
	job_id, worker = job_on_our_worker(me, rq_workers)
	rq_workers.kill(worker, horse_only=horse_only)
	if not rq_workers.live_pids():
		rq_workers.start()  # leave a live worker behind
	data = poll(me, job_id)
	assert data["status"] == "failed", data
	assert data["error"] == "The job's worker stopped before the job ended."
	assert "Retry-After" not in me.request("GET", f"{STATUS}?job_id={job_id}").headers
