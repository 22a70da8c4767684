"""The site's OpenAPI 3.1 document, for anyone: clients are generated from it."""

import frappe
from werkzeug.wrappers import Response

from my_api_app.openapi import document as openapi_document
from my_api_app.toolkit import endpoint


@endpoint(methods="GET", allow_guest=True, include_in_schema=False)
def document() -> Response:
	"""The OpenAPI 3.1 document of every toolkit endpoint on this site.

	Cached until the next migrate; answers 304 to a request whose ``If-None-Match`` has its ETag.
	"""
	body, etag = openapi_document.cached()
	response = Response(body, mimetype="application/json")
	response.set_etag(etag)
	response.headers["Cache-Control"] = "no-cache"
	return response.make_conditional(frappe.request)
