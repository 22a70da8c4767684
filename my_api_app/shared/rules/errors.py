"""The API's error vocabulary and the structured error object that carries it.

Plain Python: the Frappe side maps its own exceptions onto these kinds and renders them
inside Frappe's usual error body (``exc_type`` and ``_server_messages`` stay).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# status -> (machine-readable type, human title). Types are stable: clients branch on them.
ERROR_KINDS: dict[int, tuple[str, str]] = {
	400: ("invalid_input", "Invalid input"),
	401: ("unauthenticated", "Authentication required"),
	403: ("forbidden", "Forbidden"),
	404: ("not_found", "Not found"),
	405: ("method_not_allowed", "Method not allowed"),
	409: ("conflict", "Conflict"),
	410: ("gone", "Gone"),
	413: ("payload_too_large", "Payload too large"),
	415: ("unsupported_media_type", "Unsupported media type"),
	429: ("rate_limited", "Too many requests"),
	500: ("internal_error", "Internal server error"),
	501: ("not_implemented", "Not implemented"),
	503: ("unavailable", "Service unavailable"),
}


def kind_for_status(status: int) -> tuple[str, str]:
	"""The (type, title) for a status; unknown codes fall back to their class (4xx or 5xx)."""
	if status in ERROR_KINDS:
		return ERROR_KINDS[status]
	return ERROR_KINDS[400] if status < 500 else ERROR_KINDS[500]


@dataclass(frozen=True)
class FieldError:
	"""One invalid input field: where it is, what is wrong, and a stable error type."""

	field: str
	path: tuple[str | int, ...]
	message: str
	type: str

	def as_dict(self) -> dict:
		return {"field": self.field, "path": list(self.path), "message": self.message, "type": self.type}


class ApiError(Exception):
	"""An error with an HTTP status that the API reports as a structured body.

	``http_status_code`` is the attribute Frappe reads from any exception, so these errors
	keep their status even when raised outside the toolkit (in an auth or rate-limit hook).
	"""

	http_status_code = 500

	def __init__(
		self,
		detail: str | None = None,
		*,
		title: str | None = None,
		fields: Sequence[FieldError] = (),
		headers: Mapping[str, str] | None = None,
		type: str | None = None,
		status: int | None = None,
	):
		if status is not None:
			self.http_status_code = status
		kind_type, kind_title = kind_for_status(self.http_status_code)
		self.type = type or kind_type
		self.title = title or kind_title
		self.detail = detail or self.title
		self.fields = tuple(fields)
		self.headers = dict(headers or {})
		super().__init__(self.detail)

	@property
	def status(self) -> int:
		return self.http_status_code

	def as_dict(self, request_id: str | None = None) -> dict:
		return error_object(
			status=self.status,
			type=self.type,
			title=self.title,
			detail=self.detail,
			fields=self.fields,
			request_id=request_id,
		)


class InvalidInput(ApiError):
	http_status_code = 400

	def __init__(self, fields: Sequence[FieldError], detail: str | None = None):
		names = ", ".join(dict.fromkeys(f.field or "(body)" for f in fields))
		default = (
			f"1 field is invalid: {names}." if len(fields) == 1 else f"{len(fields)} field errors: {names}."
		)
		super().__init__(detail or default, fields=fields)

	@classmethod
	def for_field(cls, field: str, message: str, type: str) -> "InvalidInput":
		"""One invalid top-level argument, found by the endpoint's own checks."""
		return cls([FieldError(field=field, path=(field,), message=message, type=type)])


class Unauthenticated(ApiError):
	http_status_code = 401


class Forbidden(ApiError):
	http_status_code = 403


class MissingScope(Forbidden):
	"""403 for a credential whose scopes do not cover the call; names the scope (also in
	``WWW-Authenticate`` as RFC 6750's ``insufficient_scope``)."""

	def __init__(self, scope: str, reason: str | None = None):
		self.scope = scope
		super().__init__(
			f"This credential lacks the scope {scope}" + (f": {reason}." if reason else "."),
			title="Missing scope",
			type="missing_scope",
			headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
		)


class NotFound(ApiError):
	http_status_code = 404


class MethodNotAllowed(ApiError):
	http_status_code = 405

	def __init__(self, method: str, allowed: Sequence[str]):
		allowed = sorted(allowed)
		super().__init__(
			f"{method} is not allowed here; use {', '.join(allowed)}.",
			headers={"Allow": ", ".join(allowed)},
		)


class Conflict(ApiError):
	http_status_code = 409


class RateLimited(ApiError):
	http_status_code = 429


class InternalError(ApiError):
	http_status_code = 500


def error_object(
	*,
	status: int,
	type: str,
	title: str,
	detail: str,
	fields: Sequence[FieldError] = (),
	request_id: str | None = None,
) -> dict:
	"""The ``error`` member of every error body: the same keys, in the same order, always."""
	return {
		"status": status,
		"type": type,
		"title": title,
		"detail": detail,
		"fields": [f.as_dict() for f in fields],
		"request_id": request_id,
	}


# Exceptions (by class name, as Frappe reports them in ``exc_type``) that mean a backing service
# (the cache Redis, the database) could not be reached or gave up, or the database gave up a
# transaction that waited for a lock (a deadlock, a lock wait timeout): nothing was changed and
# the request may be retried.
TRANSIENT_FAILURES = frozenset(
	(
		"ConnectionError",
		"TimeoutError",
		"BusyLoadingError",
		"OperationalError",
		"InterfaceError",
		"QueryDeadlockError",
		"QueryTimeoutError",
	)
)
TRANSIENT_DETAIL = "A service the site needs did not answer. Retry shortly."
RETRY_TRANSIENT_AFTER = 5  # seconds
MAX_JSON_DEPTH = 64  # a JSON body nested deeper is refused (400)
