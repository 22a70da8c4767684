"""Test factories shared by the suites: users, API keys, the brute-force guard's state.

A key is made as the app's endpoints make one (``api_key.issue_secret``): the secret is handed
back here and never set on the document.
"""

from contextlib import contextmanager

import frappe
from frappe.installer import update_site_config

from my_api_app.api_keys.doctype.api_key.api_key import issue_secret


def make_api_key(user: str, scopes=("*",), *, label: str = "test", **fields):
	"""A committed API Key of ``user``: (its document, its secret)."""
	secret, issue = issue_secret()
	doc = frappe.get_doc(
		{
			"doctype": "API Key",
			"label": label,
			"user": user,
			"scopes": [{"scope": scope} for scope in scopes],
			**fields,
		}
	)
	doc.flags.secret_issue = issue
	doc.insert(ignore_permissions=True)
	frappe.db.commit()
	return doc, secret


def roll_api_key(doc, overlap_minutes: int = 60) -> str:
	"""Roll ``doc`` as ``roll_secret`` does; the new secret."""
	secret, issue = issue_secret()
	doc.roll(overlap_minutes, issue)
	frappe.db.commit()
	return secret


def forget_auth_failures() -> None:
	"""The brute-force guard's counts start empty: a test's bad credentials are its own."""
	frappe.cache.delete_keys("my_api_app:auth_failures:")


_ABSENT = object()


@contextmanager
def site_config(**values):
	"""Site config values for the time of a block, in the site's config file (what requests of
	the test, which run on threads of their own, read) and in this thread's ``frappe.conf``; put
	back as they were afterwards, a key that was absent removed again."""
	saved = {key: frappe.get_site_config().get(key, _ABSENT) for key in values}
	for key, value in values.items():
		update_site_config(key, value)
		frappe.local.conf[key] = value
	try:
		yield
	finally:
		for key, value in saved.items():
			update_site_config(key, "None" if value is _ABSENT else value)
			if value is _ABSENT:
				frappe.local.conf.pop(key, None)
			else:
				frappe.local.conf[key] = value
