"""The caller's ToDos: list, close, reassign. Document permissions guard every action."""

import datetime
from typing import Annotated, Literal

import frappe
from frappe import _
from pydantic import BaseModel, Field

from my_api_app.examples import EXAMPLES
from my_api_app.toolkit import Conflict, NotFound, endpoint
from my_api_app.toolkit.response_types import SiteDateTime

# The database takes an offset up to 2**64 - 1; a larger number would be a 500, not a 400.
MAX_START = 2**31 - 1
TODO_FIELDS = ["name", "description", "status", "priority", "date", "allocated_to", "modified"]


class Todo(BaseModel):
	"""A ToDo as the list endpoints show it."""

	name: str
	description: str | None = Field(description="HTML, as Frappe stores it.")
	status: Literal["Open", "Closed", "Cancelled"]
	priority: Literal["High", "Medium", "Low"] | None
	date: datetime.date | None = Field(description="The due date.")
	allocated_to: str | None = Field(description="The user it is assigned to.")
	modified: SiteDateTime


class ClosedTodo(BaseModel):
	name: str
	status: Literal["Closed"]


class ReassignedTodo(BaseModel):
	name: str
	allocated_to: str


@endpoint(methods="GET", enabled_by=EXAMPLES)
def list_open(
	limit: Annotated[int, Field(ge=1, le=100)] = 20,
	start: Annotated[int, Field(ge=0, le=MAX_START)] = 0,
) -> list[Todo]:
	"""Open ToDos the caller may read, newest first.

	``limit`` is 1 to 100 (default 20); ``start`` skips that many rows (at most 2**31 - 1).
	"""
	return frappe.get_list(
		"ToDo",
		filters={"status": "Open"},
		fields=TODO_FIELDS,
		order_by="modified desc",
		limit_start=start,
		limit_page_length=limit,
	)


@endpoint(methods="POST", permissions=[("ToDo", "write", "name")], enabled_by=EXAMPLES)
def close(name: str) -> ClosedTodo:
	"""Close a ToDo.

	Needs write permission on the ToDo; closing one that is not open is a conflict (409).
	"""
	todo = frappe.get_doc("ToDo", name, for_update=True)
	if todo.status != "Open":
		raise Conflict(_("ToDo {0} is {1}, not Open.").format(name, todo.status))
	todo.status = "Closed"
	todo.save()
	return {"name": todo.name, "status": todo.status}


@endpoint(methods="POST", permissions=[("ToDo", "write", "name")], enabled_by=EXAMPLES)
def reassign(name: str, user: Annotated[str, Field(min_length=1, max_length=140)]) -> ReassignedTodo:
	"""Give a ToDo to another enabled user.

	Needs write permission on the ToDo. An unknown or disabled ``user`` is not found (404).
	"""
	if not frappe.db.get_value("User", {"name": user, "enabled": 1}):
		raise NotFound(_("No enabled user {0}.").format(user))
	todo = frappe.get_doc("ToDo", name, for_update=True)
	todo.allocated_to = user
	todo.save()
	return {"name": todo.name, "allocated_to": todo.allocated_to}


@endpoint(methods="GET", roles=["System Manager"], enabled_by=EXAMPLES)
def list_open_for(user: Annotated[str, Field(min_length=1, max_length=140)]) -> list[Todo]:
	"""Open ToDos allocated to ``user``: for System Managers only."""
	return frappe.get_all(
		"ToDo",
		filters={"status": "Open", "allocated_to": user},
		fields=TODO_FIELDS,
		order_by="modified desc",
	)
