"""The site's OpenAPI 3.1 document, for anyone: clients are generated from it."""

import frappe
from werkzeug.wrappers import Response

from my_api_app.api_keys import principal
from my_api_app.openapi import document as openapi_document
from my_api_app.toolkit import endpoint


@endpoint(methods="GET", allow_guest=True, include_in_schema=False)
def document() -> Response:
	"""The OpenAPI 3.1 document of every toolkit endpoint on this site.

	Guests and callers who may not read Webhooks get the public document (no webhook event
	types); the others the full one. Cached until the next migrate; answers 304 to a request
	whose ``If-None-Match`` has its ETag.
	"""
	variant = openapi_document.FULL if _may_read_webhooks() else openapi_document.PUBLIC
	body, etag = openapi_document.cached(variant)
	response = Response(body, mimetype="application/json")
	response.set_etag(etag)
	# Which document depends on who asks: no shared cache may answer one caller with another's.
	response.headers["Cache-Control"] = "private, no-cache"
	response.vary.update(("Authorization", "Cookie"))
	return response.make_conditional(frappe.request)


def _may_read_webhooks() -> bool:
	"""The caller could read the Webhooks (and so their event types) through the API itself:
	its user may read Webhook, and a key or token also has the ``doctype:Webhook:read`` scope."""
	if frappe.session.user == "Guest" or not frappe.has_permission("Webhook", "read"):
		return False
	caller = principal.current()
	return caller is None or caller.scopes.allows_doctype("Webhook", "read")
