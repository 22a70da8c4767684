# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Job: a background job started through the API, kept after RQ forgets it (see
my_api_app/jobs). Records are written by the jobs code only; Desk shows them read-only."""

import frappe
from frappe.model.document import Document


class APIJob(Document):
	pass


def on_doctype_update():
	# The caller's own jobs, newest first (api.jobs.list_jobs).
	frappe.db.add_index("API Job", ["owner", "creation"])
