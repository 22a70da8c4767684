# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""One attempt to send a Webhook Delivery, written with it (``app_doctypes.TableRow``)."""

from my_api_app.shared.app_doctypes import TableRow


class WebhookDeliveryAttempt(TableRow):
	pass
