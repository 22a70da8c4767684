# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Call Log: one record per /api/ request while logging is on; read-only in Desk.

Rows are written in batches by ``my_api_app.request_log.buffer.flush`` (never by a request).
Frappe's Log Settings clears them (``clear_old_logs``; default 30 days, registered by the
``default_log_clearing_doctypes`` hook). The name is not Frappe's own "API Request Log"
(Frappe 16 ships a DocType of that name), so the app migrates on either version.
"""

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class APICallLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		api_key: DF.Link | None
		auth: DF.Data | None
		client_ip: DF.Data | None
		duration_ms: DF.Float
		http_method: DF.Data | None
		path: DF.Data | None
		request_id: DF.Data | None
		requested_at: DF.Datetime | None
		response_size: DF.Int
		route: DF.Data | None
		status_code: DF.Int
		target: DF.Data | None
		token_id: DF.Data | None
		user: DF.Link | None

	# end: auto-generated types
	@staticmethod
	def clear_old_logs(days: int = 30) -> None:
		"""Delete records older than ``days`` (called by Log Settings' daily clean-up)."""
		table = frappe.qb.DocType("API Call Log")
		frappe.db.delete(table, filters=(table.creation < (Now() - Interval(days=days))))


def on_doctype_update() -> None:
	"""Usage per key and per user reads a time range of one key or user."""
	frappe.db.add_index("API Call Log", ["api_key", "creation"])
	frappe.db.add_index("API Call Log", ["creation"])
