"""The patch that gives the request log a switch of its own, on the states a site can be in."""

import frappe

from my_api_app.patches.v2 import request_log_switch_of_its_own as patch
from my_api_app.request_log import settings
from my_api_app.shared.frappe_compat import IntegrationTestCase


def single(field: str) -> str | None:
	rows = frappe.db.sql(
		"select value from `tabSingles` where doctype = 'System Settings' and field = %s", (field,)
	)
	return rows[0][0] if rows else None


def set_single(field: str, value: str | None) -> None:
	frappe.db.sql("delete from `tabSingles` where doctype = 'System Settings' and field = %s", (field,))
	if value is not None:
		frappe.db.sql(
			"insert into `tabSingles` (doctype, field, value) values ('System Settings', %s, %s)",
			(field, value),
		)


class TestRequestLogSwitchOfItsOwn(IntegrationTestCase):
	"""Each test changes rows in its transaction only, and rolls them back."""

	def setUp(self):
		self.addCleanup(frappe.clear_cache, doctype="System Settings")
		self.addCleanup(frappe.db.rollback)

	def test_the_app_switch_of_a_site_made_before_moves_to_its_own_field(self):
		"""Before, the switch was the app's Custom Field ``log_api_requests`` (a Frappe 15 site): its
		value moves to the app's own field, and the old field and value go, so Frappe 16's own log
		of that name starts off."""
		for on in ("1", "0"):
			with self.subTest(switch=on):
				frappe.db.sql(
					"""insert into `tabCustom Field` (name, dt, fieldname, label, fieldtype)
					values (%s, 'System Settings', %s, 'Log API Requests', 'Check')""",
					(patch.OLD_CUSTOM_FIELD, patch.OLD_FIELD),
				)
				set_single(patch.OLD_FIELD, on)
				set_single(settings.SETTING, None)
				patch.execute()
				self.assertEqual((single(settings.SETTING), single(patch.OLD_FIELD)), (on, None))
				self.assertFalse(frappe.db.exists("Custom Field", patch.OLD_CUSTOM_FIELD))

	def test_a_site_whose_switch_is_not_the_old_custom_field_is_left_alone(self):
		"""A site installed since, or one where ``log_api_requests`` is Frappe's own field."""
		set_single(patch.OLD_FIELD, "1")
		set_single(settings.SETTING, "0")
		patch.execute()
		self.assertEqual((single(settings.SETTING), single(patch.OLD_FIELD)), ("0", "1"))
