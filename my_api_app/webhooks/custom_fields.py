"""The fields this app adds to Frappe's Webhook DocType, added on install and on migrate and
removed on uninstall. A webhook that does not tick "Durable Delivery" behaves exactly as
Frappe's own; one that does is sent by this app (signed, stored, retried) and Frappe's own
sender skips it, because its `enabled` is kept off (the form shows our switch instead)."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.custom.doctype.property_setter.property_setter import make_property_setter

from my_api_app.shared import frappe_compat

WEBHOOK = "Webhook"
LAYOUT = ("Section Break", "Column Break")
DEFAULT_SCHEDULE_TEXT = "0, 5, 300, 1800, 7200, 18000, 36000, 36000"

CUSTOM_FIELDS = {
	WEBHOOK: [
		{
			"fieldname": "durable_delivery",
			"label": "Durable Delivery",
			"fieldtype": "Check",
			"insert_after": "enabled",
			"description": "Signed (Standard Webhooks), stored and retried with backoff by my_api_app, "
			"with a delivery log and resend. Frappe's own sender then skips this webhook.",
		},
		{
			"fieldname": "durable_enabled",
			"label": "Enabled",
			"fieldtype": "Check",
			"insert_after": "durable_delivery",
			"depends_on": "eval:doc.durable_delivery",
		},
		{
			"fieldname": "durable_section",
			"label": "Durable Delivery",
			"fieldtype": "Section Break",
			"insert_after": "webhook_secret",
			"depends_on": "eval:doc.durable_delivery",
		},
		{
			"fieldname": "durable_event_type",
			"label": "Event Type",
			"fieldtype": "Data",
			"insert_after": "durable_section",
			"description": "Sent as the envelope's type; empty means <doctype>.<event>, e.g. todo.after_insert.",
		},
		{
			"fieldname": "durable_envelope",
			"label": "Wrap in Event Envelope",
			"fieldtype": "Check",
			"default": "1",
			"insert_after": "durable_event_type",
			"description": 'Body {"type", "timestamp", "data"}; unticked, the data alone as Frappe sends it.',
		},
		{
			"fieldname": "durable_retry_schedule",
			"label": "Retry Schedule (seconds)",
			"fieldtype": "Data",
			"default": DEFAULT_SCHEDULE_TEXT,
			"insert_after": "durable_envelope",
			"description": "Delay before each attempt, after the previous one failed. Retries are sent "
			"by the scheduler once they are due (it runs every minute).",
		},
		{
			"fieldname": "durable_column",
			"fieldtype": "Column Break",
			"insert_after": "durable_retry_schedule",
		},
		{
			"fieldname": "durable_disable_after",
			"label": "Disable After Exhausted Deliveries in a Row",
			"fieldtype": "Int",
			"default": "5",
			"non_negative": 1,
			"insert_after": "durable_column",
			"description": "0 never disables. A 410 Gone answer disables at once. The owner is notified.",
		},
		{
			"fieldname": "durable_exhausted_in_row",
			"label": "Exhausted Deliveries in a Row",
			"fieldtype": "Int",
			"read_only": 1,
			"insert_after": "durable_disable_after",
		},
		{
			"fieldname": "durable_disabled_reason",
			"label": "Disabled Because",
			"fieldtype": "Small Text",
			"read_only": 1,
			"insert_after": "durable_exhausted_in_row",
			"depends_on": "eval:doc.durable_disabled_reason",
		},
		{
			# the secrets themselves are in a Webhook Signing Secret (config.SECRETS), never here
			"fieldname": "durable_previous_secret_until",
			"label": "Previous Secret Also Signs Until",
			"fieldtype": "Datetime",
			"read_only": 1,
			"insert_after": "durable_disabled_reason",
			"depends_on": "eval:doc.durable_previous_secret_until",
		},
	]
}
PROPERTY_SETTERS = [
	# Frappe's own switch is hidden (and kept off) while our sender owns the webhook.
	{"fieldname": "enabled", "property": "depends_on", "value": "eval:!doc.durable_delivery"},
]


def install() -> None:
	create_custom_fields(CUSTOM_FIELDS, update=True)
	for setter in PROPERTY_SETTERS:
		make_property_setter(
			WEBHOOK,
			setter["fieldname"],
			setter["property"],
			setter["value"],
			"Data",
			for_doctype=False,
			validate_fields_for_doctype=False,
		)


def uninstall() -> None:
	"""Durable webhooks go back to Frappe's sender, switched as ours was; the fields, their
	columns (a reinstall starts clean) and the signing secrets (whose DocType Frappe drops, but
	not their ``__Auth`` rows) go."""
	if frappe.db.has_column(WEBHOOK, "durable_delivery"):
		frappe.db.sql("update `tabWebhook` set enabled = durable_enabled where durable_delivery = 1")
	for field in CUSTOM_FIELDS[WEBHOOK]:
		name = frappe.db.get_value("Custom Field", {"dt": WEBHOOK, "fieldname": field["fieldname"]})
		if name:
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	for setter in PROPERTY_SETTERS:
		frappe.db.delete(
			"Property Setter",
			{"doc_type": WEBHOOK, "field_name": setter["fieldname"], "property": setter["property"]},
		)
	frappe.db.delete("__Auth", {"doctype": "Webhook Signing Secret"})
	columns = [f["fieldname"] for f in CUSTOM_FIELDS[WEBHOOK] if f["fieldtype"] not in LAYOUT]
	frappe.db.sql_ddl(
		"alter table `tabWebhook` " + ", ".join(f"drop column if exists `{column}`" for column in columns)
	)
	frappe.clear_cache(doctype=WEBHOOK)
	frappe_compat.forget_frappe_webhooks()  # the ones switched back on above are Frappe's to send
