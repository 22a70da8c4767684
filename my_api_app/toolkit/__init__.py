"""The endpoint toolkit: ``@endpoint`` and the errors an endpoint may raise."""

from my_api_app.shared.package_face import names_from

_ERRORS = ("ApiError", "Conflict", "FieldError", "Forbidden", "InvalidInput", "NotFound", "Unauthenticated")
_PUBLIC = {
	**dict.fromkeys(_ERRORS, "my_api_app.shared.rules.errors"),
	"endpoint": "my_api_app.toolkit.decorator",
	"DocumentPermission": "my_api_app.toolkit.rules.endpoint_spec",
}
__all__ = sorted(_PUBLIC)
__getattr__ = names_from(__name__, _PUBLIC)
