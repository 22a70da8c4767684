"""Helpers for driving Frappe Desk (15 and 16) pages in Playwright the way a person does: by what shows.

Desk lives under /app on Frappe 15 and under /desk on Frappe 16 (which redirects /app/... there):
`desk("api-key/new")` is the path of a route on the site under test.

Frappe's markup that these rely on:
- a form's `frm.add_custom_button(label, fn)` is a `button[data-label=<encodeURIComponent(label)>]` in
  the visible page head's `.custom-actions` (shown from 1200 px wide; narrower, Desk moves it to the
  menu); with a group, `.inner-group-button[data-label=<group>]` opens a menu of
  `a.dropdown-item[data-label=<label>]`.
- a `frappe.ui.Dialog` (and msgprint) is a Bootstrap `.modal.show`; its fields are
  `.frappe-control[data-fieldname=...]`; its primary action is `.modal-footer .standard-actions .btn-primary`.
"""

from functools import cache
from urllib.parse import quote, urlsplit

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from my_api_app.tests.http.e2e_site import Site


@cache
def desk_root() -> str:
	"""Where the site's Desk lives, as the site says: Frappe 16 sends /app to /desk."""
	response = Site().request("GET", "/app", allow_redirects=False)
	return "/desk" if urlsplit(response.headers.get("Location", "")).path.startswith("/desk") else "/app"


def desk(route: str = "") -> str:
	"""The path of a Desk route: desk("todo/new") is /app/todo/new on Frappe 15, /desk/todo/new on 16."""
	return f"{desk_root()}/{route}" if route else desk_root()


def encode_label(label: str) -> str:
	"""JavaScript's encodeURIComponent, as Frappe writes data-label."""
	return quote(label, safe="-_.!~*'()")


def wait_until_idle(page: Page, timeout_ms: int = 20_000) -> None:
	"""No frappe.call/xcall in flight and no form save running (a form whose script disabled saving,
	as a new API Key's does, is idle too)."""
	page.wait_for_function(
		"""() => window.frappe && frappe.request && !frappe.request.ajax_count
			&& !frappe.ui.form.is_saving && !document.querySelector(".freeze")""",
		timeout=timeout_ms,
	)


def wait_for_form(page: Page, doctype: str | None = None, timeout_ms: int = 20_000) -> str:
	"""Wait until the form that the URL names is shown and idle; return its document's name."""
	page.wait_for_function(
		"""(doctype) => {
			const frm = window.cur_frm;
			return frm && frm.doc && (!doctype || frm.doctype === doctype)
				&& decodeURIComponent(location.pathname).endsWith("/" + frm.doc.name)
				&& frm.page && $(frm.page.wrapper).is(":visible")
				&& !frappe.request.ajax_count;
		}""",
		arg=doctype,
		timeout=timeout_ms,
	)
	return page.evaluate("() => cur_frm.doc.name")


def page_head(page: Page) -> Locator:
	"""The head (title, indicator, actions) of the Desk page now shown; Desk keeps others hidden."""
	return page.locator(".page-head:visible").first


def click_custom_button(page: Page, label: str, group: str | None = None) -> None:
	"""Click a button that a form script added with frm.add_custom_button(label, fn, group)."""
	actions = page_head(page).locator(".custom-actions")
	if group is None:
		button = actions.locator(f'button[data-label="{encode_label(label)}"]')
		expect(button, f"custom button {label!r}").to_be_visible()
		button.click()
		return
	group_box = actions.locator(f'.inner-group-button[data-label="{encode_label(group)}"]')
	expect(group_box, f"custom button group {group!r}").to_be_visible()
	group_box.locator("button").first.click()
	item = group_box.locator(f'.dropdown-menu a.dropdown-item[data-label="{encode_label(label)}"]')
	expect(item, f"{label!r} in custom button group {group!r}").to_be_visible()
	item.click()


def click_primary_action(page: Page, label: str) -> None:
	"""Click the page's primary action (``frm.page.set_primary_action(label, fn)``: Save, Create...)."""
	button = page_head(page).locator("button.primary-action", has_text=label)
	expect(button, f"primary action {label!r}").to_be_visible()
	button.click()


def custom_button_labels(page: Page) -> list[str]:
	"""The labels of the form's custom buttons now shown, groups included, in page order."""
	actions = page_head(page).locator(".custom-actions")
	return [
		text.strip()
		for text in actions.locator(":scope > button, .inner-group-button > button").all_inner_texts()
	]


def dialog(page: Page) -> Locator:
	"""The dialog on top: a frappe.ui.Dialog, msgprint or confirm that is open now."""
	modal = page.locator(".modal.show").last
	expect(modal, "an open dialog").to_be_visible()
	return modal


def dialog_field(page: Page, fieldname: str) -> Locator:
	control = dialog(page).locator(f'.frappe-control[data-fieldname="{fieldname}"]')
	expect(control, f"dialog field {fieldname!r}").to_be_visible()
	return control


def fill_dialog_field(page: Page, fieldname: str, value) -> None:
	"""Set a field of the dialog on top; see set_control for the kinds of field."""
	set_control(dialog_field(page, fieldname), value)
	wait_until_idle(page)


