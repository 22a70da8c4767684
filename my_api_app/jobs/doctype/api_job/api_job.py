# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Job: a background job started through the API, kept after RQ forgets it (see
my_api_app/jobs). Records are written by the jobs code only; Desk shows them read-only."""

import frappe
from frappe.model.document import Document


class APIJob(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		ended_at: DF.Datetime | None
		endpoint: DF.Data | None
		error: DF.Code | None
		idempotency_digest: DF.Data | None
		method: DF.Data
		progress_message: DF.Code | None
		progress_percent: DF.Float
		queue: DF.Data
		request_digest: DF.Data | None
		result: DF.Code | None
		started_at: DF.Datetime | None
		status: DF.Literal["queued", "started", "finished", "failed", "canceled"]
		timeout: DF.Int
	# end: auto-generated types
	pass


def on_doctype_update():
	# The caller's own jobs, newest first (api.jobs.list_jobs).
	frappe.db.add_index("API Job", ["owner", "creation"])
