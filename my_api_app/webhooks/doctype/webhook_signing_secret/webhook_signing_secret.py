# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""The Standard Webhooks secrets of one durable Webhook: the current one and, for a day after a
rotation, the previous one. Kept apart from Frappe's Webhook so that no API gives them back:
the DocType grants no role anything, its Password fields are encrypted in ``__Auth``, and
``get_password`` (``frappe.client.get_password`` included) refuses. Made, rotated and read only
by ``my_api_app.webhooks.config``; a secret is shown once, in the response that made it."""

import frappe
from frappe import _
from frappe.model.document import Document


class WebhookSigningSecret(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		previous_secret: DF.Password | None
		secret: DF.Password
		webhook: DF.Link

	# end: auto-generated types
	def get_password(self, fieldname="password", raise_exception=True):
		frappe.throw(_("Webhook signing secrets cannot be read back."), frappe.PermissionError)
