"""The Frappe side of the OpenAPI document: every toolkit endpoint of the site's apps, cached."""
