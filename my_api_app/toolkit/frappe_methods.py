"""Frappe's own methods that check nothing, answered in their place for every DocType
(``override_whitelisted_methods`` in hooks.py). Both are ``@endpoint`` stand-ins, which the
closed world (``shared.rules.closed_world``) judges as the Frappe methods they replace.

- ``frappe.client.get_count`` counts any DocType with any filters, unchecked, so filter by
  filter it tells what the rows hold: here it counts with the caller's permissions.
- ``frappe.desk.like.toggle_like`` writes the liker into any document (and comments on it):
  here it needs read permission on the document.
"""

from typing import Annotated

import frappe
from frappe import _
from pydantic import Field

from my_api_app.shared import frappe_compat
from my_api_app.shared.frappe_world import FrappeWorld
from my_api_app.shared.rules import query_grammar
from my_api_app.shared.rules.errors import Forbidden, InvalidInput, NotFound
from my_api_app.toolkit.decorator import endpoint

DocTypeName = Annotated[str, Field(min_length=1, max_length=140)]
DocumentName = Annotated[str, Field(min_length=1, max_length=140)]


@endpoint(methods=("GET", "POST"), envelope=False, include_in_schema=False)
def toggle_like(doctype: DocTypeName, name: DocumentName, add: bool | str = False) -> None:
	"""``frappe.desk.like.toggle_like`` (override_whitelisted_methods): Frappe 15 lets anyone
	like any document; here only a user who may read it does."""
	from frappe.desk.like import toggle_like as frappes_toggle_like

	frappe.get_doc(doctype, name).check_permission("read")
	frappes_toggle_like(doctype, name, add)


@endpoint(methods=("GET", "POST"), envelope=False, include_in_schema=False)
def get_count(
	doctype: DocTypeName,
	filters: dict | list | str | None = None,
	debug: bool = False,
	cache: bool = False,
) -> int:
	"""``frappe.client.get_count`` (override_whitelisted_methods): Frappe 15 counts any DocType
	with any filters, unchecked, so filter by filter it tells what the rows hold. Here every
	DocType is counted with the caller's permissions (``frappe_compat.count_rows``: Frappe 16's
	own count, which checks them), and the filters name plain fields of the DocType and its own
	tables (``shared.rules.query_grammar``), for every caller. ``debug`` and ``cache`` are Frappe's
	arguments, taken and not used."""
	world = FrappeWorld()  # one: it keeps each DocType's fields once read
	info = world.doctype(doctype)
	if info is None:
		raise NotFound(_("DocType {0} not found.").format(doctype))
	if not frappe.has_permission(doctype, "read"):
		raise Forbidden(_("You may not read {0}.").format(doctype))
	try:
		parsed = query_grammar.parse_json(filters, "filters")
		query_grammar.Query(info, world.doctype).filters(parsed)
	except query_grammar.Refused as error:
		raise InvalidInput.for_field("filters", str(error), "filters") from None
	return frappe_compat.count_rows(doctype, parsed)
