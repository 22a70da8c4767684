"""Stored markup never runs in Desk: script-bearing text planted through the app's real flows
(a guest's request path and ``cmd``, a key's own request, a background job's error, result and
progress, an inbound delivery's event type, headers and body, a webhook receiver's answer and
headers and a Webhook's own header) is opened in every Desk view that shows it, as a System
Manager (and a key's owner): list, report view, form, a delivery's attempt row, the API Key
form's usage and the API Key Usage report. Markup that became an element is found by its
``alt``; markup that ran sets ``window.__xss``; markup kept as text is visible as text."""

import json
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from my_api_app.tests.http.e2e_site import skip_unless_live_site, wait_for

skip_unless_live_site()

import standardwebhooks
from playwright.sync_api import Page, expect

from my_api_app.request_log.tests.http.request_log_test import records, set_logging
from my_api_app.tests.browser.fixtures import Site, password_session
from my_api_app.tests.browser.frappe_desk import desk

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from my_api_app.webhooks.local_receiver import Answer, Receiver
from my_api_app.webhooks.tests.http.webhooks_test import post_durable_webhook

RECEIVE = "/api/method/my_api_app.api.inbound.receive"
START_JOB = "my_api_app.jobs.tests.job_endpoints.start_test_job"


def probe(mark: str) -> str:
	"""Markup that runs script if a view renders it as HTML; ``mark`` shows if it is text."""
	return f"<img src=x onerror=window.__xss=1 alt={mark}>"


def assert_inert(page: Page, path: str | None, mark: str, *, shown: bool = True) -> None:
	"""Open ``path`` (None: the page as it is): no planted markup became an element or ran, and
	(if ``shown``) it is on the page as text."""
	if path is not None:
		page.goto(path)
		page.wait_for_load_state("networkidle")
	expect(page.locator(".modal.show")).to_have_count(0)  # no "Not found" or "Not permitted"
	if shown:
		expect(page.locator("body")).to_contain_text(mark)
	page.wait_for_timeout(500)  # an image's onerror fires once its load has failed
	where = path or page.url
	assert page.locator(f'[alt*="{mark}"]').count() == 0, f"planted markup became an element on {where}"
	assert page.evaluate("() => window.__xss") is None, f"planted markup ran on {where}"


def test_request_paths_and_calls_show_as_text(desk_page, make_desk_user, admin):
	mark = f"xss{uuid.uuid4().hex[:8]}"
	prefix = f"markup-{mark}"
	set_logging(admin, True)
	try:
		guest = Site()
		guest.request("GET", f"/api/method/{probe(mark + 'p')}", headers={"X-Request-Id": f"{prefix}-1"})
		guest.request("GET", "/", params={"cmd": probe(mark + "c")}, headers={"X-Request-Id": f"{prefix}-2"})
		email, password = make_desk_user()
		owner = password_session(email, password)
		created = owner.method("POST", "my_api_app.api.keys.create_key", json={"label": "m", "scopes": ["*"]})
		assert created.status_code == 201, created.text
		key = created.json()["message"]["data"]
		Site(auth=key["authorization"]).request(
			"GET", f"/api/method/{probe(mark + 'k')}", headers={"X-Request-Id": f"{prefix}-3"}
		)
		logged = records(admin, prefix)
		assert len(logged) == 3
	finally:
		set_logging(admin, False)

	manager_email, manager_password = make_desk_user(roles=("System Manager",))
	page = desk_page(manager_email, manager_password, path=desk("user"))
	like = f"%5B%22like%22%2C%22{prefix}%25%22%5D"
	assert_inert(page, desk(f"api-call-log?request_id={like}"), mark)
	assert_inert(page, desk(f"api-call-log/view/report?request_id={like}"), mark)
	for record in logged:
		assert_inert(page, desk(f"api-call-log/{record['name']}"), mark)
	assert_inert(page, desk(f"api-key/{key['name']}"), mark + "k")  # its usage: top paths, last request
	assert_inert(page, desk("query-report/API Key Usage"), mark, shown=False)

	owner_page = desk_page(email, password, path=desk("user"))
	assert_inert(owner_page, desk(f"api-key/{key['name']}"), mark + "k")


