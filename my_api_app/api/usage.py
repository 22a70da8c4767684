"""Usage of an API key, from the request log: for the API Key form and for API clients."""

from typing import Annotated

import frappe
from pydantic import Field

from my_api_app.api_keys import permissions
from my_api_app.request_log import usage
from my_api_app.toolkit import endpoint


@endpoint(methods="GET", permissions=[("API Key", "read", "api_key")])
def key_usage(api_key: Annotated[str, Field(min_length=1, max_length=140)]) -> dict:
	"""Requests, errors, p50/p95 duration (last 24 hours and 30 days), top paths and the last
	request of one API Key the caller may read (their own; a System Manager: any)."""
	permissions.check_may_manage_key(frappe.get_doc("API Key", api_key))
	return usage.key_usage(api_key)
