"""Durable webhooks against the live site with real RQ workers and a real receiver on
127.0.0.1 that verifies signatures with the standardwebhooks library (not ours).

The scheduler's minute sweep is run the way the scheduler runs it, with
``bench --site SITE execute my_api_app.webhooks.sending.dispatch_due``. The site must allow
127.0.0.1/32 in ``my_api_app_webhook_allowed_networks`` (scripts/bench-tier sets it).
"""

import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from my_api_app.tests.http.e2e_site import skip_unless_live_site, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from my_api_app.webhooks.local_receiver import Answer, Receiver

skip_unless_live_site()
API = "my_api_app.api.webhooks."


def bench_execute(method: str) -> None:
	bench = os.environ.get("MY_API_APP_E2E_BENCH")
	if not bench:
		pytest.skip("needs MY_API_APP_E2E_BENCH to run the scheduler's sweep")
	subprocess.run(
		["bench", "--site", os.environ["MY_API_APP_E2E_SITE"], "execute", method],
		cwd=bench,
		check=True,
		capture_output=True,
		env={**os.environ, "PATH": f"{bench}/env/bin:{os.environ['PATH']}"},
	)


def sweep() -> None:
	bench_execute("my_api_app.webhooks.sending.dispatch_due")


class VerifyingReceiver(Receiver):
	"""Answers 401 to a request whose signature standardwebhooks does not accept; counts the
	events it processed (answered 2xx) by webhook-id."""

	def __init__(self):
		super().__init__(respond=self._respond)
		self.secret = None
		self.behaviour = lambda received: Answer()
		self.rejected = 0

	def _respond(self, received):
		try:
			Webhook(self.secret).verify(received.body, received.headers)
		except WebhookVerificationError:
			self.rejected += 1
			return Answer(status=401)
		return self.behaviour(received)


@pytest.fixture
def receiver(admin):
	receiver = VerifyingReceiver().start()
	receiver.webhooks = []
	yield receiver
	receiver.stop()
	for name in receiver.webhooks:  # its deliveries go with it
		response = admin.request("DELETE", f"/api/resource/Webhook/{name}")
		assert response.status_code == 202 or response.ok, response.text


def post_durable_webhook(admin, url: str, **fields) -> tuple[str, object]:
	"""A durable webhook on ToDo's after_insert to ``url``, made over the API: its name and the
	response (whose ``__onload`` carries the signing secret, in this answer only)."""
	name = f"e2e-durable-{uuid.uuid4().hex[:8]}"
	response = admin.request(
		"POST",
		"/api/resource/Webhook",
		json={
			"__newname": name,
			"webhook_doctype": "ToDo",
			"webhook_docevent": "after_insert",
			"request_url": url,
			"request_structure": "JSON",
			"webhook_json": '{"name": "{{ doc.name }}"}',
			"enabled": 1,
			"durable_delivery": 1,
			**fields,
		},
	)
	return name, response


def make_webhook(admin, receiver, **fields) -> str:
	fields.setdefault("webhook_json", '{"name": "{{ doc.name }}", "description": "{{ doc.description }}"}')
	fields.setdefault("timeout", 3)
	# Workers take "short" before "default": the deliveries do not wait behind the jobs Frappe
	# queues for each user the suites make (contacts, avatars: a backlog on a busy run)
	fields.setdefault("background_jobs_queue", "short")
	name, response = post_durable_webhook(admin, receiver.url, **fields)
	assert response.status_code == 200, response.text
	receiver.webhooks.append(name)
	receiver.secret = response.json()["data"]["__onload"]["signing_secret"]  # shown in this answer only
	return name


def deliveries(admin, webhook: str) -> list[dict]:
	response = admin.request(
		"GET",
		"/api/resource/Webhook Delivery",
		params={
			"filters": f'[["webhook", "=", "{webhook}"]]',
			"fields": '["name", "event_id", "status", "attempt_count"]',
			"limit_page_length": 0,
		},
	)
	assert response.status_code == 200, response.text
	return response.json()["data"]


def new_todos(admin, count: int) -> list[str]:
	names = []
	for i in range(count):
		response = admin.request("POST", "/api/resource/ToDo", json={"description": f"e2e webhook {i}"})
		assert response.status_code == 200, response.text
		names.append(response.json()["data"]["name"])
	return names


def test_a_delivery_arrives_signed_through_a_worker(admin, receiver, rq_workers):
	webhook = make_webhook(admin, receiver)
	[todo] = new_todos(admin, 1)
	wait_for(lambda: receiver.ids(), timeout=30)
	[delivery] = deliveries(admin, webhook)
	assert receiver.ids() == [delivery["event_id"]] and receiver.rejected == 0
	assert wait_for(lambda: deliveries(admin, webhook)[0]["status"] == "Delivered", timeout=10)
	assert f'"name":"{todo}"' in receiver.received[0].body.decode()


