"""Background jobs: how fast the status endpoint answers polls, and how soon a started job runs.

1. Status polls per second through the server (gunicorn, 2 workers x 4 threads), 8 client
   threads, by a System Manager with a Frappe API key, in alternating rounds against baselines
   read with the same key in the same run:
   - a finished job: ``my_api_app.api.jobs.status`` against ``frappe.client.get_value`` of the
     same API Job fields (a plain whitelisted read of the same record);
   - a running job (it is reconciled with RQ on every read: the RQ job and its worker's key):
     ``my_api_app.api.jobs.status`` against Frappe's own ``/api/resource/RQ Job/<id>`` (Frappe's
     job status for System Managers, read from Redis).
2. Start latency: the time from sending the start request to the job's ``started_at``, on an
   idle worker, sequentially (each job finishes before the next starts); median and p95 of
   BENCH_JOB_SAMPLES (default 30) jobs, with the time to the 202 answer apart.

Needs an RQ worker on BENCH_JOB_QUEUE (default ``long``) that nothing else keeps busy, and a
site with allow_tests (the test job endpoint). See benchmarks/common.py for the server.

	python benchmarks/job_status.py
"""

import os
import statistics
import time
import uuid
from datetime import datetime

from common import SITE, URL, admin_session, compare, new_user_token, session

START = f"{URL}/api/method/my_api_app.jobs.tests.job_endpoints.start_test_job"
STATUS = f"{URL}/api/method/my_api_app.api.jobs.status"
CANCEL = f"{URL}/api/method/my_api_app.api.jobs.cancel"
QUEUE = os.environ.get("BENCH_JOB_QUEUE", "long")
SAMPLES = int(os.environ.get("BENCH_JOB_SAMPLES", "30"))
FIELDS = '["name","owner","status","method","queue","progress_percent","progress_message","result","error","creation","started_at","ended_at"]'


def start(s, behaviour: str, seconds: float = 0) -> str:
	response = s.post(
		START,
		json={
			"behaviour": behaviour,
			"marker": f"bench-{uuid.uuid4().hex[:8]}",
			"seconds": seconds,
			"queue": QUEUE,
		},
	)
	response.raise_for_status()
	return response.json()["message"]["data"]["job_id"]


def wait(s, job_id: str, statuses: tuple[str, ...], timeout: float = 300) -> dict:
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		data = s.get(STATUS, params={"job_id": job_id}).json()["message"]["data"]
		if data["status"] in statuses:
			return data
		time.sleep(0.05)
	raise SystemExit(f"job {job_id} did not reach {statuses} in {timeout} s (is a worker on {QUEUE} idle?)")


def main():
	admin = admin_session()
	manager_email, token = new_user_token(admin)
	admin.put(
		f"{URL}/api/resource/User/{manager_email}", json={"roles": [{"role": "System Manager"}]}
	).raise_for_status()
	make_session = lambda: session(token)  # noqa: E731
	me = make_session()

	finished = start(me, "finish")
	wait(me, finished, ("finished",))
	print(f"site {SITE} at {URL}; queue {QUEUE}; 8 client threads, 6 alternating rounds of 3 s")
	print("\n1a. polls of a finished job")
	compare(
		"jobs.status",
		lambda s: s.get(STATUS, params={"job_id": finished}).status_code,
		"frappe.client.get_value",
		lambda s: (
			s.get(
				f"{URL}/api/method/frappe.client.get_value",
				params={"doctype": "API Job", "filters": finished, "fieldname": FIELDS},
			).status_code
		),
		make_session,
	)

	running = start(me, "slow", seconds=120)
	wait(me, running, ("started",))
	try:
		print("\n1b. polls of a running job (reconciled with RQ on each read)")
		compare(
			"jobs.status",
			lambda s: s.get(STATUS, params={"job_id": running}).status_code,
			"RQ Job (Frappe)",
			lambda s: s.get(f"{URL}/api/resource/RQ Job/{SITE}::{running}").status_code,
			make_session,
		)
	finally:
		me.post(CANCEL, json={"job_id": running})

	print(f"\n2. start latency over {SAMPLES} jobs, one at a time, on an idle worker")
	to_start, to_answer = [], []
	for _ in range(SAMPLES):
		sent = time.time()
		job_id = start(me, "finish")
		to_answer.append(time.time() - sent)
		data = wait(me, job_id, ("finished", "failed"))
		to_start.append(datetime.fromisoformat(data["started_at"]).timestamp() - sent)
	for name, values in (("request -> 202 answer", to_answer), ("request -> job started", to_start)):
		values = sorted(values)
		p95 = values[min(len(values) - 1, round(0.95 * len(values)) - 1)]
		print(f"{name}: median {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")


if __name__ == "__main__":
	main()
