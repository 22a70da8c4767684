"""Which toolkit endpoint a call runs. ``ENDPOINTS`` holds every ``@endpoint`` of this process by
dotted path, filled as endpoint modules are imported, like Frappe's own list of whitelisted
functions: the toolkit's decorator registers each spec (``toolkit.rules.endpoint_spec``), and
the request state, the rate limits and OpenAPI read them. This module never looks inside one."""

from typing import Any

from my_api_app.shared import frappe_compat

ENDPOINTS: dict[str, Any] = {}


def endpoint_for_method(dotted: str | None) -> Any:
	"""The toolkit endpoint that runs for a call of ``dotted``: the endpoint of the function
	Frappe runs for it (after ``override_whitelisted_methods``), whatever name it is called by.
	The module of an installed app is imported if needed, as Frappe does a moment later for any
	caller, Guest included."""
	if not dotted:
		return None
	final = frappe_compat.overridden_method(dotted)
	spec = ENDPOINTS.get(final)
	if spec is not None:
		return spec
	return getattr(frappe_compat.whitelisted_function(final), "endpoint_spec", None)