def test_receiver_down_for_a_minute_then_up_gets_every_event_once(admin, receiver, rq_workers):
	webhook = make_webhook(admin, receiver, durable_retry_schedule="0, 5, 10, 20, 30, 30, 30, 30")
	receiver.stop()  # down: connections are refused
	new_todos(admin, 10)
	down_until = time.monotonic() + 60
	while time.monotonic() < down_until:
		time.sleep(10)
		sweep()  # the scheduler, every so often: attempts fail while the receiver is down
	failed = deliveries(admin, webhook)
	assert len(failed) == 10 and all(d["status"] == "Failed" for d in failed), failed
	assert sum(d["attempt_count"] for d in failed) > len(failed), failed  # retried while down
	receiver.start()  # up again, on the same port
	wait_for(
		lambda: all(d["status"] == "Delivered" for d in deliveries(admin, webhook)),
		timeout=120,
		every=5,
		then=sweep,
	)
	expected = sorted(d["event_id"] for d in deliveries(admin, webhook))
	assert sorted(receiver.ids()) == expected  # every event, each processed exactly once
	assert receiver.rejected == 0


def test_a_500_receiver_sees_the_schedule_then_exhaustion(admin, receiver, rq_workers):
	receiver.behaviour = lambda received: Answer(status=500)
	webhook = make_webhook(admin, receiver, durable_retry_schedule="0, 2, 4", durable_disable_after=0)
	new_todos(admin, 1)
	wait_for(lambda: len(receiver.received) == 3, timeout=60, every=1, then=sweep)
	times = [r.at for r in receiver.received]
	gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
	assert gaps[0] >= 2 * 0.9 and gaps[1] >= 4 * 0.9, gaps  # never earlier than the schedule
	assert len(set(receiver.ids(status=None))) == 1  # one webhook-id on every attempt
	assert wait_for(lambda: deliveries(admin, webhook)[0]["status"] == "Exhausted", timeout=10)


def test_a_worker_killed_mid_delivery_and_the_delivery_is_sent_again(admin, receiver, rq_workers):
	receiver.behaviour = lambda received: Answer(delay=45)  # the worker waits in the request
	webhook = make_webhook(admin, receiver, timeout=20)
	new_todos(admin, 1)
	wait_for(lambda: receiver.received, timeout=30)
	horse = busy_delivery_horse()
	os.kill(horse, signal.SIGKILL)  # the process sending the delivery dies mid-request
	receiver.behaviour = lambda received: Answer()
	[delivery] = deliveries(admin, webhook)
	assert delivery["status"] == "Pending" and delivery["attempt_count"] == 0
	# the lease (timeout 20 s + 30 s) runs out; the scheduler's sweep sends it again
	wait_for(lambda: len(receiver.received) >= 2, timeout=120, every=5, then=sweep)
	assert [r.headers["webhook-id"] for r in receiver.received] == [delivery["event_id"]] * 2
	assert wait_for(lambda: deliveries(admin, webhook)[0]["status"] == "Delivered", timeout=10)
	assert deliveries(admin, webhook)[0]["attempt_count"] == 1  # the killed attempt left no result


def busy_delivery_horse() -> int:
	"""The work horse (child process) of the worker that is running a webhook delivery job."""
	from my_api_app.jobs.rq_workers import _child_of

	connection = redis.Redis.from_url(_queue_redis_url())
	for _ in range(50):
		for key in connection.smembers("rq:workers"):
			worker = connection.hgetall(key)
			job = worker.get(b"current_job")
			if job and b"webhooks.sending.deliver" in (
				connection.hget(b"rq:job:" + job, "description") or b""
			):
				horse = _child_of(int(worker[b"pid"]))
				if horse:
					return horse
		time.sleep(0.2)
	raise AssertionError("no worker is running a webhook delivery")


def _queue_redis_url() -> str:
	import json

	bench = Path(os.environ["MY_API_APP_E2E_BENCH"])
	return json.loads((bench / "sites" / "common_site_config.json").read_text())["redis_queue"]


def test_internal_addresses_are_refused_over_http(admin, receiver):
	for url in ("http://169.254.169.254/latest/meta-data/", "http://[::1]:8000/", "http://10.0.0.1/hook"):
		response = admin.request(
			"POST",
			"/api/resource/Webhook",
			json={
				"__newname": f"e2e-ssrf-{uuid.uuid4().hex[:8]}",
				"webhook_doctype": "ToDo",
				"webhook_docevent": "after_insert",
				"request_url": url,
				"durable_delivery": 1,
			},
		)
		assert response.status_code == 400, (url, response.text)  # Frappe's 417, in the error contract
		assert "Request URL refused" in response.text


def test_resend_needs_write_on_the_webhook(admin, member, receiver, rq_workers):
	webhook = make_webhook(admin, receiver)
	new_todos(admin, 1)
	wait_for(lambda: receiver.ids(), timeout=30)
	[delivery] = deliveries(admin, webhook)
	_, member_site = member
	denied = member_site.method("POST", API + "resend_delivery", json={"delivery": delivery["name"]})
	assert denied.status_code == 404, denied.text
	resent = admin.method("POST", API + "resend_delivery", json={"delivery": delivery["name"]})
	assert resent.status_code == 200, resent.text
	wait_for(lambda: len(receiver.ids()) == 2, timeout=30)
	assert receiver.ids() == [delivery["event_id"]] * 2
