"""The site under test, as the HTTP tests (and the browser tests' REST checks) reach it."""

import os
import time
import uuid

import pytest
import requests

E2E_ENV = ("MY_API_APP_E2E_URL", "MY_API_APP_E2E_SITE", "MY_API_APP_E2E_ADMIN_PASSWORD")
# The request log's switch in System Settings (my_api_app.request_log.settings.SETTING).
LOG_SWITCH = "my_api_app_log_api_requests"


def live_site_configured() -> bool:
	return all(os.environ.get(name) for name in E2E_ENV)


def skip_unless_live_site() -> None:
	"""For a test module: named on the command line, a file is collected even where conftest.py
	ignores it, so without a live site it skips itself."""
	if not live_site_configured():
		pytest.skip(f"needs a live site: set {', '.join(E2E_ENV)}", allow_module_level=True)


class Site:
	"""A requests session bound to the site under test."""

	def __init__(self, auth: str | None = None):
		self.url = os.environ["MY_API_APP_E2E_URL"]
		self.session = requests.Session()
		self.session.headers["Host"] = os.environ["MY_API_APP_E2E_SITE"]
		if auth:
			self.session.headers["Authorization"] = auth

	def request(self, method: str, path: str, **kwargs) -> requests.Response:
		return self.session.request(method, self.url + path, timeout=30, **kwargs)

	def method(self, http_method: str, dotted: str, **kwargs) -> requests.Response:
		return self.request(http_method, f"/api/method/{dotted}", **kwargs)


def make_user(admin: Site, roles: tuple[str, ...] = ()) -> tuple[str, Site]:
	"""A new user with the given roles, and a Site that calls as them with a Frappe API key."""
	email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
	response = admin.request(
		"POST",
		"/api/resource/User",
		json={
			"email": email,
			"first_name": "E2E",
			"send_welcome_email": 0,
			"roles": [{"role": role} for role in roles],
		},
	)
	response.raise_for_status()
	secret = admin.method("POST", "frappe.core.doctype.user.user.generate_keys", json={"user": email}).json()[
		"message"
	]["api_secret"]
	key = admin.request("GET", f"/api/resource/User/{email}").json()["data"]["api_key"]
	return email, Site(auth=f"token {key}:{secret}")


def wait_for(condition, timeout: float = 30, every: float = 0.5, then=None):
	"""``condition()``'s first truthy value, polled every ``every`` seconds (calling ``then``
	between polls); AssertionError after ``timeout`` seconds."""
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		value = condition()
		if value:
			return value
		if then:
			then()
		time.sleep(every)
	raise AssertionError(f"not true within {timeout} s")


def site_cache():
	"""(A Redis client of the site's cache, the site's key prefix), from the bench's config
	(``MY_API_APP_E2E_BENCH``); None when the bench is not known."""
	import json

	import redis

	bench = os.environ.get("MY_API_APP_E2E_BENCH")
	if not bench:
		return None
	sites = os.path.join(bench, "sites")
	with open(os.path.join(sites, "common_site_config.json")) as common:
		url = json.load(common)["redis_cache"]
	with open(os.path.join(sites, os.environ["MY_API_APP_E2E_SITE"], "site_config.json")) as config:
		db_name = json.load(config)["db_name"]
	return redis.Redis.from_url(url), f"{db_name}|"
