"""Durable webhooks' signing secrets move from Password fields on Frappe's Webhook (which
``frappe.client.get_password`` gave back to any System Manager) to a Webhook Signing Secret of
their own, which no API reads; the old fields, their columns and ``__Auth`` rows go."""

import frappe
from frappe.utils.password import decrypt

OLD_FIELDS = ("durable_signing_secret", "durable_previous_secret")
SECRETS = "Webhook Signing Secret"


def execute() -> None:
	stored: dict[str, dict[str, str]] = {}
	for row in frappe.db.sql(
		"""select name, fieldname, password from `__Auth`
		where doctype = 'Webhook' and fieldname in %s and encrypted = 1""",
		(OLD_FIELDS,),
		as_dict=True,
	):
		stored.setdefault(row.name, {})[row.fieldname] = decrypt(row.password)
	for webhook, secrets in stored.items():
		if (
			secrets.get("durable_signing_secret")
			and frappe.db.exists("Webhook", webhook)
			and not frappe.db.exists(SECRETS, {"webhook": webhook})
		):
			frappe.get_doc(
				{
					"doctype": SECRETS,
					"webhook": webhook,
					"secret": secrets["durable_signing_secret"],
					"previous_secret": secrets.get("durable_previous_secret"),
				}
			).insert(ignore_permissions=True)
	frappe.db.delete("__Auth", {"doctype": "Webhook", "fieldname": ("in", OLD_FIELDS)})
	for fieldname in OLD_FIELDS:
		if name := frappe.db.get_value("Custom Field", {"dt": "Webhook", "fieldname": fieldname}):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	frappe.db.sql_ddl(
		"alter table `tabWebhook` " + ", ".join(f"drop column if exists `{field}`" for field in OLD_FIELDS)
	)
	frappe.clear_cache(doctype="Webhook")
