"""The closed grammar of a scoped credential's document queries and writes.

Frappe's list queries take ``fields``, filters, ``order_by`` and ``group_by`` in many
spellings, some of which reach past the DocType asked for: ``"<link field>.<field>"`` joins
the linked DocType (checked at DocType level only), ``[other DocType, field, op, value]`` joins
any table, SQL functions and aliases are text Frappe passes on. A scoped credential's query is
therefore parsed here into plain parts first: a query that names anything but plain fields of
the DocType (and of its own child tables), or an argument this grammar does not know, is
refused with :class:`Refused`, never passed on.

Everything is read from the values as the client sent them (query strings, form fields or a
JSON body): lists and objects may come as JSON text, numbers and flags as text.
"""

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

# Frappe's frappe.model.default_fields, optional_fields and child_table_fields (a bench test
# holds these equal to Frappe's).
DEFAULT_FIELDS = frozenset(
	("doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx")
)
OPTIONAL_FIELDS = frozenset(("_user_tags", "_comments", "_assign", "_liked_by", "_seen"))
CHILD_TABLE_FIELDS = frozenset(("parent", "parentfield", "parenttype"))
STANDARD_FIELDS = DEFAULT_FIELDS | OPTIONAL_FIELDS

OPERATORS = frozenset(
	(
		"=",
		"!=",
		">",
		"<",
		">=",
		"<=",
		"like",
		"not like",
		"in",
		"not in",
		"is",
		"between",
		"timespan",
		"descendants of",
		"ancestors of",
		"not descendants of",
		"not ancestors of",
		"descendants of (inclusive)",
	)
)
# Tree operators read the tree of the DocType a field links to: only a DocType's own tree.
TREE_OPERATORS = frozenset(
	(
		"descendants of",
		"ancestors of",
		"not descendants of",
		"not ancestors of",
		"descendants of (inclusive)",
	)
)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_BARE = re.compile(_NAME)
_PLAIN = re.compile(rf"`({_NAME})`|({_NAME})")
_QUALIFIED = re.compile(rf"(?:`tab([^`]+)`|tab([A-Za-z0-9_]+))\.(?:`({_NAME})`|({_NAME}))")
_TABLE_FIELD = re.compile(rf"({_NAME})\.({_NAME})")
_ORDER = re.compile(r"(.+?)(?:\s+(asc|desc))?", re.IGNORECASE)
MAX_PAGE = 10**9


class Refused(ValueError):
	"""The arguments are outside the grammar: the call cannot be proven to stay in its DocType."""


@dataclass(frozen=True)
class DocTypeInfo:
	"""What the grammar needs to know of a DocType (the Frappe side reads it from the meta)."""

	name: str
	fields: frozenset[str]  # the columns of the DocType's own table (Frappe's valid columns)
	tables: Mapping[str, str]  # table field -> its child DocType
	links: Mapping[str, str]  # Link field -> the DocType it links to
	is_table: bool = False
	is_single: bool = False

	def has_field(self, field: str) -> bool:
		return field in self.fields

	def takes(self, key: str) -> bool:
		"""A key a document of this DocType may carry when it is written."""
		return key in self.fields or key in STANDARD_FIELDS or (self.is_table and key in CHILD_TABLE_FIELDS)


Lookup = Callable[[str], DocTypeInfo | None]  # a DocType by its exact name; None if there is none


def parse_json(value, what: str):
	"""A list or object argument, given as JSON text (a query string, a form) or as JSON (a body)."""
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			raise Refused(f"{what} is not valid JSON") from None
	return value


def flag(value, what: str) -> bool:
	"""A boolean as Frappe reads one (``sbool``/``cint``): a bool, 0/1, or their text."""
	if isinstance(value, bool) or value is None:
		return bool(value)
	if isinstance(value, int) and value in (0, 1):
		return bool(value)
	if isinstance(value, str) and value.strip().lower() in ("", "0", "1", "true", "false"):
		return value.strip().lower() in ("1", "true")
	raise Refused(f"{what} must be true or false")


