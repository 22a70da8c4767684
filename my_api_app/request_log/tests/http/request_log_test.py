"""The request log over HTTP: switched on as an operator would, a mixed and concurrent burst
gives exactly one record per request with the right fields and nothing secret; off gives none;
the usage view and report count a key's requests; Log Settings' clean-up clears old records."""

import base64
import json
import os
import random
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from my_api_app.tests.http.e2e_site import LOG_SWITCH, Site, skip_unless_live_site

skip_unless_live_site()

SETTINGS = "/api/resource/System Settings/System Settings"
FLUSH = "my_api_app.tests.endpoints.flush_request_log"
PING = "/api/method/my_api_app.tests.endpoints.ping"
ECHO = "/api/method/my_api_app.tests.endpoints.echo"
FAIL = "/api/method/my_api_app.tests.endpoints.write_then_fail"
WHOAMI = "/api/method/my_api_app.api.auth.whoami"
USAGE = "/api/method/my_api_app.api.usage.key_usage"
BODY_MARKER = "e2e-body-marker-never-logged"
BURST = 120


def set_logging(admin: Site, on: bool) -> None:
	current = admin.request("GET", SETTINGS).json()["data"]
	values = {LOG_SWITCH: int(on)}
	# A site whose setup wizard never ran has no language or time zone, which a save requires.
	for name, default in (("language", "en"), ("time_zone", "Asia/Kolkata")):
		if not current.get(name):
			values[name] = default
	response = admin.request("PUT", SETTINGS, json=values)
	assert response.status_code == 200, response.text
	assert response.json()["data"][LOG_SWITCH] == int(on)


def records(admin: Site, prefix: str) -> list[dict]:
	"""Flush (as the scheduler would), then the records whose request id starts with ``prefix``."""
	for _ in range(60):
		flushed = admin.method("POST", FLUSH)
		assert flushed.status_code == 200, flushed.text
		if not flushed.json()["message"]["data"]["locked"]:  # else a worker is flushing right now
			break
		time.sleep(0.5)
	response = admin.request(
		"GET",
		"/api/resource/API Call Log",
		params={
			"filters": json.dumps([["request_id", "like", f"{prefix}%"]]),
			"fields": json.dumps(["*"]),
			"limit_page_length": 0,
			"order_by": "creation asc",
		},
	)
	assert response.status_code == 200, response.text
	return response.json()["data"]


@pytest.fixture(scope="module")
def logging_on(admin):
	set_logging(admin, True)
	yield
	set_logging(admin, False)


@pytest.fixture
def prefix() -> str:
	return f"e2e{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def api_key(member) -> dict:
	response = member[1].method(
		"POST", "my_api_app.api.keys.create_key", json={"label": "request log", "scopes": ["*"]}
	)
	assert response.status_code == 201, response.text
	return response.json()["message"]["data"]


def with_id(site: Site, request_id: str, method: str, path: str, **kwargs):
	headers = {"X-Request-Id": request_id, **kwargs.pop("headers", {})}
	return site.request(method, path, headers=headers, **kwargs)


