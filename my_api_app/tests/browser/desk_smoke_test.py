"""Desk in a real browser: a person's keystrokes reach the database, and the helpers work on real Desk."""

import re
import uuid

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

from playwright.sync_api import expect

from my_api_app.tests.browser.frappe_desk import (
	click_custom_button,
	click_dialog_primary,
	close_dialog,
	custom_button_labels,
	desk,
	dialog_field_value,
	dialog_text,
	dialog_title,
	fill_dialog_field,
	fill_form_field,
	form_indicator,
	save_with_keyboard,
	wait_for_form,
)


def test_administrator_creates_a_todo_with_ctrl_s(desk_page, admin):
	page = desk_page("Administrator", path=desk("todo/new"))
	assert wait_for_form(page, "ToDo").startswith("new-todo-")
	assert form_indicator(page) == "Not Saved"
	text = f"browser smoke {uuid.uuid4().hex[:10]}"

	fill_form_field(page, "description", text)
	name = save_with_keyboard(page)

	expect(page).to_have_url(re.compile(re.escape(desk(f"todo/{name}")) + "$"))
	response = admin.request("GET", f"/api/resource/ToDo/{name}")
	assert response.status_code == 200, response.text
	todo = response.json()["data"]
	assert text in todo["description"]
	assert (todo["owner"], todo["status"]) == ("Administrator", "Open")


def test_custom_button_dialog_helpers_on_a_real_form(desk_page, admin, manager):
	"""What a later test of a form script does: press its button, fill its dialog, read the answer."""
	email, _ = manager  # a System User: Desk suggests only those for a User link
	response = admin.request("POST", "/api/resource/ToDo", json={"description": "dialog helpers"})
	response.raise_for_status()
	name = response.json()["data"]["name"]
	page = desk_page("Administrator", path=desk(f"todo/{name}"))
	assert wait_for_form(page, "ToDo") == name
	# Stands in for a form script's refresh handler: a button, and a grouped one, that open dialogs.
	page.evaluate(
		"""() => {
			const ask = () => {
				const d = new frappe.ui.Dialog({
					title: "Make a key",
					fields: [
						{fieldname: "label", fieldtype: "Data", label: "Label", reqd: 1},
						{fieldname: "scope", fieldtype: "Select", label: "Scope", options: "read\\nwrite"},
						{fieldname: "expires", fieldtype: "Check", label: "Expires"},
						{fieldname: "user", fieldtype: "Link", label: "User", options: "User"},
					],
					primary_action_label: "Create",
					primary_action(values) {
						d.hide();
						frappe.msgprint(`Made ${values.label} (${values.scope}, expires=${values.expires}) for ${values.user}`, "Your key");
					},
				});
				d.show();
			};
			cur_frm.add_custom_button("Make Key", ask);
			cur_frm.add_custom_button("Roll Secret", () => frappe.msgprint("rolled", "Rolled"), "Keys");
		}"""
	)
	# ToDo's own form script adds Close and New ToDo first.
	assert custom_button_labels(page)[-2:] == ["Make Key", "Keys"]

	click_custom_button(page, "Make Key")
	assert dialog_title(page) == "Make a key"
	fill_dialog_field(page, "label", "ci key")
	fill_dialog_field(page, "scope", "write")
	fill_dialog_field(page, "expires", True)
	fill_dialog_field(page, "user", email)
	assert dialog_field_value(page, "label") == "ci key"
	click_dialog_primary(page)
	assert dialog_title(page) == "Your key"
	assert dialog_text(page) == f"Made ci key (write, expires=1) for {email}"

	close_dialog(page)
	click_custom_button(page, "Roll Secret", group="Keys")
	assert dialog_text(page) == "rolled"


def test_a_desk_user_logs_in_with_their_own_password(desk_page, make_desk_user):
	email, password = make_desk_user()
	page = desk_page(email, password, path=desk("todo"))
	assert page.evaluate("() => frappe.session.user") == email
	expect(page.locator(".page-head:visible .title-text")).to_have_text("To Do")
