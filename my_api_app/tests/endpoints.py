"""Endpoints that exist for the test suites only: they answer 404 unless the site allows tests."""

import datetime
from typing import Annotated, Literal

import frappe
from pydantic import Field

from my_api_app.toolkit import Conflict, NotFound, endpoint

FAILURES = {
	"conflict": lambda: Conflict("Something else changed it first."),
	"frappe_validation": lambda: frappe.ValidationError("Frappe says the value is wrong."),
	"frappe_permission": lambda: frappe.PermissionError("Frappe says no."),
	"frappe_missing": lambda: frappe.DoesNotExistError("Frappe cannot find it."),
	"frappe_duplicate": lambda: frappe.DuplicateEntryError("ToDo", "x", None),
	"crash": lambda: ZeroDivisionError("division by zero in the secret sauce"),
}


def _only_on_test_sites() -> None:
	if not frappe.conf.allow_tests:
		raise NotFound("No such endpoint.")


@endpoint(methods="POST")
def write_then_fail(
	marker: Annotated[str, Field(min_length=1, max_length=60)],
	failure: Literal[
		"conflict", "frappe_validation", "frappe_permission", "frappe_missing", "frappe_duplicate", "crash"
	],
) -> None:
	"""Insert a ToDo described by ``marker``, then fail the requested way."""
	_only_on_test_sites()
	frappe.get_doc({"doctype": "ToDo", "description": marker, "allocated_to": frappe.session.user}).insert()
	raise FAILURES[failure]()


@endpoint(methods=("GET", "POST"))
def echo(
	count: Annotated[int, Field(ge=0, le=1000)],
	ratio: float = 1.0,
	flag: bool = False,
	tags: Annotated[list[str], Field(max_length=5)] = [],  # noqa: B006
	when: datetime.date | None = None,
) -> dict:
	"""Return the validated arguments with their Python type names."""
	_only_on_test_sites()
	values = {"count": count, "ratio": ratio, "flag": flag, "tags": tags, "when": when}
	return {name: [value, type(value).__name__] for name, value in values.items()}


# The pair that benchmarks/toolkit_overhead.py compares: the same checks and work, by hand
# with a bare @frappe.whitelist and declared with @endpoint.
@frappe.whitelist(methods=["POST"])
def bare_read_todo(name: str) -> dict:
	_only_on_test_sites()
	if not name or len(name) > 140:
		frappe.throw("name must be 1 to 140 characters")
	if not frappe.db.exists("ToDo", name):
		raise frappe.DoesNotExistError
	if not frappe.has_permission("ToDo", "read", doc=name):
		raise frappe.PermissionError
	return {"status": "success", "data": frappe.db.get_value("ToDo", name, ["name", "status"], as_dict=True)}


@endpoint(methods="POST", permissions=[("ToDo", "read", "name")])
def toolkit_read_todo(name: Annotated[str, Field(min_length=1, max_length=140)]) -> dict:
	_only_on_test_sites()
	return frappe.db.get_value("ToDo", name, ["name", "status"], as_dict=True)


@endpoint(methods="GET", allow_guest=True)
def ping() -> dict:
	"""Answer at once; the target of rate-limit tests and benchmarks (limits come from rules)."""
	_only_on_test_sites()
	return {"pong": True}


@endpoint(methods="GET", allow_guest=True, rate_limit={"limit": 3, "period": 3600, "per": "ip"})
def limited_in_code() -> dict:
	"""An endpoint with its own limit declared in code: 3 per hour per client address."""
	_only_on_test_sites()
	return {"ok": True}
