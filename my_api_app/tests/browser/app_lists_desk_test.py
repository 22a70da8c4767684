"""Every list and form of the app opens in Desk for whom the README says may read it: a System
Manager opens each list and a form of each; a plain desk user opens their own API keys and jobs
(and sees nobody else's) and is refused the rest."""

import uuid

from my_api_app.tests.http.e2e_site import skip_unless_live_site, wait_for

skip_unless_live_site()

from playwright.sync_api import Page, expect

from my_api_app.tests.browser.fixtures import password_session
from my_api_app.tests.browser.frappe_desk import desk, wait_for_form

START_JOB = "my_api_app.jobs.tests.job_endpoints.start_test_job"
MANAGED = (
	"API Key",
	"API Job",
	"API Rate Limit",
	"API Call Log",
	"API Signing Key",
	"Webhook Source",
	"Webhook Delivery",
	"Inbound Webhook Event",
)
PLAIN_USERS_LISTS = ("API Key", "API Job")


def slug(doctype: str) -> str:
	return doctype.lower().replace(" ", "-")


def open_list(page: Page, doctype: str) -> None:
	page.goto(desk(slug(doctype)))
	page.wait_for_load_state("networkidle")


def refused(page: Page) -> bool:
	return page.locator(".modal.show").filter(has_text="Not").count() > 0 or "not permitted" in (
		page.locator("body").inner_text().lower()
	)


def test_a_system_manager_opens_every_list_and_a_form_of_each(desk_page, make_desk_user, admin):
	email, password = make_desk_user(roles=("System Manager",))
	page = desk_page(email, password, path=desk("user"))
	for doctype in MANAGED:
		open_list(page, doctype)
		assert not refused(page), f"{doctype}: list refused"
		expect(page.locator(".page-title:visible").first).to_contain_text(doctype)
		rows = admin.request("GET", f"/api/resource/{doctype}", params={"limit_page_length": 1}).json()[
			"data"
		]
		if rows:
			page.goto(desk(f"{slug(doctype)}/{rows[0]['name']}"))
			assert wait_for_form(page, doctype) == rows[0]["name"]


def test_a_plain_user_sees_their_own_keys_and_jobs_and_nothing_else(desk_page, make_desk_user, admin):
	email, password = make_desk_user()
	other_email, other_password = make_desk_user()
	keys = {}
	for user, pw in ((email, password), (other_email, other_password)):
		created = password_session(user, pw).method(
			"POST",
			"my_api_app.api.keys.create_key",
			json={"label": f"mine-{uuid.uuid4().hex[:6]}", "scopes": ["*"]},
		)
		assert created.status_code == 201, created.text
		keys[user] = created.json()["message"]["data"]["name"]
	started = password_session(email, password).method(
		"POST", START_JOB, json={"behaviour": "finish", "marker": "lists"}
	)
	assert started.status_code == 202, started.text
	job = started.json()["message"]["data"]["job_id"]
	wait_for(lambda: admin.request("GET", f"/api/resource/API Job/{job}").ok)

	page = desk_page(email, password, path=desk("user"))
	open_list(page, "API Key")
	assert not refused(page)
	expect(page.locator(f'.list-row a[data-name="{keys[email]}"]')).to_be_visible()
	assert page.locator(f'.list-row a[data-name="{keys[other_email]}"]').count() == 0
	page.goto(desk(f"api-key/{keys[email]}"))
	assert wait_for_form(page, "API Key") == keys[email]
	open_list(page, "API Job")
	assert not refused(page)
	expect(page.locator(f'.list-row a[data-name="{job}"]')).to_be_visible()

	page.goto(desk(f"api-key/{keys[other_email]}"))
	page.wait_for_load_state("networkidle")
	assert refused(page) or page.locator(".modal.show").count() > 0, "another user's key opened"
	for doctype in MANAGED:
		if doctype in PLAIN_USERS_LISTS:
			continue
		open_list(page, doctype)
		assert refused(page) or page.locator(".modal.show").count() > 0, (
			f"{doctype}: list opened for a plain user"
		)
