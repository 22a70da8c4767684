"""Frappe's exceptions, seen as the API's error kinds.

Frappe answers a ValidationError with 417 and a type error with 417; an API answers 400.
Conflicts hide in several ValidationError subclasses. A backing service that failed, or a
transaction the database gave up on a lock, is a 503 with ``Retry-After`` (nothing was changed).
Anything else without a status is a 500, whose detail never repeats the exception's text (that
goes to the Error Log).
"""

import frappe
from frappe.utils import strip_html_tags

from my_api_app.shared import request_context
from my_api_app.shared.rules.errors import (
	RETRY_TRANSIENT_AFTER,
	TRANSIENT_DETAIL,
	TRANSIENT_FAILURES,
	ApiError,
	InternalError,
)

CONFLICT_ERRORS = (
	frappe.DuplicateEntryError,
	frappe.UniqueValidationError,
	frappe.TimestampMismatchError,
	frappe.DocumentLockedError,
	frappe.LinkExistsError,
)
INTERNAL_DETAIL = "The server could not complete the request. Quote the request id when you report it."


def to_api_error(exc: BaseException) -> ApiError:
	if isinstance(exc, ApiError):
		return exc
	noted = request_context.noted_error()
	if noted is not None and noted.status == getattr(exc, "http_status_code", None):
		return noted  # a PermissionError for a scope that a permission hook denied
	if any(cls.__name__ in TRANSIENT_FAILURES for cls in type(exc).__mro__):
		return ApiError(TRANSIENT_DETAIL, status=503, headers={"Retry-After": str(RETRY_TRANSIENT_AFTER)})
	status = getattr(exc, "http_status_code", None)
	if isinstance(exc, CONFLICT_ERRORS):
		status = 409
	elif status == 417:  # frappe.ValidationError and frappe.FrappeTypeError
		status = 400
	if not isinstance(status, int) or not 400 <= status <= 599:
		status = 500
	if status >= 500:
		return InternalError(INTERNAL_DETAIL, status=status)
	return ApiError(_message(exc), status=status)


def _message(exc: BaseException) -> str | None:
	"""The exception's own text, else what Frappe printed about it (a bare PermissionError
	from a permission check leaves its reason in the message log)."""
	text = exc.args[0] if exc.args and exc.args[0] else ""
	if not text and frappe.local.message_log:
		text = frappe.local.message_log[-1].get("message") or ""
	return " ".join(strip_html_tags(str(text)).split()) or None
