"""The usage of an API key in Desk, as its owner sees it on the API Key form."""

import uuid

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

from playwright.sync_api import expect

from my_api_app.request_log.tests.http.request_log_test import records, set_logging
from my_api_app.tests.browser.fixtures import Site, password_session
from my_api_app.tests.browser.frappe_desk import desk, wait_for_form

WHOAMI = "/api/method/my_api_app.api.auth.whoami"
ECHO = "/api/method/my_api_app.tests.endpoints.echo"


def test_the_api_key_form_shows_its_usage(desk_page, make_desk_user, admin):
	set_logging(admin, True)
	try:
		email, password = make_desk_user()
		owner = password_session(email, password)  # over REST (Desk's frappe.call ignores a 201)
		created = owner.method(
			"POST", "my_api_app.api.keys.create_key", json={"label": "usage", "scopes": ["*"]}
		)
		assert created.status_code == 201, created.text
		key = created.json()["message"]["data"]
		prefix = f"desk{uuid.uuid4().hex[:10]}"
		key_site = Site(auth=key["authorization"])
		for n in range(3):
			response = key_site.request("GET", WHOAMI, headers={"X-Request-Id": f"{prefix}-{n}"})
			assert response.status_code == 200
		bad = key_site.request("GET", ECHO, params={"count": "x"}, headers={"X-Request-Id": f"{prefix}-bad"})
		assert bad.status_code == 400
		assert len(records(admin, prefix)) == 4

		page = desk_page(email, password, path=desk(f"api-key/{key['name']}"))
		wait_for_form(page, "API Key")
		usage = page.locator(".api-key-usage")
		expect(usage).to_be_visible()
		rows = usage.locator("table").first.locator("tbody tr")
		expect(rows.nth(0).locator("td").nth(0)).to_have_text("Last 24 hours")
		expect(rows.nth(0).locator("td").nth(1)).to_have_text("4")
		expect(rows.nth(0).locator("td").nth(2)).to_have_text("1")
		expect(rows.nth(1).locator("td").nth(1)).to_have_text("4")
		expect(rows.nth(0).locator("td").nth(3)).to_contain_text(" ms")
		expect(usage).to_contain_text("127.0.0.1")
		expect(usage.locator("table").nth(1)).to_contain_text(WHOAMI)
		expect(usage.locator(".api-key-usage-chart svg").first).to_be_visible()  # requests per day
		assert key["secret"] not in page.content()
	finally:
		set_logging(admin, False)
