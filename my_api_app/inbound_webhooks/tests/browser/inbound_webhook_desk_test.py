"""Inbound webhooks in Desk: a System Manager sets up a Webhook Source, generates its secret
(shown once), and a delivery signed with it by the standardwebhooks library is received."""

import json
import uuid
from datetime import datetime, timezone

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

import standardwebhooks
from playwright.sync_api import expect

from my_api_app.tests.browser.fixtures import Site
from my_api_app.tests.browser.frappe_desk import (
	click_custom_button,
	close_dialog,
	desk,
	dialog_field_value,
	dialog_title,
	fill_form_field,
	save_with_keyboard,
	wait_for_form,
)

RECEIVE = "/api/method/my_api_app.api.inbound.receive"


def test_set_up_a_source_generate_its_secret_once_and_receive(desk_page, make_desk_user, admin):
	email, password = make_desk_user(roles=("System Manager",))
	slug = f"desk-{uuid.uuid4().hex[:8]}"
	page = desk_page(email, password, path=desk("webhook-source/new"))
	wait_for_form(page, "Webhook Source")
	fill_form_field(page, "slug", slug)
	fill_form_field(page, "scheme", "Standard Webhooks")
	fill_form_field(page, "handler", "my_api_app.inbound_webhooks.tests.handlers.record")
	assert save_with_keyboard(page) == slug
	expect(page.locator(".form-message:visible").first).to_contain_text(f"{RECEIVE}?source={slug}")

	click_custom_button(page, "Generate Secret")
	page.wait_for_selector(".webhook-secret-dialog", state="visible")
	assert dialog_title(page) == "New webhook secret"
	secret = dialog_field_value(page, "secret")
	assert secret.startswith("whsec_")
	close_dialog(page)

	page.reload()
	wait_for_form(page, "Webhook Source")
	assert secret not in page.content()
	assert page.evaluate("() => cur_frm.doc.secrets.length") == 1

	body = json.dumps({"type": "desk.test"}).encode()
	msg_id = f"msg_{uuid.uuid4().hex}"
	now = datetime.now(tz=timezone.utc)
	headers = {
		"Content-Type": "application/json",
		"webhook-id": msg_id,
		"webhook-timestamp": str(int(now.timestamp())),
		"webhook-signature": standardwebhooks.Webhook(secret).sign(msg_id, now, body.decode()),
	}
	response = Site().request("POST", RECEIVE, params={"source": slug}, data=body, headers=headers)
	assert response.status_code == 202, response.text
	event = response.json()["message"]["data"]["event"]

	admin.request("DELETE", f"/api/resource/Inbound Webhook Event/{event}")
	admin.request("DELETE", f"/api/resource/Webhook Source/{slug}")
