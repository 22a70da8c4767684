"""Durable webhooks in Desk: from the Webhook form to its delivery log, and a resend."""

import sys
from pathlib import Path

from my_api_app.tests.http.e2e_site import skip_unless_live_site, wait_for

skip_unless_live_site()

from playwright.sync_api import expect

from my_api_app.tests.browser.frappe_desk import click_custom_button, desk, wait_for_form

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from my_api_app.webhooks.local_receiver import Receiver
from my_api_app.webhooks.tests.http.webhooks_test import post_durable_webhook


def test_delivery_log_and_resend(desk_page, make_desk_user, admin, rq_workers):
	receiver = Receiver().start()
	webhook, response = post_durable_webhook(admin, receiver.url)
	try:
		response.raise_for_status()
		admin.request(
			"POST", "/api/resource/ToDo", json={"description": "browser webhook"}
		).raise_for_status()
		wait_for(lambda: receiver.ids())
		[event_id] = receiver.ids()

		email, password = make_desk_user(roles=("System Manager",))
		page = desk_page(email, password, path=desk(f"webhook/{webhook}"))
		wait_for_form(page, "Webhook")
		click_custom_button(page, "Delivery Log")
		row = page.locator(f'.list-row-container a[data-name="{event_id}"]')
		expect(row).to_be_visible()
		line = page.locator(".list-row-container").filter(has=page.locator(f'a[data-name="{event_id}"]'))
		expect(line.locator(".indicator-pill", has_text="Delivered").first).to_be_visible()
		row.click()
		wait_for_form(page, "Webhook Delivery")
		click_custom_button(page, "Resend")
		expect(page.locator(".alert-message", has_text="Queued to be sent again")).to_be_visible()
		wait_for(lambda: receiver.ids() == [event_id, event_id])  # the same event, sent again
		wait_for(
			lambda: (
				admin.request("GET", f"/api/resource/Webhook Delivery/{event_id}").json()["data"][
					"attempt_count"
				]
				== 2
			)
		)
		page.reload()
		wait_for_form(page, "Webhook Delivery")
		expect(page.locator('.frappe-control[data-fieldname="attempts"] .grid-body .grid-row')).to_have_count(
			2
		)
	finally:
		receiver.stop()
		admin.request("DELETE", f"/api/resource/Webhook/{webhook}")
