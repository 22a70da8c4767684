"""Rate limits over HTTP through gunicorn (2 workers x 4 threads): exact under concurrency."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from my_api_app.tests.http.e2e_site import Site, make_user
from my_api_app.toolkit.tests.http.toolkit_test import assert_error

PING = "/api/method/my_api_app.tests.endpoints.ping"
CONCURRENT = 200


@pytest.fixture
def rule(admin):
	"""Make rules as an operator would in Desk (over REST); delete them afterwards."""
	made = []

	def make(**fields) -> str:
		name = f"e2e-{uuid.uuid4().hex[:8]}"
		body = {"rule_name": name, "path_pattern": PING, "period": 3600, **fields}
		response = admin.request("POST", "/api/resource/API Rate Limit", json=body)
		assert response.status_code == 200, response.text
		made.append(name)
		return name

	yield make
	for name in made:
		admin.request("DELETE", f"/api/resource/API Rate Limit/{name}")


def burst(sites: list[Site], total: int) -> list:
	"""``total`` requests at once, spread over ``sites``, each from its own thread."""
	with ThreadPoolExecutor(max_workers=total) as pool:
		return list(
			pool.map(
				lambda i: Site(sites[i % len(sites)].session.headers.get("Authorization")).request(
					"GET", PING
				),
				range(total),
			)
		)


def test_exactly_n_of_200_concurrent_five_times_in_a_row(rule, admin):
	for _ in range(5):
		name = rule(limit=50, counted_per="Everyone together")
		responses = burst([Site()], CONCURRENT)
		statuses = [r.status_code for r in responses]
		assert statuses.count(200) == 50 and statuses.count(429) == CONCURRENT - 50, (
			statuses,
			responses[0].text,
		)
		refused = next(r for r in responses if r.status_code == 429)
		body = assert_error(refused, 429, "rate_limited")
		assert name in body["error"]["detail"]
		assert int(refused.headers["Retry-After"]) >= 1
		ok = next(r for r in responses if r.status_code == 200)
		assert ok.headers["RateLimit-Policy"] == f'"{name}";q=50;w=3600'
		assert ok.headers["X-RateLimit-Limit"] == "50"
		admin.request("DELETE", f"/api/resource/API Rate Limit/{name}")  # the next round's rule alone


def test_users_are_isolated_under_concurrency(rule, admin):
	rule(limit=20, counted_per="User")
	users = [make_user(admin)[1] for _ in range(4)]
	responses = burst(users, CONCURRENT)
	for index, site in enumerate(users):
		mine = [r.status_code for i, r in enumerate(responses) if i % len(users) == index]
		assert mine.count(200) == 20, (site.session.headers["Authorization"][:20], mine)


def test_headers_on_every_limited_response(rule):
	name = rule(limit=3)
	responses = [Site().request("GET", PING) for _ in range(4)]
	assert [r.status_code for r in responses] == [200, 200, 200, 429]
	for remaining, response in zip((2, 1, 0), responses, strict=False):
		assert response.headers["RateLimit"] == f'"{name}";r={remaining};t={1200 * (3 - remaining)}'
		assert response.headers["X-RateLimit-Remaining"] == str(remaining)
	assert responses[-1].headers["Retry-After"] == "1200"
