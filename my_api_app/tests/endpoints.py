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
