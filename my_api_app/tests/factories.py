"""Test factories shared by the suites: users, API keys, webhook sources, the site's config and
settings, the brute-force guard's state, a bench command in a process of its own.

A key is made as the app's endpoints make one (``api_key.issue_secret``): the secret is handed
back here and never set on the document.
"""

import os
import subprocess
import sys
from contextlib import contextmanager

import frappe
from frappe.installer import update_site_config
from frappe.utils import get_bench_path

from my_api_app.api_keys.doctype.api_key.api_key import issue_secret
from my_api_app.request_log import settings as request_log_settings
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.testing import make_api_user


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


def make_webhook_source(slug: str, scheme: str, secrets: list[dict], *, handler: str, **fields) -> None:
	"""A committed Webhook Source (made afresh when one of that slug exists)."""
	if frappe.db.exists("Webhook Source", slug):
		frappe.delete_doc("Webhook Source", slug, force=True, ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Webhook Source",
			"slug": slug,
			"scheme": scheme,
			"handler": handler,
			"queue": "short",
			"secrets": secrets,
			**fields,
		}
	).insert()
	frappe.db.commit()


def set_request_log(on: bool) -> None:
	"""Switch the request log in System Settings as Desk does (a document save)."""
	system_settings = frappe.get_single("System Settings")
	system_settings.set(request_log_settings.SETTING, int(on))
	system_settings.flags.ignore_mandatory = True  # a test site never ran the setup wizard
	system_settings.save(ignore_permissions=True)
	frappe.db.commit()


def bench_command(*arguments: str, timeout: int = 120) -> subprocess.CompletedProcess:
	"""``bench --site SITE <arguments>`` in a process of its own (output captured as text)."""
	return subprocess.run(
		[
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			frappe.local.site,
			*arguments,
		],
		cwd=os.path.join(get_bench_path(), "sites"),
		capture_output=True,
		text=True,
		timeout=timeout,
	)


class ApiUsersTestCase(IntegrationTestCase):
	"""A bench test case with committed users that call the API: ``USERS`` maps a class attribute
	to (email, roles), and each attribute holds that user's Frappe key pair (``make_api_user``)."""

	USERS: dict[str, tuple[str, tuple[str, ...]]] = {}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for attribute, (email, roles) in cls.USERS.items():
			setattr(cls, attribute, make_api_user(email, roles))
