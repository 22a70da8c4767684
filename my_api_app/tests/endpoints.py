"""Endpoints that exist for the test suites only: they answer 404 unless the app's tests run in
this process (its ``before_tests`` hook) or the site config sets ``my_api_app_test_endpoints``
(the bench tier does, for the HTTP tests, on the site it makes and drops), and are left out of
the OpenAPI document. None of them bypasses permissions."""

import datetime
from typing import Annotated, Literal

import frappe
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from my_api_app.examples.todos import TODO_FIELDS, Todo
from my_api_app.request_log import buffer
from my_api_app.toolkit import Conflict, NotFound, endpoint
from my_api_app.toolkit.decorator import _ENABLED_IN_THIS_PROCESS

FAILURES = {
	"conflict": lambda: Conflict("Something else changed it first."),
	"frappe_validation": lambda: frappe.ValidationError("Frappe says the value is wrong."),
	"frappe_permission": lambda: frappe.PermissionError("Frappe says no."),
	"frappe_missing": lambda: frappe.DoesNotExistError("Frappe cannot find it."),
	"frappe_duplicate": lambda: frappe.DuplicateEntryError("ToDo", "x", None),
	"crash": lambda: ZeroDivisionError("division by zero in the secret sauce"),
	"deadlock": lambda: frappe.QueryDeadlockError("Deadlock found when trying to get lock"),
}


class Echo(TypedDict):
	"""Each argument as ``[value, Python type name]``."""

	count: tuple[int, str]
	ratio: tuple[float, str]
	flag: tuple[bool, str]
	tags: tuple[list[str], str]
	when: tuple[datetime.date | None, str]


class Shown(BaseModel):
	name: str
	label: str


class TodoStatus(BaseModel):
	name: str
	status: str


class Pong(BaseModel):
	pong: bool


class Ok(BaseModel):
	ok: bool


class Flushed(BaseModel):
	written: int
	batches: int
	recovered: int
	dropped: int
	locked: bool


class NoteTitle(BaseModel):
	title: str | None


TEST_ENDPOINTS = "my_api_app_test_endpoints"


@endpoint(methods="POST", include_in_schema=False, enabled_by=TEST_ENDPOINTS)
def write_then_fail(
	marker: Annotated[str, Field(min_length=1, max_length=60)],
	failure: Literal[
		"conflict",
		"frappe_validation",
		"frappe_permission",
		"frappe_missing",
		"frappe_duplicate",
		"crash",
		"deadlock",
	],
) -> None:
	"""Insert a ToDo described by ``marker``, then fail the requested way."""
	frappe.get_doc({"doctype": "ToDo", "description": marker, "allocated_to": frappe.session.user}).insert()
	raise FAILURES[failure]()


@endpoint(methods=("GET", "POST"), include_in_schema=False, enabled_by=TEST_ENDPOINTS)
def echo(
	count: Annotated[int, Field(ge=0, le=1000)],
	ratio: float = 1.0,
	flag: bool = False,
	tags: Annotated[list[str], Field(max_length=5)] = [],  # noqa: B006
	when: datetime.date | None = None,
) -> Echo:
	"""Return the validated arguments with their Python type names."""
	values = {"count": count, "ratio": ratio, "flag": flag, "tags": tags, "when": when}
	return {name: [value, type(value).__name__] for name, value in values.items()}


@endpoint(methods="POST", include_in_schema=False, enabled_by=TEST_ENDPOINTS)
def answer_as(shape: Literal["extra", "mismatch"], marker: Annotated[str, Field(max_length=60)]) -> Shown:
	"""Answer more than ``Shown`` declares (``extra``: an undeclared field holding ``marker``), or
	something it does not allow (``mismatch``: ``marker`` where the declaration wants no list),
	after writing a ToDo described by ``marker``."""
	frappe.get_doc({"doctype": "ToDo", "description": marker, "allocated_to": frappe.session.user}).insert()
	if shape == "extra":
		return {"name": "shown", "label": "also shown", "secret": marker}
	return {"name": [marker], "label": "shown"}


# The pair that benchmarks/response_model.py compares: the same 50 rows answered through their
# response model and unchecked.
def _fifty_todos() -> list[dict]:
	return frappe.get_list("ToDo", fields=TODO_FIELDS, order_by="modified desc", limit_page_length=50)


@endpoint(methods="GET", include_in_schema=False, enabled_by=TEST_ENDPOINTS)
def fifty_todos() -> list[Todo]:
	"""The 50 newest ToDos, validated and serialised with ``list[Todo]``."""
	return _fifty_todos()


@endpoint(
	methods="GET",
	include_in_schema=False,
	enabled_by=TEST_ENDPOINTS,
	unchecked_response="The baseline of benchmarks/response_model.py: fifty_todos' rows, unchecked.",
)
def fifty_todos_unchecked() -> list[Todo]:
	"""The same rows as ``fifty_todos``, as Frappe serialises them."""
	return _fifty_todos()


# The pair that benchmarks/toolkit_overhead.py compares: the same checks and work, by hand
# with a bare @frappe.whitelist (the one function of the app that is not an @endpoint: it is the
# baseline) and declared with @endpoint.
@frappe.whitelist(methods=["POST"])
def bare_read_todo(name: str) -> dict:
	if not (TEST_ENDPOINTS in _ENABLED_IN_THIS_PROCESS or frappe.conf.get(TEST_ENDPOINTS)):
		raise NotFound("No such endpoint.")
	if not name or len(name) > 140:
		frappe.throw("name must be 1 to 140 characters")
	if not frappe.db.exists("ToDo", name):
		raise frappe.DoesNotExistError
	if not frappe.has_permission("ToDo", "read", doc=name):
		raise frappe.PermissionError
	return {"status": "success", "data": frappe.db.get_value("ToDo", name, ["name", "status"], as_dict=True)}


@endpoint(
	methods="POST", permissions=[("ToDo", "read", "name")], include_in_schema=False, enabled_by=TEST_ENDPOINTS
)
def toolkit_read_todo(name: Annotated[str, Field(min_length=1, max_length=140)]) -> TodoStatus:
	return frappe.db.get_value("ToDo", name, ["name", "status"], as_dict=True)


@endpoint(methods="GET", allow_guest=True, include_in_schema=False, enabled_by=TEST_ENDPOINTS)
def ping() -> Pong:
	"""Answer at once; the target of rate-limit tests and benchmarks (limits come from rules)."""
	return {"pong": True}


@endpoint(
	methods="GET",
	allow_guest=True,
	rate_limit={"limit": 3, "period": 3600, "per": "ip"},
	include_in_schema=False,
	enabled_by=TEST_ENDPOINTS,
)
def limited_in_code() -> Ok:
	"""An endpoint with its own limit declared in code: 3 per hour per client address."""
	return {"ok": True}


@endpoint(methods="POST", roles=["System Manager"], include_in_schema=False, enabled_by=TEST_ENDPOINTS)
def flush_request_log() -> Flushed:
	"""Write the queued request log records now (what the minute scheduler and the enqueued
	flush do), so HTTP tests and benchmarks need not wait for them."""
	return buffer.flush()


@endpoint(
	methods="GET", permissions=[("Note", "read", "name")], include_in_schema=False, enabled_by=TEST_ENDPOINTS
)
def can_read_note(name: Annotated[str, Field(min_length=1, max_length=140)]) -> NoteTitle:
	"""The attack suite: a document shared with the caller's user, outside the key's scopes."""
	return {"title": frappe.db.get_value("Note", name, "title")}
