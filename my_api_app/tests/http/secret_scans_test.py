"""Secrets through a 500 of the served site (gunicorn), as ``my_api_app/tests/test_secret_scans.py``
does in the bench tier: planted secrets, real failures mid-request, then every place a secret
could land scanned for them.

The failures are real: a table renamed away around one request (``bench execute``, a DDL that
commits), a rate-limit Redis URL nothing listens on (site config). The scans: Error Log
(Frappe's deferred inserts flushed as its scheduler would), API Call Log (flushed), Webhook
Delivery and its attempts, Inbound Webhook Event over REST as Administrator; the site's and the
bench's log files; every ``rq:job:*`` hash of the queue Redis, decompressed and unpickled as RQ
stores them. Needs ``MY_API_APP_E2E_BENCH``.
"""

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from my_api_app.tests.http.e2e_site import LOG_SWITCH, Site, skip_unless_live_site, wait_for

skip_unless_live_site()

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout (core, tests.rq_scan: no frappe)
from my_api_app.shared.rules.webhook_signing import new_secret, sign
from my_api_app.tests import rq_scan

WHOAMI = "/api/method/my_api_app.api.auth.whoami"
LIMITED = "/api/method/my_api_app.tests.endpoints.limited_in_code"
RECEIVE = "/api/method/my_api_app.api.inbound.receive"
SETTINGS = "/api/resource/System Settings/System Settings"
FLUSH = "my_api_app.tests.endpoints.flush_request_log"
HANDLER = "my_api_app.inbound_webhooks.tests.handlers.record"


@pytest.fixture(scope="module")
def bench() -> Path:
	if not os.environ.get("MY_API_APP_E2E_BENCH"):
		pytest.skip("needs MY_API_APP_E2E_BENCH: tables are renamed, log files and RQ jobs read there")
	return Path(os.environ["MY_API_APP_E2E_BENCH"])


def execute(bench: Path, method: str, *args) -> str:
	"""``bench --site SITE execute method --args [...]`` (it commits); what it printed: the
	method's answer as JSON."""
	return subprocess.run(
		[
			str(bench / "env" / "bin" / "python"),
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			os.environ["MY_API_APP_E2E_SITE"],
			"execute",
			method,
			"--args",
			repr(list(args)),  # bench evaluates it as Python
		],
		cwd=bench / "sites",
		check=True,
		capture_output=True,
		text=True,
	).stdout


@pytest.fixture(scope="module")
def masked(bench) -> dict[str, str]:
	"""How the site's Error Log prints a Secret held in a field, and a tuple of one (the traceback
	library Frappe ships prints objects its own way: ``my_api_app.tests.logged_values``)."""
	return json.loads(execute(bench, "my_api_app.tests.logged_values.masked_forms").splitlines()[-1])


@contextmanager
def table_missing(bench: Path, doctype: str):
	"""The table of ``doctype`` is gone inside the block, as in an outage."""
	table, away = f"tab{doctype}", f"tab{doctype}_away"
	execute(bench, "frappe.db.sql_ddl", f"rename table `{table}` to `{away}`")
	try:
		yield
	finally:
		execute(bench, "frappe.db.sql_ddl", f"rename table `{away}` to `{table}`")


@contextmanager
def site_config(bench: Path, **values):
	for key, value in values.items():
		execute(bench, "frappe.installer.update_site_config", key, value)
	try:
		yield
	finally:
		for key in values:
			execute(bench, "frappe.installer.update_site_config", key, "None")


def set_logging(admin: Site, on: bool) -> None:
	current = admin.request("GET", SETTINGS).json()["data"]
	values = {LOG_SWITCH: int(on)}
	for name, default in (("language", "en"), ("time_zone", "Asia/Kolkata")):  # a save needs them
		if not current.get(name):
			values[name] = default
	response = admin.request("PUT", SETTINGS, json=values)
	assert response.status_code == 200, response.text


def rows(admin: Site, doctype: str, **params) -> list[dict]:
	response = admin.method(
		"GET",
		"frappe.client.get_list",
		params={"doctype": doctype, "fields": json.dumps(["*"]), "limit_page_length": 0, **params},
	)
	assert response.status_code == 200, response.text
	return response.json()["message"]


