"""Fixtures of the HTTP end-to-end tests (``*/tests/http/*_test.py``) against a live site;
scripts/bench-tier starts one and sets MY_API_APP_E2E_URL (http://127.0.0.1:PORT),
MY_API_APP_E2E_SITE (the site's host name) and MY_API_APP_E2E_ADMIN_PASSWORD. Without them
those tests are not collected (the root conftest.py)."""

import os

import pytest

from my_api_app.tests.http.e2e_site import Site, make_user


@pytest.fixture(scope="session")
def admin() -> Site:
	site = Site()
	response = site.request(
		"POST",
		"/api/method/login",
		json={"usr": "Administrator", "pwd": os.environ["MY_API_APP_E2E_ADMIN_PASSWORD"]},
	)
	response.raise_for_status()
	return site


@pytest.fixture(scope="session")
def member(admin) -> tuple[str, Site]:
	return make_user(admin)


@pytest.fixture(scope="session")
def other_member(admin) -> tuple[str, Site]:
	return make_user(admin)


@pytest.fixture(scope="session")
def manager(admin) -> tuple[str, Site]:
	return make_user(admin, roles=("System Manager",))


@pytest.fixture
def guest() -> Site:
	return Site()


@pytest.fixture(scope="session")
def rq_workers():
	"""Extra RQ workers of the bench (``MY_API_APP_E2E_BENCH``) that tests may kill; one is
	started at once, all are stopped at the end of the session. See rq_workers.py."""
	if not os.environ.get("MY_API_APP_E2E_BENCH"):
		pytest.skip("needs MY_API_APP_E2E_BENCH, the bench directory, to start RQ workers")
	from my_api_app.jobs.rq_workers import RQWorkers

	workers = RQWorkers()
	try:
		workers.start()
		yield workers
	finally:
		workers.stop_all()


@pytest.fixture(autouse=True)
def fresh_auth_failure_counts():
	"""Each test starts with none of the brute-force guard's counts: the suites send bad
	credentials from 127.0.0.1 on purpose, and a test's failures are its own. The counts live in
	the site's cache Redis (``MY_API_APP_E2E_BENCH`` names the bench that holds its address)."""
	from my_api_app.tests.http.e2e_site import site_cache

	cache = site_cache()
	if cache is not None:
		client, prefix = cache
		for key in client.scan_iter(f"{prefix}my_api_app:auth_failures:*"):
			client.delete(key)
	yield
