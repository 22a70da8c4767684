"""Scopes: what an API key or token may call, and the scope each request needs.

Three kinds of scope string:

- ``*``: everything the key's user may do.
- ``method:<pattern>``: whitelisted methods by dotted path, e.g. ``method:my_api_app.examples.orders.*``.
  ``*`` is the only wildcard and matches any run of characters, dots included.
- ``doctype:<DocType>:<access>``: the document REST routes of one DocType, access being
  read, write, create or delete, e.g. ``doctype:Sales Invoice:write``.

A scope only narrows: the request still runs as the key's user, with that user's permissions.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, unquote

from pydantic import Field

FULL_ACCESS = "*"
ACCESS_LEVELS = ("read", "write", "create", "delete")
MAX_DOCTYPE_LENGTH = 140
_METHOD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.*")
_PTYPE_ACCESS = {
	**dict.fromkeys(("read", "select", "print", "email", "report", "export"), "read"),
	**dict.fromkeys(("write", "submit", "cancel", "amend", "share"), "write"),
	**dict.fromkeys(("create", "import"), "create"),
	"delete": "delete",
}


# The grammar as a regular expression (ECMA 262 and Rust's regex alike, no look-around), for the
# OpenAPI document and pydantic: every string it matches is a scope in canonical form (what
# parse_scope accepts, nothing to strip), in at most 140 characters (the stored column). DocType
# names are letters, digits, _, - and inner spaces here.
SCOPE_PATTERN = (
	r"^(\*"
	r"|method:([A-Za-z0-9_*]+\.)*\**[A-Za-z0-9_][A-Za-z0-9_*]*(\.[A-Za-z0-9_*]+)*"
	r"|doctype:[A-Za-z0-9_]([A-Za-z0-9_ -]*[A-Za-z0-9_-])?:(read|write|create|delete))$"
)
MAX_SCOPE_LENGTH = 140
ScopeText = Annotated[
	str,
	Field(
		pattern=SCOPE_PATTERN,
		max_length=MAX_SCOPE_LENGTH,
		description="`*`, `method:<dotted path, * as wildcard>` or `doctype:<DocType>:<read|write|create|delete>`.",
		examples=["method:my_api_app.examples.orders.*", "doctype:ToDo:read"],
	),
]


class ScopeError(ValueError):
	pass


@dataclass(frozen=True)
class Scope:
	kind: str  # "all", "method" or "doctype"
	pattern: str | None = None
	doctype: str | None = None
	access: str | None = None

	def __str__(self) -> str:
		if self.kind == "method":
			return f"method:{self.pattern}"
		if self.kind == "doctype":
			return f"doctype:{self.doctype}:{self.access}"
		return FULL_ACCESS


def _method_scope(text: str, pattern: str) -> Scope:
	if not pattern or not set(pattern) <= _METHOD_CHARS:
		raise ScopeError(f"{text!r}: a method pattern is a dotted path of letters, digits, _ and *")
	if "" in pattern.split("."):
		raise ScopeError(f"{text!r}: the method pattern has an empty part between dots")
	if not set(pattern) - {"*", "."}:
		raise ScopeError(f"{text!r}: a method pattern must name something; use * for full access")
	return Scope("method", pattern=pattern)


def _doctype_scope(text: str, rest: str) -> Scope:
	doctype, sep, access = rest.rpartition(":")
	doctype = doctype.strip()
	if not sep or access not in ACCESS_LEVELS:
		raise ScopeError(f"{text!r}: a DocType scope ends with :{' or :'.join(ACCESS_LEVELS)}")
	if not doctype or ":" in doctype or len(doctype) > MAX_DOCTYPE_LENGTH or not doctype.isprintable():
		raise ScopeError(
			f"{text!r}: the DocType name must be 1 to {MAX_DOCTYPE_LENGTH} printable characters without ':'"
		)
	return Scope("doctype", doctype=doctype, access=access)


def parse_scope(text: str) -> Scope:
	"""One scope string, validated; ``str()`` of the result is its canonical form."""
	stripped = text.strip()
	if stripped == FULL_ACCESS:
		return Scope("all")
	kind, sep, rest = stripped.partition(":")
	if sep and kind == "method":
		return _method_scope(text, rest)
	if sep and kind == "doctype":
		return _doctype_scope(text, rest)
	raise ScopeError(f"{text!r}: a scope is *, method:<pattern> or doctype:<DocType>:<access>")


def normalize_scopes(items: Iterable[str]) -> tuple[str, ...]:
	"""Canonical, deduplicated, sorted scope strings; blank items are skipped, none at all is an error."""
	scopes = sorted({str(parse_scope(item)) for item in items if item.strip()})
	if not scopes:
		raise ScopeError("at least one scope is needed")
	return tuple(scopes)


def scope_claim(scopes: Iterable[str]) -> str:
	"""The JWT ``scope`` claim: space separated, each scope percent-encoded (DocType names have spaces)."""
	return " ".join(quote(scope, safe=":*") for scope in scopes)


def scopes_from_claim(claim: str) -> tuple[str, ...]:
	return tuple(unquote(part) for part in claim.split(" ") if part)


def _glob_match(parts: tuple[str, ...], text: str) -> bool:
	"""``parts`` is a pattern split at its ``*``s. Linear scans only: no regex backtracking on hostile names."""
	first, *middle, last = parts
	if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
		return False
	position, end = len(first), len(text) - len(last)
	for part in middle:
		found = text.find(part, position, end)
		if found < 0:
			return False
		position = found + len(part)
	return True


class ScopeSet:
	"""Parsed scopes, arranged for the per-request check."""

	def __init__(self, scopes: Iterable[str]):
		parsed = {parse_scope(text) for text in scopes}
		self.strings: tuple[str, ...] = tuple(sorted(str(scope) for scope in parsed))
		self.is_full = any(scope.kind == "all" for scope in parsed)
		methods = [scope.pattern for scope in parsed if scope.kind == "method"]
		self._exact_methods = frozenset(p for p in methods if "*" not in p)
		self._method_globs = tuple(tuple(p.split("*")) for p in methods if "*" in p)
		doctypes: dict[str, set[str]] = {}
		for scope in parsed:
			if scope.kind == "doctype":
				doctypes.setdefault(scope.doctype, set()).add(scope.access)
		self._doctypes = {doctype: frozenset(access) for doctype, access in doctypes.items()}

	def __repr__(self) -> str:
		return f"ScopeSet({list(self.strings)!r})"

	def allows_method(self, dotted: str) -> bool:
		"""Whether a method scope names ``dotted`` (``shared.rules.closed_world`` asks this only of the
		toolkit endpoint a call runs)."""
		return (
			self.is_full
			or dotted in self._exact_methods
			or any(_glob_match(parts, dotted) for parts in self._method_globs)
		)

	def allows_doctype(self, doctype: str, access: str) -> bool:
		return self.is_full or access in self._doctypes.get(doctype, ())

	def allows(self, required: str) -> bool:
		"""Whether these scopes grant ``required``, a string from ``required_scopes``."""
		if self.is_full:
			return True
		kind, _, rest = required.partition(":")
		if kind == "method":
			return self.allows_method(rest)
		if kind == "doctype":
			doctype, _, access = rest.rpartition(":")
			return self.allows_doctype(doctype, access)
		return False


def covers(granted: ScopeSet, requested: str) -> bool:
	"""Whether a token may carry ``requested`` given the key's scopes (a token can only narrow).

	A wildcard pattern is covered only by full access or by the same pattern: patterns are
	not compared for inclusion. Raises ScopeError when ``requested`` is not a valid scope.
	"""
	scope = parse_scope(requested)
	if granted.is_full or str(scope) in granted.strings:
		return True
	if scope.kind == "method" and "*" not in scope.pattern:
		return granted.allows_method(scope.pattern)
	if scope.kind == "doctype":
		return granted.allows_doctype(scope.doctype, scope.access)
	return False


def access_for_ptype(ptype: str) -> str:
	"""The scope access a Frappe permission type needs; an unknown type needs write."""
	return _PTYPE_ACCESS.get(ptype, "write")
