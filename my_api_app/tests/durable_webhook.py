"""A durable Webhook for tests that need one to exist (its signing secret, the OpenAPI event
types) rather than to deliver."""

import frappe

ALLOWED_NETWORKS = "my_api_app_webhook_allowed_networks"


def insert_durable_webhook(name: str):
	"""Insert (not commit) an enabled durable Webhook ``name`` on Note updates, to an address on
	127.0.0.1 that the site config allows for this insert only (nothing listens there)."""
	frappe.local.conf[ALLOWED_NETWORKS] = ["127.0.0.1/32"]
	try:
		return frappe.get_doc(
			{
				"doctype": "Webhook",
				"__newname": name,
				"webhook_doctype": "Note",
				"webhook_docevent": "on_update",
				"request_url": "http://127.0.0.1:9/hook",
				"request_structure": "JSON",
				"webhook_json": "{}",
				"enabled": 1,
				"durable_delivery": 1,
			}
		).insert()
	finally:
		frappe.local.conf.pop(ALLOWED_NETWORKS)
