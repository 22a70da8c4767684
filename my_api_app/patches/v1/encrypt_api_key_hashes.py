"""API Key secret hashes move from plain columns into ``__Auth`` (they became Password fields):
a plain column could be matched by list filters (``secret_hash like 'sha256$a%'``) by anyone
who may list the keys, one character at a time. API Key tracks changes, so every roll also
wrote the old and new hashes into a Version that System Managers read: those are masked."""

import json

import frappe
from frappe.utils.password import set_encrypted_password

FIELDS = ("secret_hash", "previous_secret_hash")


def execute() -> None:
	for row in frappe.db.sql(
		"select name, secret_hash, previous_secret_hash from `tabAPI Key`", as_dict=True
	):
		for fieldname in FIELDS:
			value = row[fieldname]
			if value and not _masked(value):
				set_encrypted_password("API Key", row.name, value, fieldname)
				frappe.db.set_value("API Key", row.name, fieldname, _mask(value), update_modified=False)
	for version in frappe.db.sql(
		"""select name, data from `tabVersion`
		where ref_doctype = 'API Key' and data like '%%secret\\_hash%%'""",
		as_dict=True,
	):
		data = json.loads(version.data)
		changed = [
			[field, _mask(old), _mask(new)] if field in FIELDS else [field, old, new]
			for field, old, new in data.get("changed") or []
		]
		if changed != data.get("changed"):
			frappe.db.set_value(
				"Version",
				version.name,
				"data",
				json.dumps({**data, "changed": changed}),
				update_modified=False,
			)


def _masked(value: str) -> bool:
	return set(value) == {"*"}


def _mask(value):
	return "*" * len(value) if isinstance(value, str) and value else value
