# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""Inbound Webhook Event: a verified delivery as received (headers redacted) and its handling."""

import json

import frappe
from frappe.model.document import Document


class InboundWebhookEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempts: DF.Int
		body: DF.Code | None
		error: DF.Code | None
		event_id: DF.Data
		event_type: DF.Data | None
		headers: DF.Code | None
		processed_at: DF.Datetime | None
		received_at: DF.Datetime | None
		source: DF.Link
		status: DF.Literal["Received", "Processed", "Failed"]

	# end: auto-generated types
	@staticmethod
	def clear_old_logs(days: int = 90) -> None:
		"""Log Settings' daily clean-up: handled events (Processed, Failed) older than ``days``.
		A deleted event's id no longer counts as a duplicate: for GitHub and Frappe sources, whose
		deliveries carry no signed timestamp, keep events longer than a replay could matter."""
		frappe.db.delete(
			"Inbound Webhook Event",
			{
				"status": ("in", ["Processed", "Failed"]),
				"received_at": ("<", frappe.utils.add_days(frappe.utils.now_datetime(), -days)),
			},
		)

	def payload(self):
		"""The body parsed as JSON (what most handlers want); ValueError when it is not JSON."""
		return json.loads(self.body)


def on_doctype_update():
	# One event per (source, event id): the guarantee against duplicates that Redis only speeds up.
	frappe.db.add_unique("Inbound Webhook Event", ["source", "event_id"], "unique_source_event_id")
	frappe.db.add_index("Inbound Webhook Event", ["status", "received_at"])
