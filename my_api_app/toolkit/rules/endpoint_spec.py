"""What an endpoint declares, checked when the module is imported.

A declaration that cannot be served safely (a mutation reachable by GET, a permission check
naming an argument the function does not take, an unannotated parameter) fails at import time,
not on the first request. The OpenAPI generator reads these specs and nothing else.
"""

import inspect
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from my_api_app.rate_limits.rules.gcra import Policy
from my_api_app.shared.rules.validation import input_model_for
from my_api_app.toolkit.rules.responses import UNDECLARED, ResponseContract, response_contract

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SUCCESS_STATUSES = (200, 201, 202)
# Permission types that only read; any other type is a mutation and never served over GET.
READ_PTYPES = frozenset({"read", "select", "report", "export", "print", "email"})


@dataclass(frozen=True)
class DocumentPermission:
	"""``frappe.has_permission(doctype, ptype, doc=<value of argument>)`` must hold."""

	doctype: str
	ptype: str
	argument: str


@dataclass(frozen=True)
class EndpointSpec:
	path: str
	methods: tuple[str, ...]
	allow_guest: bool
	roles: tuple[str, ...]
	permissions: tuple[DocumentPermission, ...]
	status: int
	input_model: type[BaseModel]
	summary: str
	description: str
	# What ``data`` of the success envelope is: the return annotation, validated (toolkit.rules.responses).
	response: ResponseContract
	rate_limit: Policy | None = None
	# False keeps the endpoint out of the OpenAPI document (test-only or self-describing ones).
	include_in_schema: bool = True
	# False answers as Frappe's own methods do, the data itself in ``message`` (for Desk's number
	# cards and chart sources, and for stand-ins of Frappe methods that clients read that way).
	envelope: bool = True
	# A site config key that must be set for the endpoint to exist (404 and out of the OpenAPI
	# document otherwise): the example endpoints, the test suites' endpoints.
	enabled_by: str | None = None

	@property
	def mutates(self) -> bool:
		return self.status != 200 or any(p.ptype not in READ_PTYPES for p in self.permissions)


def build_spec(
	fn: Callable,
	*,
	methods: Iterable[str],
	allow_guest: bool,
	roles: Iterable[str],
	permissions: Iterable[DocumentPermission | tuple[str, str, str]],
	status: int,
	rate_limit: tuple[int, int] | dict | None = None,
	include_in_schema: bool = True,
	raw_types: tuple[type, ...] = (),
	unchecked_response: str | None = None,
	envelope: bool = True,
	enabled_by: str | None = None,
) -> EndpointSpec:
	where = f"{fn.__module__}.{fn.__qualname__}"
	methods = tuple(dict.fromkeys(m.upper() for m in ([methods] if isinstance(methods, str) else methods)))
	if not methods or set(methods) - set(HTTP_METHODS):
		raise ValueError(f"{where}: methods must be some of {', '.join(HTTP_METHODS)}, got {methods}")
	if status not in SUCCESS_STATUSES:
		raise ValueError(f"{where}: status must be one of {SUCCESS_STATUSES}, got {status}")
	roles = tuple(roles)
	if allow_guest and roles:
		raise ValueError(f"{where}: a guest endpoint cannot also require roles")
	if not envelope and include_in_schema:
		raise ValueError(
			f"{where}: an endpoint answering in Frappe's shape (envelope=False) stays out of the OpenAPI document"
		)

	perms = tuple(p if isinstance(p, DocumentPermission) else DocumentPermission(*p) for p in permissions)
	parameters = inspect.signature(fn).parameters
	for perm in perms:
		if perm.argument not in parameters:
			raise ValueError(
				f"{where}: permission on {perm.doctype} names argument {perm.argument!r}, "
				"which the function does not take"
			)

	policy = None
	if rate_limit is not None:
		options = (
			dict(rate_limit)
			if isinstance(rate_limit, dict)
			else dict(zip(("limit", "period"), rate_limit, strict=True))
		)
		try:
			policy = Policy(name=where, **options)
		except (TypeError, ValueError) as error:
			raise ValueError(f"{where}: rate_limit {rate_limit!r}: {error}") from None

	doc = inspect.getdoc(fn) or ""
	summary, _, description = doc.partition("\n\n")
	spec = EndpointSpec(
		path=where,
		methods=methods,
		allow_guest=allow_guest,
		roles=roles,
		permissions=perms,
		status=status,
		input_model=input_model_for(fn),
		summary=" ".join(summary.split()),
		description=description.strip(),
		rate_limit=policy,
		response=response_contract(
			typing.get_type_hints(fn, include_extras=True).get("return", UNDECLARED),
			where=where,
			raw_types=raw_types,
			unchecked_reason=unchecked_response,
		),
		include_in_schema=include_in_schema,
		envelope=envelope,
		enabled_by=enabled_by,
	)
	if spec.mutates and "GET" in methods:
		raise ValueError(
			f"{where}: a mutation (status {status} or a write permission) is never reachable by GET"
		)
	return spec
