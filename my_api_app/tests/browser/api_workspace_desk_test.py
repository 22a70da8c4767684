"""The API workspace in Desk, as a new System Manager sees it: its number cards show figures, its
charts draw, every shortcut opens its list (or the report, or the API docs page); a plain desk
user does not get the workspace. Screenshots of the workspace go to the artifacts directory."""

import re
import uuid

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

from playwright.sync_api import expect

from my_api_app.request_log.tests.http.request_log_test import records, set_logging
from my_api_app.tests.browser.fixtures import Site
from my_api_app.tests.browser.frappe_desk import desk

CARDS = (
	"API Requests Last 24 Hours",
	"API Error Rate Last 24 Hours",
	"API 429s Last 24 Hours",
	"Failed Webhook Deliveries",
	"API Keys Expiring Soon",
)
CHARTS = ("API Requests per Hour", "Webhook Deliveries by Status", "Top API Keys Last 24 Hours")
LISTS = (
	"API Key",
	"API Rate Limit",
	"API Call Log",
	"Webhook",
	"Webhook Delivery",
	"Webhook Source",
	"Inbound Webhook Event",
	"API Job",
	"API Signing Key",
)


def test_a_system_manager_sees_figures_charts_and_every_list(desk_page, make_desk_user, admin, artifacts_dir):
	prefix = f"ws-{uuid.uuid4().hex[:8]}"
	set_logging(admin, True)
	try:
		guest = Site()
		for n, path in enumerate(("/api/method/ping", "/api/method/ping", "/api/method/no.such.method")):
			guest.request("GET", path, headers={"X-Request-Id": f"{prefix}-{n}"})
		assert len(records(admin, prefix)) == 3
	finally:
		set_logging(admin, False)

	email, password = make_desk_user(roles=("System Manager",))
	page = desk_page(email, password, path=desk("api"))
	page.wait_for_load_state("networkidle")
	expect(page.locator(".page-title .title-text:visible, .page-title:visible").first).to_contain_text("API")
	for card in CARDS:
		widget = page.locator(".number-widget-box").filter(has_text=card)
		expect(widget).to_be_visible()
		expect(widget.locator(".number")).to_have_text(re.compile(r"\d"))
	requests = page.locator(".number-widget-box").filter(has_text=CARDS[0]).locator(".number")
	assert int(requests.inner_text().replace(",", "")) >= 3
	deliveries = admin.method("GET", "frappe.client.get_count", params={"doctype": "Webhook Delivery"})
	for chart in CHARTS:
		widget = page.locator(".dashboard-widget-box").filter(has_text=chart)
		expect(widget).to_be_visible()
		if chart == "Webhook Deliveries by Status" and deliveries.json()["message"] == 0:
			expect(widget).to_contain_text("No Data")  # nothing to draw on a site that sent none
		else:
			expect(widget.locator(".chart-container svg, .frappe-chart svg").first).to_be_visible()
	page.screenshot(path=str(artifacts_dir / "api-workspace.png"), full_page=True)

	shortcuts = {
		page.locator(".shortcut-widget-box").nth(n).inner_text().strip(): n
		for n in range(page.locator(".shortcut-widget-box").count())
	}
	for label in (*LISTS, "API Key Usage", "API Docs"):
		assert any(label in text for text in shortcuts), f"no shortcut to {label}: {list(shortcuts)}"
	for doctype in LISTS:
		slug = doctype.lower().replace(" ", "-")
		page.goto(desk(slug))
		page.wait_for_load_state("networkidle")
		expect(page.locator(".modal.show")).to_have_count(0)  # no "Not found" or "Not permitted"
		expect(page.locator(".page-title:visible").first).to_contain_text(doctype)


def test_a_plain_desk_user_does_not_get_the_workspace(desk_page, make_desk_user):
	email, password = make_desk_user()
	page = desk_page(email, password, path=desk("user"))
	page.goto(desk("api"))
	page.wait_for_load_state("networkidle")
	expect(page.locator(".number-widget-box, .dashboard-widget-box")).to_have_count(0)
	labels = [label.strip() for label in page.locator(".desk-sidebar .sidebar-item-label").all_inner_texts()]
	assert "API" not in labels