def count(value, what: str) -> int | None:
	"""A non-negative whole number (a limit or offset), or None when absent."""
	if value is None or value == "":
		return None
	if isinstance(value, bool):
		raise Refused(f"{what} must be a whole number")
	if isinstance(value, int):
		number = value
	elif isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
		number = int(value.strip())
	else:
		raise Refused(f"{what} must be a whole number")
	if not 0 <= number <= MAX_PAGE:
		raise Refused(f"{what} is out of range")
	return number


class Query:
	"""One DocType's query as a scoped credential may send it: fields of that DocType and of
	its own child tables, nothing else."""

	def __init__(self, doctype: DocTypeInfo, lookup: Lookup):
		self.doctype = doctype
		self._lookup = lookup

	def _child(self, name: str) -> DocTypeInfo:
		"""A child DocType of this one (a table field names it), else Refused."""
		if name == self.doctype.name:
			return self.doctype
		if name not in self.doctype.tables.values():
			raise Refused(f"{name} is not {self.doctype.name} or one of its tables")
		child = self._lookup(name)
		if child is None:
			raise Refused(f"{name} is not a DocType")
		return child

	def column(self, token, what: str) -> None:
		"""A column as ``fields``, ``order_by`` and ``group_by`` name it: ``f``, `` `f` ``,
		`` `tab<DocType>`.`f` `` (this DocType or one of its tables) or ``<table field>.f``."""
		if not isinstance(token, str):
			raise Refused(f"{what} must be field names")
		text = token.strip()
		if match := _PLAIN.fullmatch(text):
			return self._field(self.doctype, match.group(1) or match.group(2), what)
		if match := _QUALIFIED.fullmatch(text):
			table, bare_table, field, bare_field = match.groups()
			return self._field(self._child(table or bare_table), field or bare_field, what)
		if match := _TABLE_FIELD.fullmatch(text):
			table_field, field = match.groups()
			if table_field not in self.doctype.tables:
				raise Refused(
					f"{what}: {text} reaches through {table_field}, which is not a table of {self.doctype.name}"
				)
			return self._field(self._child(self.doctype.tables[table_field]), field, what)
		raise Refused(f"{what}: {token!r} is not a plain field of {self.doctype.name}")

	def _field(self, doctype: DocTypeInfo, field: str, what: str) -> None:
		if not doctype.has_field(field):
			raise Refused(f"{what}: {doctype.name} has no field {field}")

	def fields(self, value) -> None:
		"""``fields``: a list of columns (or its JSON text), or ``*``."""
		if value is None or value == "" or value == "*":
			return
		items = parse_json(value, "fields")
		if isinstance(items, str):
			items = [items]
		if not isinstance(items, list):
			raise Refused("fields must be a list of field names")
		for item in items:
			if item != "*":
				self.column(item, "fields")

	def order_by(self, value, what: str = "order_by") -> None:
		"""``order_by``: ``column [asc|desc]``, comma separated."""
		if value is None or value == "":
			return
		if not isinstance(value, str):
			raise Refused(f"{what} must be text")
		for part in value.split(","):
			match = _ORDER.fullmatch(part.strip())
			if not match:
				raise Refused(f"{what}: {part.strip()!r} is not a field and a direction")
			self.column(match.group(1), what)

	def group_by(self, value) -> None:
		if value is None or value == "":
			return
		if not isinstance(value, str):
			raise Refused("group_by must be text")
		for part in value.split(","):
			self.column(part, "group_by")

	def filters(self, value, what: str = "filters") -> None:
		"""Filters as Frappe takes them: ``{field: value}``, ``{field: [op, value]}``, a list of
		``[field, op, value]`` or ``[DocType, field, op, value]`` (this DocType or one of its
		tables), or their JSON text."""
		if value is None or value == "":
			return
		filters = parse_json(value, what)
		if isinstance(filters, Mapping):
			for field, condition in filters.items():
				if isinstance(condition, list | tuple):
					if len(condition) != 2:
						raise Refused(f"{what}: {field} needs [operator, value]")
					self._condition(self.doctype, field, condition[0], condition[1], what)
				else:
					self._condition(self.doctype, field, "=", condition, what)
			return
		if not isinstance(filters, list):
			raise Refused(f"{what} must be an object or a list")
		for condition in filters:
			if not isinstance(condition, list | tuple):
				raise Refused(f"{what}: each condition is a list")
			if len(condition) == 3:
				self._condition(self.doctype, *condition, what)
			elif len(condition) == 4:
				doctype, *rest = condition
				if not isinstance(doctype, str):
					raise Refused(f"{what}: a condition's DocType must be a name")
				self._condition(self._child(doctype), *rest, what)
			else:
				raise Refused(
					f"{what}: a condition is [field, operator, value] or [DocType, field, operator, value]"
				)

	def _condition(self, doctype: DocTypeInfo, field, operator, value, what: str) -> None:
		if not isinstance(field, str) or not _BARE.fullmatch(field):
			raise Refused(f"{what}: {field!r} is not a plain field of {doctype.name}")
		self._field(doctype, field, what)
		if not isinstance(operator, str) or operator.strip().lower() not in OPERATORS:
			raise Refused(f"{what}: {operator!r} is not an operator")
		if (
			operator.strip().lower() in TREE_OPERATORS
			and field != "name"
			and doctype.links.get(field) != doctype.name
		):
			raise Refused(f"{what}: {operator} reads the tree of the DocType {field} links to")
		_value(value, what)


