"""The endpoint toolkit: ``@endpoint`` and the errors an endpoint may raise.

The names below load on first use, so that the frappe-free rules (``toolkit.rules``) import
without Frappe."""

import importlib

_PUBLIC = {
	**dict.fromkeys(
		("ApiError", "Conflict", "FieldError", "Forbidden", "InvalidInput", "NotFound", "Unauthenticated"),
		"my_api_app.shared.rules.errors",
	),
	"endpoint": "my_api_app.toolkit.decorator",
	"DocumentPermission": "my_api_app.toolkit.rules.endpoint_spec",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
	if name not in _PUBLIC:
		raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
	return getattr(importlib.import_module(_PUBLIC[name]), name)
