"""Every toolkit endpoint of this process, by dotted path (what OpenAPI and the hooks read).

Filled as endpoint modules are imported, like Frappe's own list of whitelisted functions.
"""

from my_api_app.core.endpoint_spec import EndpointSpec

ENDPOINTS: dict[str, EndpointSpec] = {}
