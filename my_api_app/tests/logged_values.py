"""How Frappe's Error Log prints values held in a failed request's frames, for the secret scans
(bench: ``tests/test_secret_scans.py``; HTTP: ``my_api_app/tests/http/secret_scans_test.py``, through
``bench execute my_api_app.tests.logged_values.masked_forms``).

The printing is done by the traceback library Frappe ships, in versions that print objects
differently: Frappe 15's (2.0) by ``repr``, Frappe 16's (2.2) by its own rendering of an object's
fields, using ``str`` for a value that has one. A ``Secret`` prints ``********`` either way."""

import re

import frappe

from my_api_app.shared.rules.secret import Secret


def as_logged(value) -> str:
	"""``value`` as the Error Log prints a local variable holding it."""

	def holding(shown):
		raise RuntimeError

	try:
		holding(value)
	except RuntimeError:
		text = frappe.get_traceback(with_context=True)
	return re.findall(r"^\s+shown = (.*)$", text, re.MULTILINE)[-1]


def masked_forms() -> dict[str, str]:
	"""A Secret as the Error Log prints it held in an object's field, and a tuple of one."""
	return {"secret": as_logged(Secret("-")), "secrets": as_logged((Secret("-"),))}
