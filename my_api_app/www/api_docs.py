"""/api-docs: the site's API reference, rendered in the browser from the OpenAPI document."""

import frappe

no_cache = 1

SPEC_URL = "/api/method/my_api_app.api.openapi.document"


def get_context(context) -> None:
	context.title = f"{frappe.local.site} API reference"
	context.spec_url = SPEC_URL
	context.csrf_token = frappe.sessions.get_csrf_token() if frappe.session.user != "Guest" else ""
