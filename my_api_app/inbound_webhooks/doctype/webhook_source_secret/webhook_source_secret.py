# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""One secret of a Webhook Source, stored encrypted; several exist while a secret is rotated."""

import frappe
from frappe import _

from my_api_app.shared.app_doctypes import TableRow


class WebhookSourceSecret(TableRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		expires_at: DF.Datetime | None
		label: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		secret: DF.Password

	# end: auto-generated types
	def get_password(self, fieldname="password", raise_exception=True):
		# Not even frappe.client.get_password gives a secret back: it was shown when made.
		frappe.throw(_("Webhook secrets cannot be read back."), frappe.PermissionError)
