"""API keys in Desk as a user manages them: create (after confirming the password) and see the secret
once, roll, revoke."""

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

from playwright.sync_api import expect

from my_api_app.tests.browser.fixtures import Site
from my_api_app.tests.browser.frappe_desk import (
	click_custom_button,
	click_dialog_primary,
	click_primary_action,
	close_dialog,
	desk,
	dialog_field_value,
	dialog_title,
	fill_dialog_field,
	fill_form_field,
	form_indicator,
	wait_for_form,
	wait_until_idle,
)

WHOAMI = "my_api_app.api.auth.whoami"


def status_with(key: str, secret: str) -> int:
	return Site(auth=f"token {key}:{secret}").method("GET", WHOAMI).status_code


def add_method_scope(page, pattern: str) -> None:
	"""Fill the first scope row (Desk adds an empty one to a new form: the table is mandatory). Tab
	leaves the cell; on Frappe 16, Tab out of the last row's last editable cell adds an empty row,
	which Create leaves out, as the form does any empty row."""
	grid = page.locator('.page-container:visible .frappe-control[data-fieldname="scopes"]')
	row = grid.locator('.grid-body .grid-row[data-idx="1"]')
	if not row.count():
		grid.locator(".grid-add-row").click()
	row.locator('[data-fieldname="method_pattern"]').first.click()
	cell = row.locator('input[data-fieldname="method_pattern"]')
	cell.fill(pattern)
	cell.press("Tab")
	page.wait_for_function(
		"""(pattern) => cur_frm.doc.scopes[0].method_pattern === pattern
			&& cur_frm.doc.scopes.slice(1).every((row) => !row.method_pattern && !row.document_type && !row.scope)""",
		arg=pattern,
	)


def secret_dialog(page) -> tuple[str, str]:
	"""The key and secret that the dialog shows after a create or a roll, then close it."""
	expect(page.locator(".modal.show .api-key-secret-dialog, .api-key-secret-dialog.show")).to_have_count(1)
	key, secret = dialog_field_value(page, "api_key"), dialog_field_value(page, "secret")
	close_dialog(page)
	return key, secret


def test_create_see_once_roll_and_revoke(desk_page, make_desk_user, admin):
	email, password = make_desk_user()
	page = desk_page(email, password, path=desk("api-key/new"))
	wait_for_form(page, "API Key")
	fill_form_field(page, "label", "browser key")
	add_method_scope(page, "my_api_app.api.auth.*")
	# a new key is made by the form's Create (create_key, whose answer alone holds the secret); from a
	# session it needs the password again: the form asks for it, then creates
	click_primary_action(page, "Create")
	page.wait_for_selector(".modal.show [data-fieldname=password]", state="visible")
	assert dialog_title(page) == "Confirm your password to create or roll API keys"
	fill_dialog_field(page, "password", password)
	click_dialog_primary(page)
	page.wait_for_selector(".api-key-secret-dialog", state="visible")
	assert dialog_title(page) == "API key created"
	key, secret = secret_dialog(page)
	assert key.startswith("mak_") and secret.startswith("mas_")
	assert status_with(key, secret) == 200
	stored = admin.request("GET", f"/api/resource/API Key/{key}").json()["data"]
	assert [row["scope"] for row in stored["scopes"]] == ["method:my_api_app.api.auth.*"]

	# shown once: reloading the form shows no secret anywhere
	page.reload()
	wait_for_form(page, "API Key")
	assert secret not in page.content()
	assert page.locator(".api-key-secret-dialog:visible").count() == 0

	# roll with no overlap: the new secret works, the old one stops
	click_custom_button(page, "Roll Secret")
	fill_dialog_field(page, "overlap_minutes", 0)
	click_dialog_primary(page)
	page.wait_for_selector(".api-key-secret-dialog", state="visible")
	assert dialog_title(page) == "New secret"
	_, rolled = secret_dialog(page)
	assert rolled != secret
	assert (status_with(key, secret), status_with(key, rolled)) == (401, 200)

	# revoke: the key stops at once and the form says so
	click_custom_button(page, "Revoke")
	fill_dialog_field(page, "reason", "browser test")
	click_dialog_primary(page)
	wait_until_idle(page)
	page.wait_for_function("() => cur_frm.doc.revoked === 1")
	assert form_indicator(page) == "Revoked"
	assert status_with(key, rolled) == 401
	assert page.evaluate("() => cur_frm.doc.revoked") == 1
	assert page.evaluate("() => cur_frm.doc.revoked_by") == email
