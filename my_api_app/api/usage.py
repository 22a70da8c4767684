"""Usage of an API key, from the request log: for the API Key form and for API clients."""

import datetime

import frappe
from pydantic import BaseModel, Field

from my_api_app.api_keys import permissions
from my_api_app.request_log import usage
from my_api_app.shared.rules.api_key_format import KeyId
from my_api_app.toolkit import endpoint
from my_api_app.toolkit.response_types import SiteDateTime


class UsageWindow(BaseModel):
	requests: int = Field(ge=0)
	errors: int = Field(ge=0, description="Answers with a status of 400 or more.")
	server_errors: int = Field(ge=0, description="Answers with a status of 500 or more.")
	p50_ms: float | None = Field(description="Median duration in milliseconds; None without requests.")
	p95_ms: float | None


class PathUsage(BaseModel):
	path: str = Field(examples=["/api/method/my_api_app.examples.orders.create_order"])
	requests: int = Field(ge=0)
	errors: int = Field(ge=0)


class LastRequest(BaseModel):
	at: SiteDateTime
	address: str | None = Field(description="The client's IP address.")
	path: str
	status_code: int


class UsagePerDay(BaseModel):
	"""Requests and errors of each of the last 30 days (today included), oldest first."""

	labels: list[datetime.date]
	requests: list[int]
	errors: list[int]


class KeyUsage(BaseModel):
	"""An API key's use, from the request log."""

	last_24_hours: UsageWindow
	last_30_days: UsageWindow
	top_paths: list[PathUsage] = Field(description="The most used paths of the last 30 days.")
	last_request: LastRequest | None
	per_day: UsagePerDay
	retention_days: int = Field(description="How long the request log keeps a request.")
	logging_enabled: bool
	records_waiting: int = Field(ge=0, description="Requests logged but not yet written (not counted yet).")


@endpoint(methods="GET", permissions=[("API Key", "read", "api_key")])
def key_usage(api_key: KeyId) -> KeyUsage:
	"""Requests, errors, p50/p95 duration (last 24 hours and 30 days), top paths and the last
	request of one API Key the caller may read (their own; a System Manager: any)."""
	permissions.check_may_manage_key(frappe.get_doc("API Key", api_key))
	return usage.key_usage(api_key)
