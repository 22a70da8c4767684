"""Key expiry notices from the daily job: 14 and 3 days before, once each, to the key's owner."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from my_api_app.api_keys.expiry_notices import send_expiry_notices
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.testing import make_api_user
from my_api_app.tests.factories import make_api_key

OWNER = "expiry-owner@example.com"


class TestExpiryNotices(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_api_user(OWNER)

	def key(self, **fields) -> str:
		doc, _ = make_api_key(OWNER, label="expiring", **fields)
		self.addCleanup(frappe.delete_doc, "API Key", doc.name, force=True, ignore_permissions=True)
		return doc.name

	def notices(self, key: str) -> list[frappe._dict]:
		return frappe.get_all(
			"Notification Log",
			filters={"document_type": "API Key", "document_name": key},
			fields=["for_user", "subject"],
			order_by="creation",
		)

	def test_14_then_3_days_before_once_each(self):
		key = self.key(expires_at=now_datetime() + timedelta(days=10))
		send_expiry_notices()
		send_expiry_notices()
		[notice] = self.notices(key)
		self.assertEqual(notice.for_user, OWNER)
		self.assertIn("expires in 14 days", notice.subject)

		frappe.db.set_value("API Key", key, "expires_at", now_datetime() + timedelta(days=2))
		send_expiry_notices()
		send_expiry_notices()
		self.assertEqual(
			[n.subject.split(" expires ")[1][:10] for n in self.notices(key)], ["in 14 days", "in 3 days "]
		)

	def test_no_notice_outside_the_window_or_for_keys_that_cannot_expire_or_are_revoked(self):
		later = self.key(expires_at=now_datetime() + timedelta(days=20))
		forever = self.key(never_expires=1)
		revoked = self.key(expires_at=now_datetime() + timedelta(days=2))
		frappe.db.set_value("API Key", revoked, "revoked", 1)
		send_expiry_notices()
		for key in (later, forever, revoked):
			self.assertEqual(self.notices(key), [])

	def test_a_new_expiry_date_gets_its_own_notices(self):
		key = self.key(expires_at=now_datetime() + timedelta(days=2))
		send_expiry_notices()
		frappe.db.set_value("API Key", key, "expires_at", now_datetime() + timedelta(days=12))
		send_expiry_notices()
		self.assertEqual(len(self.notices(key)), 2)