def rq_jobs(bench: Path) -> dict[str, bytes]:
	"""Every RQ job of the bench's queue Redis (``rq_scan.rq_jobs``)."""
	config = json.loads((bench / "sites" / "common_site_config.json").read_text())
	return rq_scan.rq_jobs(redis.Redis.from_url(config["redis_queue"]))


@pytest.fixture(scope="module")
def planted(admin, member):
	"""An API key of ``member``, its token, and the needles: every form a planted secret takes."""
	set_logging(admin, True)
	response = member[1].method(
		"POST", "my_api_app.api.keys.create_key", json={"label": "secret scans", "scopes": ["*"]}
	)
	assert response.status_code == 201, response.text
	key = response.json()["message"]["data"]
	response = Site(auth=key["authorization"]).method("POST", "my_api_app.api.auth.issue_token", json={})
	assert response.status_code == 200, response.text
	token = response.json()["message"]["data"]["access_token"]
	frappe_auth = member[1].session.headers["Authorization"]
	yield {
		"key": key,
		"token": token,
		"needles": {
			"Frappe key secret": frappe_auth.rpartition(":")[2],
			"API key secret": key["secret"],
			"Authorization Basic": base64.b64encode(f"{key['name']}:{key['secret']}".encode()).decode(),
			"JWT signature": token.rpartition(".")[2],
		},
	}
	member[1].method("POST", "my_api_app.api.keys.revoke_key", json={"api_key": key["name"], "reason": "e2e"})
	set_logging(admin, False)


def with_id(site: Site, method: str, path: str, request_ids: list, **kwargs):
	request_ids.append(f"e2e-scan-{uuid.uuid4().hex}")
	headers = {"X-Request-Id": request_ids[-1], **kwargs.pop("headers", {})}
	return site.request(method, path, headers=headers, **kwargs)


def assert_nothing_leaked(admin: Site, bench: Path, needles: dict[str, str], request_ids: list) -> None:
	execute(bench, "frappe.deferred_insert.save_to_db")  # the failed requests' Error Logs
	for _ in range(60):
		flushed = admin.method("POST", FLUSH)
		assert flushed.status_code == 200, flushed.text
		if not flushed.json()["message"]["data"]["locked"]:
			break
		time.sleep(0.5)
	places = {
		doctype: json.dumps(rows(admin, doctype)).encode()
		for doctype in ("Error Log", "API Call Log", "Webhook Delivery", "Inbound Webhook Event")
	}
	places["Webhook Delivery Attempt"] = json.dumps(
		rows(admin, "Webhook Delivery Attempt", parent="Webhook Delivery")
	).encode()
	site_logs = bench / "sites" / os.environ["MY_API_APP_E2E_SITE"] / "logs"
	for folder in (bench / "logs", site_logs):
		for path in sorted(folder.iterdir()) if folder.is_dir() else ():
			if path.is_file():
				places[str(path)] = path.read_bytes()
	places.update(rq_jobs(bench))
	leaks = [
		(label, place)
		for place, text in places.items()
		for label, needle in needles.items()
		if needle.encode() in text or json.dumps(needle)[1:-1].encode() in text
	]
	assert leaks == []
	logged = rows(admin, "API Call Log", filters=json.dumps([["request_id", "in", request_ids]]))
	assert sorted(row["request_id"] for row in logged) == sorted(request_ids)


def error_log_names(admin: Site) -> set[str]:
	return {row["name"] for row in rows(admin, "Error Log", fields=json.dumps(["name"]))}


def new_error_logs(admin: Site, bench: Path, before: set[str], path: str) -> list[dict]:
	"""Error Logs not in ``before`` whose traceback passes through ``path``."""
	execute(bench, "frappe.deferred_insert.save_to_db")  # Frappe defers a failed request's log
	return [
		row
		for row in rows(admin, "Error Log", fields=json.dumps(["name", "method", "error"]))
		if row["name"] not in before and path in row["error"]
	]


