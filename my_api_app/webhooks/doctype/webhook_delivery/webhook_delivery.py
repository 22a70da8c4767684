# Copyright (c) 2026, my_api_app developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class WebhookDelivery(Document):
	"""One event for one webhook: its body, fixed when the event happened, and every attempt to
	send it. Written by my_api_app.webhooks; read-only in Desk, where it can be resent."""

	@staticmethod
	def clear_old_logs(days: int = 30):
		"""Log Settings' daily clean-up: finished deliveries older than ``days``."""
		frappe.db.delete(
			"Webhook Delivery",
			{
				"status": ("in", ["Delivered", "Exhausted"]),
				"modified": ("<", frappe.utils.add_days(frappe.utils.now_datetime(), -days)),
			},
		)


def on_doctype_update():
	# The sweep looks for due deliveries; the log lists a webhook's deliveries newest first.
	frappe.db.add_index("Webhook Delivery", ["status", "next_attempt_at"])
	frappe.db.add_index("Webhook Delivery", ["webhook", "creation"])