def test_a_mixed_burst_gives_exactly_one_record_per_request(
	admin, member, guest, api_key, logging_on, prefix
):
	email, member_site = member
	key_site = Site(auth=api_key["authorization"])
	issued = key_site.method("POST", "my_api_app.api.auth.issue_token", json={"expires_in": 300})
	assert issued.status_code == 200, issued.text
	jwt = issued.json()["message"]["data"]["access_token"]
	jwt_site = Site(auth=f"Bearer {jwt}")
	wrong_secret = Site(auth=f"token {api_key['name']}:mas_{'x' * 38}")
	cases = [
		# (site, method, path, kwargs, status, user, auth, api_key, target)
		(guest, "GET", PING, {}, 200, "Guest", "Guest", None, "my_api_app.tests.endpoints.ping"),
		(guest, "GET", USAGE, {"params": {"api_key": api_key["name"]}}, 401, "Guest", "Guest", None, None),
		(admin, "GET", WHOAMI, {}, 200, "Administrator", "Session", None, "my_api_app.api.auth.whoami"),
		(member_site, "GET", WHOAMI, {}, 200, email, "Frappe Key", None, None),
		(member_site, "GET", ECHO, {"params": {"count": "many"}}, 400, email, "Frappe Key", None, None),
		(
			member_site,
			"POST",
			FAIL,
			{"json": {"marker": BODY_MARKER, "failure": "crash"}},
			500,
			email,
			"Frappe Key",
			None,
			None,
		),
		(key_site, "GET", "/api/v1/resource/ToDo", {}, 200, email, "API Key", api_key["name"], "ToDo"),
		(
			jwt_site,
			"GET",
			"/api/v2/method/my_api_app.api.auth.whoami",
			{},
			200,
			email,
			"JWT",
			api_key["name"],
			None,
		),
		# a key that did not authenticate is not the caller's: no usage recorded against it
		(wrong_secret, "GET", WHOAMI, {}, 401, "Guest", "API Key", None, None),
		(member_site, "GET", "/api/resource/ToDo/no-such-todo", {}, 404, email, "Frappe Key", None, "ToDo"),
		# no route takes PATCH on a collection: nothing runs, so the record names no target
		(guest, "PATCH", "/api/resource/ToDo", {}, 405, "Guest", "Guest", None, None),
	]
	responses = [
		with_id(site, f"{prefix}-{n:03d}", method, path, **dict(kwargs))
		for n, (site, method, path, kwargs, *_) in enumerate(cases, start=1)
	]
	address = f"203.0.113.{random.randint(1, 254)}"  # not believed: no trusted proxy is configured

	def burst(n: int):
		return with_id(Site(), f"{prefix}-b{n:04d}", "GET", PING, headers={"X-Forwarded-For": address})

	with ThreadPoolExecutor(8) as pool:
		burst_statuses = [r.status_code for r in pool.map(burst, range(BURST))]
	assert burst_statuses == [200] * BURST

	rows = records(admin, prefix)
	assert len(rows) == len(cases) + BURST
	by_id = {row["request_id"]: row for row in rows}
	assert len(by_id) == len(rows)
	for n, (case, response) in enumerate(zip(cases, responses, strict=True), start=1):
		_, method, path, _, status, user, auth, key, target = case
		row = by_id[f"{prefix}-{n:03d}"]
		assert response.status_code == status, (n, response.text[:300])
		got = {k: row[k] for k in ("status_code", "http_method", "path", "user", "auth", "api_key")}
		assert got == {
			"status_code": status,
			"http_method": method,
			"path": path,
			"user": user,
			"auth": auth,
			"api_key": key,
		}, n
		assert row["client_ip"] == "127.0.0.1"
		assert row["duration_ms"] > 0
		if target:
			assert row["target"] == target
		if method != "PATCH":  # werkzeug answers 405 itself; the hooks see no response
			assert row["response_size"] == len(response.content), n
		if auth == "JWT":
			assert row["token_id"] and row["token_id"] in json.dumps(_claims(jwt))
	assert all(by_id[f"{prefix}-b{n:04d}"]["status_code"] == 200 for n in range(BURST))

	dumped = json.dumps(rows)
	member_secret = member_site.session.headers["Authorization"].split(":")[1]
	admin_sid = admin.session.cookies.get("sid")
	for secret in (api_key["secret"], jwt, member_secret, admin_sid, BODY_MARKER, address):
		assert secret not in dumped


def _claims(jwt: str) -> dict:
	payload = jwt.split(".")[1]
	return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_switched_off_nothing_is_recorded(admin, member, guest, logging_on, prefix):
	set_logging(admin, False)
	try:
		for n in range(5):
			assert with_id(guest, f"{prefix}-{n}", "GET", PING).status_code == 200
		assert with_id(member[1], f"{prefix}-m", "GET", WHOAMI).status_code == 200
		assert records(admin, prefix) == []
	finally:
		set_logging(admin, True)
	assert with_id(guest, f"{prefix}-on", "GET", PING).status_code == 200
	assert [row["request_id"] for row in records(admin, prefix)] == [f"{prefix}-on"]