def set_control(control: Locator, value) -> None:
	"""Set a `.frappe-control` as a person would: type, pick or tick, by the kind of control it is.

	Data, Int, Float, Password, Small Text, Code, Text Editor, Select, Check and Link are handled; a
	Link is typed into, then its matching suggestion clicked (see pick_link_suggestion).
	"""
	fieldtype = control.get_attribute("data-fieldtype") or ""
	own = f'[data-fieldname="{control.get_attribute("data-fieldname")}"]'  # the input, not a read-only twin
	if fieldtype == "Check":
		control.locator(f"input[type=checkbox]{own}").set_checked(bool(value))
	elif fieldtype == "Select":
		control.locator(f"select{own}").select_option(str(value))
	elif fieldtype == "Text Editor":
		editor = control.locator(".ql-editor[contenteditable=true]")
		editor.click()
		editor.fill(str(value))
	elif fieldtype in ("Small Text", "Text", "Long Text", "Code", "JSON"):
		control.locator(f"textarea{own}").fill(str(value))
	else:
		box = control.locator(f"input{own}")
		box.fill(str(value))
		if fieldtype in ("Link", "Dynamic Link"):
			pick_link_suggestion(control, box, str(value))
		else:
			box.press("Tab")


def pick_link_suggestion(control: Locator, box: Locator, value: str) -> None:
	"""After typing into a Link: click the suggestion that is exactly `value`, as a person would.

	Tab would take the first suggestion, which may be another record or 'Create a new ...'. With no
	exact suggestion (some link queries leave records out, e.g. Administrator from User), leave the
	field by clicking its label; Desk then checks the typed value itself.
	"""
	suggestions = control.locator(".awesomplete ul[role=listbox] [role=option]")
	# Desk shows 'Create a new ...' at once and the search's answers when they come: wait for them.
	exact = suggestions.filter(has=control.page.locator(f'p[title="{css_string(value)}"]'))
	try:
		exact.first.wait_for(state="visible", timeout=5_000)
	except PlaywrightTimeoutError:
		control.locator(".control-label").first.click()
	else:
		exact.first.click()
	expect(suggestions.first).to_be_hidden()
	expect(box).to_have_value(value)


def css_string(text: str) -> str:
	return text.replace("\\", "\\\\").replace('"', '\\"')


def dialog_title(page: Page) -> str:
	return dialog(page).locator(".modal-title").inner_text().strip()


def dialog_text(page: Page) -> str:
	"""What the dialog on top shows in its body: a message, or its fields and their labels."""
	return dialog(page).locator(".modal-body").inner_text().strip()


def dialog_field_value(page: Page, fieldname: str) -> str:
	"""The text a dialog field shows: its input's value, or the text of a read-only field."""
	control = dialog_field(page, fieldname)
	own = f'[data-fieldname="{fieldname}"]'
	inputs = control.locator(f"input{own}:visible, textarea{own}:visible, select{own}:visible")
	if inputs.count():
		return inputs.first.input_value()
	return control.locator(".control-value, .like-disabled-input, .static-area").first.inner_text().strip()


def click_dialog_primary(page: Page) -> None:
	"""Press the dialog's primary action (its 'Submit', 'Create', 'Yes'...)."""
	dialog(page).locator(".modal-footer .standard-actions .btn-primary").click()
	wait_until_idle(page)


def close_dialog(page: Page) -> None:
	modal = dialog(page)
	modal.locator(".modal-header .btn-modal-close").click()
	expect(modal).to_be_hidden()


def fill_form_field(page: Page, fieldname: str, value) -> None:
	"""Set a field of the form now shown (not a dialog); see set_control for the kinds of field.

	Returns once the form's document holds the value (a Text Editor hands it over after a debounce).
	"""
	layout = page.locator(".page-container:visible .form-layout").first
	control = layout.locator(f'.frappe-control[data-fieldname="{fieldname}"]')
	expect(control, f"form field {fieldname!r}").to_be_visible()
	set_control(control, value)
	expected = (1 if value else 0) if isinstance(value, bool) else str(value)
	page.wait_for_function(
		"""([fieldname, expected]) => {
			const value = window.cur_frm && cur_frm.doc[fieldname];
			return typeof expected === "number" ? value === expected : String(value ?? "").includes(expected);
		}""",
		arg=[fieldname, expected],
		timeout=10_000,
	)
	wait_until_idle(page)


def save_with_keyboard(page: Page) -> str:
	"""Save the form now shown with Ctrl+S as a person would; return the saved document's name.

	If Desk answers with a dialog instead (a validation message, a missing mandatory field), fail
	with what it says.
	"""
	page.keyboard.press("Control+s")
	page.wait_for_function(
		"""() => (window.cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty() && !frappe.request.ajax_count)
			|| document.querySelector(".modal.show")""",
		timeout=20_000,
	)
	if page.locator(".modal.show").count():
		modal = page.locator(".modal.show").last
		raise AssertionError(f"Ctrl+S did not save: Desk says {modal.inner_text().strip()!r}")
	return page.evaluate("() => cur_frm.doc.name")


def form_indicator(page: Page) -> str:
	"""The status pill beside the page title: 'Not Saved', 'Open', 'Draft'..."""
	return page_head(page).locator(".indicator-pill").first.inner_text().strip()
