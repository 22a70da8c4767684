# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""One attempt to send a Webhook Delivery, written with it (``app_doctypes.TableRow``)."""

from my_api_app.shared.app_doctypes import TableRow


class WebhookDeliveryAttempt(TableRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempt: DF.Int
		attempted_at: DF.Datetime | None
		duration_ms: DF.Int
		error: DF.SmallText | None
		outcome: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		request_headers: DF.Code | None
		response_excerpt: DF.Code | None
		status_code: DF.Int
	# end: auto-generated types
	pass