def test_a_jobs_error_result_and_progress_show_as_text(desk_page, make_desk_user, admin, member, rq_workers):
	mark = f"xss{uuid.uuid4().hex[:8]}"
	_, member_site = member
	jobs = []
	for behaviour in ("fail", "finish"):
		started = member_site.method("POST", START_JOB, json={"behaviour": behaviour, "marker": probe(mark)})
		assert started.status_code == 202, started.text
		jobs.append(started.json()["message"]["data"]["job_id"])

	def ended(job: str) -> bool:
		response = admin.request("GET", f"/api/resource/API Job/{job}")
		return response.ok and response.json()["data"]["status"] in ("failed", "finished")

	for job in jobs:
		wait_for(lambda job=job: ended(job), timeout=60)
	email, password = make_desk_user(roles=("System Manager",))
	page = desk_page(email, password, path=desk("user"))
	assert_inert(page, desk("api-job"), mark, shown=False)
	assert_inert(page, desk("api-job/view/report"), mark, shown=False)
	for job in jobs:  # the error; the result (JSON)
		assert_inert(page, desk(f"api-job/{job}"), mark)


def test_an_inbound_event_type_and_headers_show_as_text(desk_page, make_desk_user, admin):
	mark = f"xss{uuid.uuid4().hex[:8]}"
	slug = f"markup-{uuid.uuid4().hex[:8]}"
	body = {
		"slug": slug,
		"scheme": "Standard Webhooks",
		"handler": "my_api_app.inbound_webhooks.tests.handlers.record",
	}
	assert admin.request("POST", "/api/resource/Webhook Source", json=body).status_code == 200
	secret = admin.method("POST", "my_api_app.api.inbound.generate_secret", json={"source": slug}).json()[
		"message"
	]["data"]["secret"]
	try:
		payload = json.dumps({"type": probe(mark + "t"), "note": probe(mark + "b")})
		msg_id = f"msg_{uuid.uuid4().hex}"
		now = datetime.now(tz=timezone.utc)
		headers = {
			"Content-Type": "application/json",
			"X-Note": probe(mark + "h"),
			"webhook-id": msg_id,
			"webhook-timestamp": str(int(now.timestamp())),
			"webhook-signature": standardwebhooks.Webhook(secret).sign(msg_id, now, payload),
		}
		response = Site().request("POST", RECEIVE, params={"source": slug}, data=payload, headers=headers)
		assert response.status_code == 202, response.text
		event = response.json()["message"]["data"]["event"]

		email, password = make_desk_user(roles=("System Manager",))
		page = desk_page(email, password, path=desk("user"))
		assert_inert(page, desk(f"inbound-webhook-event?source={slug}"), mark, shown=False)
		assert_inert(page, desk(f"inbound-webhook-event/view/report?source={slug}"), mark, shown=False)
		assert_inert(page, desk(f"inbound-webhook-event/{event}"), mark + "b")
	finally:
		for row in admin.request(
			"GET", "/api/resource/Inbound Webhook Event", params={"filters": json.dumps({"source": slug})}
		).json()["data"]:
			admin.request("DELETE", f"/api/resource/Inbound Webhook Event/{row['name']}")
		admin.request("DELETE", f"/api/resource/Webhook Source/{slug}")


def test_a_receivers_answer_and_a_webhooks_own_header_show_as_text(
	desk_page, make_desk_user, admin, rq_workers
):
	mark = f"xss{uuid.uuid4().hex[:8]}"
	answer = Answer(status=500, headers={"X-Reply": probe(mark + "h")}, body=probe(mark + "r").encode())
	receiver = Receiver(lambda received: answer).start()
	webhook, response = post_durable_webhook(
		admin, receiver.url, webhook_headers=[{"key": "X-Note", "value": probe(mark + "w")}]
	)
	try:
		response.raise_for_status()
		admin.request("POST", "/api/resource/ToDo", json={"description": "markup"}).raise_for_status()

		def delivery():
			response = admin.request(
				"GET",
				"/api/resource/Webhook Delivery",
				params={"filters": json.dumps({"webhook": webhook, "attempt_count": [">", 0]})},
			)
			rows = response.json()["data"] if response.ok else []
			return rows and rows[0]["name"]

		name = wait_for(delivery, timeout=60)
		email, password = make_desk_user(roles=("System Manager",))
		page = desk_page(email, password, path=desk("user"))
		assert_inert(page, desk(f"webhook-delivery?webhook={webhook}"), mark, shown=False)
		assert_inert(page, desk(f"webhook-delivery/view/report?webhook={webhook}"), mark, shown=False)
		assert_inert(page, desk(f"webhook-delivery/{name}"), mark, shown=False)
		page.locator('.frappe-control[data-fieldname="attempts"] .grid-row .btn-open-row').first.click()
		assert_inert(page, None, mark + "r")  # the attempt: the receiver's answer, as text
	finally:
		receiver.stop()
		admin.request("DELETE", f"/api/resource/Webhook/{webhook}")
