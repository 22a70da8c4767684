# Copyright (c) 2026, my_api_app developers
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class WebhookDelivery(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from my_api_app.webhooks.doctype.webhook_delivery_attempt.webhook_delivery_attempt import (
			WebhookDeliveryAttempt,
		)

		attempt_count: DF.Int
		attempts: DF.Table[WebhookDeliveryAttempt]
		cycle_attempts: DF.Int
		delivered_at: DF.Datetime | None
		event_id: DF.Data | None
		event_type: DF.Data | None
		last_status_code: DF.Int
		lease_token: DF.Data | None
		lease_until: DF.Datetime | None
		next_attempt_at: DF.Datetime | None
		payload: DF.Code | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		request_url: DF.SmallText | None
		status: DF.Literal["Pending", "Delivered", "Failed", "Exhausted"]
		webhook: DF.Link | None
	# end: auto-generated types
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