def test_authentication_and_rate_limiting_failing_mid_request(admin, member, bench, planted, masked):
	key, request_ids = planted["key"], []
	before = error_log_names(admin)
	# A roll invalidates the cached record: the next request loads it, from a table that is gone.
	rolled = member[1].method("POST", "my_api_app.api.keys.roll_secret", json={"api_key": key["name"]})
	assert rolled.status_code == 200, rolled.text
	rolled_secret = rolled.json()["message"]["data"]["secret"]
	with table_missing(bench, "API Key"):
		response = with_id(
			Site(),
			"GET",
			WHOAMI,
			request_ids,
			headers={"Authorization": f"token {key['name']}:{rolled_secret}"},
		)
		assert response.status_code == 500, response.text
	[log] = new_error_logs(admin, bench, before, "api_keys/authentication.py")
	assert f"secret={masked['secret']}" in log["error"]

	with site_config(
		bench, my_api_app_rate_limit_redis="redis://127.0.0.1:9/0", my_api_app_rate_limit_fail_closed=1
	):
		# Frappe 16 keeps a site's config in each web worker for up to a minute: asked until the
		# answering worker has the new one (until then the limiter counts in the site's Redis)
		statuses = []

		def refused() -> bool:
			statuses.append(with_id(member[1], "GET", LIMITED, request_ids).status_code)
			return statuses[-1] == 503

		wait_for(refused, timeout=90, every=2)
		assert set(statuses[:-1]) <= {200, 429}, statuses
	assert new_error_logs(admin, bench, before, "rate_limits/enforcement.py") == []
	assert_nothing_leaked(
		admin, bench, {**planted["needles"], "rolled API key secret": rolled_secret}, request_ids
	)


def test_inbound_delivery_failing_after_verification(admin, bench, planted, masked):
	slug, secret, cookie, request_ids = f"e2e-scan-{uuid.uuid4().hex[:8]}", new_secret(), uuid.uuid4().hex, []
	body = {"slug": slug, "scheme": "Standard Webhooks", "handler": HANDLER, "queue": "short"}
	response = admin.request(
		"POST", "/api/resource/Webhook Source", json={**body, "secrets": [{"secret": secret}]}
	)
	assert response.status_code == 200, response.text

	def deliver():
		msg_id = f"msg_{uuid.uuid4().hex}"
		payload = json.dumps({"type": "scan.test", "id": msg_id}).encode()
		headers = {"Content-Type": "application/json", "Cookie": f"sender_session={cookie}"}
		headers.update(sign(msg_id, int(time.time()), payload, [secret]))
		return with_id(
			Site(), "POST", RECEIVE, request_ids, params={"source": slug}, data=payload, headers=headers
		)

	assert deliver().status_code == 202
	before = error_log_names(admin)
	with table_missing(bench, "Inbound Webhook Event"):
		response = deliver()
	assert response.status_code == 500, response.text
	[log] = new_error_logs(admin, bench, before, "inbound_webhooks/receiver.py")
	assert f"secrets={masked['secrets']}" in log["error"] and "secret_headers = ********" in log["error"]
	try:
		assert_nothing_leaked(
			admin,
			bench,
			{**planted["needles"], "source secret": secret, "source key": secret[6:], "cookie": cookie},
			request_ids,
		)
	finally:
		for event in rows(admin, "Inbound Webhook Event", filters=json.dumps([["source", "=", slug]])):
			admin.request("DELETE", f"/api/resource/Inbound Webhook Event/{event['name']}")
		admin.request("DELETE", f"/api/resource/Webhook Source/{slug}")


def test_jwt_verification_failing_mid_request(admin, member, bench, planted, masked):
	request_ids = []
	# Revoking another token invalidates the cached revoked ids: the next check loads them.
	other = Site(auth=planted["key"]["authorization"]).method(
		"POST", "my_api_app.api.auth.issue_token", json={}
	)
	other_token = other.json()["message"]["data"]["access_token"]
	revoked = Site(auth=f"Bearer {other_token}").method("POST", "my_api_app.api.auth.revoke_token", json={})
	assert revoked.status_code == 200, revoked.text
	before = error_log_names(admin)
	with table_missing(bench, "API Token Revocation"):
		response = with_id(Site(auth=f"Bearer {planted['token']}"), "GET", WHOAMI, request_ids)
	assert response.status_code == 500, response.text
	[log] = new_error_logs(admin, bench, before, "api_keys/tokens.py")
	assert f"BearerToken(token={masked['secret']})" in log["error"]
	assert_nothing_leaked(admin, bench, planted["needles"], request_ids)