def test_usage_of_a_key_for_its_owner_and_in_the_report(admin, member, other_member, logging_on, prefix):
	response = member[1].method(
		"POST", "my_api_app.api.keys.create_key", json={"label": "usage", "scopes": ["*"]}
	)
	assert response.status_code == 201, response.text
	key = response.json()["message"]["data"]
	key_site = Site(auth=key["authorization"])
	for n in range(3):
		assert with_id(key_site, f"{prefix}-{n}", "GET", WHOAMI).status_code == 200
	assert with_id(key_site, f"{prefix}-bad", "GET", ECHO, params={"count": "x"}).status_code == 400
	assert len(records(admin, prefix)) == 4

	usage = member[1].request("GET", USAGE, params={"api_key": key["name"]})
	assert usage.status_code == 200, usage.text
	data = usage.json()["message"]["data"]
	for window in ("last_24_hours", "last_30_days"):
		assert (data[window]["requests"], data[window]["errors"]) == (4, 1)
		assert 0 < data[window]["p50_ms"] <= data[window]["p95_ms"]
	assert data["top_paths"][0] == {"path": WHOAMI, "requests": 3, "errors": 0}
	assert data["last_request"]["address"] == "127.0.0.1"
	assert other_member[1].request("GET", USAGE, params={"api_key": key["name"]}).status_code in (403, 404)

	report = admin.request(
		"GET",
		"/api/method/frappe.desk.query_report.run",
		params={"report_name": "API Key Usage", "filters": json.dumps({"period": "Last 24 Hours"})},
	)
	assert report.status_code == 200, report.text
	result = report.json()["message"]["result"]
	row = next(r for r in result if r["api_key"] == key["name"])
	assert (row["requests"], row["errors"], row["user"]) == (4, 1, member[0])
	assert [r["requests"] for r in result] == sorted((r["requests"] for r in result), reverse=True)
	assert (
		member[1]
		.request("GET", "/api/method/frappe.desk.query_report.run", params={"report_name": "API Key Usage"})
		.status_code
		== 403
	)


def test_log_settings_clean_up_clears_old_records(admin, logging_on, prefix):
	bench = os.environ.get("MY_API_APP_E2E_BENCH")
	if not bench:
		pytest.skip("needs MY_API_APP_E2E_BENCH to run the scheduler's clean-up")
	now = time.time()
	old = [
		{
			"id": uuid.uuid4().hex,
			"at": now - days * 86400,
			"http_method": "GET",
			"path": PING,
			"route": "method",
			"target": "my_api_app.tests.endpoints.ping",
			"user": "Guest",
			"auth": "Guest",
			"api_key": None,
			"token_id": None,
			"client_ip": "127.0.0.1",
			"status": 200,
			"duration_ms": 1.0,
			"response_size": 1,
			"request_id": f"{prefix}-{days}d",
		}
		for days in (45, 1)
	]
	site_args = ["bench", "--site", os.environ["MY_API_APP_E2E_SITE"], "execute"]
	env = {**os.environ, "PATH": f"{bench}/env/bin:{os.environ['PATH']}"}
	subprocess.run(
		[
			*site_args,
			"my_api_app.request_log.buffer.write_records",
			"--args",
			repr([old]),
		],  # bench evaluates it as Python
		cwd=bench,
		check=True,
		capture_output=True,
		env=env,
	)
	assert len(records(admin, prefix)) == 2
	subprocess.run(
		[*site_args, "frappe.core.doctype.log_settings.log_settings.run_log_clean_up"],
		cwd=bench,
		check=True,
		capture_output=True,
		env=env,
	)
	assert [row["request_id"] for row in records(admin, prefix)] == [f"{prefix}-1d"]