def _value(value, what: str) -> None:
	scalar = (str, int, float, bool, type(None))
	if isinstance(value, scalar):
		return
	if isinstance(value, list | tuple) and all(isinstance(item, scalar) for item in value):
		return
	raise Refused(f"{what}: a value is text, a number or a list of them")


def document(doctype: DocTypeInfo, lookup: Lookup, doc, *, creating: bool) -> None:
	"""A document as a create or update sends it: fields of the DocType, and rows (fields of
	its child DocTypes) in its table fields. ``doctype``, when given, must be this DocType."""
	if not isinstance(doc, Mapping):
		raise Refused(f"the {doctype.name} document must be an object")
	for key, value in doc.items():
		if key == "doctype":
			if value != doctype.name:
				raise Refused(f"the document is a {value}, not a {doctype.name}")
		elif key == "__newname" and creating:
			if not isinstance(value, str):
				raise Refused("__newname must be text")
		elif key in doctype.tables:
			_rows(lookup(doctype.tables[key]), key, value)
		elif not isinstance(key, str) or not doctype.takes(key):
			raise Refused(f"{doctype.name} has no field {key!r}")


def _rows(child: DocTypeInfo | None, table_field: str, rows) -> None:
	if child is None:
		raise Refused(f"{table_field} is not a table")
	if rows is None:
		return
	if not isinstance(rows, list):
		raise Refused(f"{table_field} must be a list of rows")
	for row in rows:
		if not isinstance(row, Mapping):
			raise Refused(f"{table_field}: each row is an object")
		for key in row:
			if key == "doctype":
				if row[key] != child.name:
					raise Refused(f"{table_field}: a row is a {row[key]}, not a {child.name}")
			elif key in child.tables or not isinstance(key, str) or not child.takes(key):
				raise Refused(f"{child.name} has no field {key!r}")


def only(form: Mapping, allowed: Iterable[str], what: str) -> None:
	"""Every argument is one the route or method takes: an unknown one is refused, not ignored."""
	unknown = sorted(str(key) for key in form if key not in allowed)
	if unknown:
		raise Refused(f"{what} takes no argument {', '.join(unknown)}")
