import frappe

from my_api_app.shared import frappe_compat
from my_api_app.shared.frappe_compat import IntegrationTestCase


class TestFrappeCompat(IntegrationTestCase):
	def test_hooks_read_as_frappe_reads_them(self):
		"""The app's read of a hook (without Frappe 15's copy of every hook) answers what
		``frappe.get_hooks`` answers, in developer mode and out of it."""
		developer_mode = frappe.conf.developer_mode
		try:
			for mode in (0, 1):
				frappe.conf.developer_mode = mode
				for name in ("override_whitelisted_methods", "auth_hooks", "doc_events", "no_such_hook"):
					self.assertEqual(frappe_compat._hook(name, {}), frappe.get_hooks(name, {}), (mode, name))
				self.assertEqual(
					frappe_compat.overridden_method("frappe.client.get_count"),
					"my_api_app.toolkit.frappe_methods.get_count",
				)
		finally:
			frappe.conf.developer_mode = developer_mode
