"""Managing API keys over HTTP: create (the secret is in this one response), list, roll, revoke.

A user manages their own keys; a System Manager manages everyone's. A caller authenticated by
an API key or token can only hand out scopes it holds itself, and needs the
``doctype:API Key:<access>`` scopes like any other document access.
"""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import frappe
from frappe.utils import get_system_timezone
from pydantic import Field

from my_api_app.api_keys import permissions
from my_api_app.core import scopes as scope_rules
from my_api_app.core.errors import FieldError
from my_api_app.toolkit import InvalidInput, endpoint

Label = Annotated[str, Field(min_length=1, max_length=140)]
KEY_FIELDS = [
	"name",
	"label",
	"user",
	"enabled",
	"revoked",
	"expires_at",
	"never_expires",
	"secret_hint",
	"allowed_ip_ranges",
	"last_used_at",
	"last_used_ip",
	"rolled_at",
	"previous_secret_valid_until",
	"revoked_at",
	"revocation_reason",
	"creation",
]


@endpoint(methods="POST", status=201)
def create_key(
	label: Label,
	scopes: Annotated[list[str], Field(min_length=1, max_length=100)],
	expires_at: datetime | None = None,
	never_expires: bool = False,
	allowed_ip_ranges: Annotated[list[str], Field(max_length=100)] = (),
	user: str | None = None,
) -> dict:
	"""Create an API key. The response holds the secret: it is never shown again.

	``scopes``: ``*``, ``method:<pattern>`` or ``doctype:<DocType>:<read|write|create|delete>``.
	``expires_at`` defaults to 90 days from now; ``never_expires`` is for System Managers.
	``allowed_ip_ranges``: addresses or CIDR ranges (IPv4, IPv6); empty allows any address.
	``user`` (System Managers only) creates the key for another user.
	"""
	_check_scopes(scopes)
	doc = frappe.get_doc(
		{
			"doctype": "API Key",
			"label": label,
			"user": user or frappe.session.user,
			"expires_at": _system_time(expires_at),
			"never_expires": int(never_expires),
			"allowed_ip_ranges": "\n".join(allowed_ip_ranges),
			"scopes": [{"scope": scope} for scope in scopes],
		}
	).insert()
	secret = doc._plaintext_secret
	return {**describe(doc), "secret": secret, "authorization": f"token {doc.name}:{secret}"}


@endpoint(methods="GET")
def list_keys(user: str | None = None) -> list[dict]:
	"""The caller's API keys (a System Manager sees all, or one ``user``'s), newest first."""
	if not permissions.is_key_admin():  # only their own, whatever is shared with them
		user = frappe.session.user
	filters = {"user": user} if user else {}
	names = frappe.get_list("API Key", filters=filters, pluck="name", order_by="creation desc")
	return [describe(frappe.get_doc("API Key", name)) for name in names]


@endpoint(methods="POST", permissions=[("API Key", "write", "api_key")])
def roll_secret(api_key: str, overlap_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 60) -> dict:
	"""Give the key a new secret. The old one keeps working for ``overlap_minutes`` (default 60,
	0 stops it at once). The response holds the new secret: it is never shown again."""
	doc = frappe.get_doc("API Key", api_key, for_update=True)
	permissions.check_may_manage_key(doc)
	secret = doc.roll(overlap_minutes)
	return {**describe(doc), "secret": secret, "authorization": f"token {doc.name}:{secret}"}


@endpoint(methods="POST", permissions=[("API Key", "write", "api_key")])
def revoke_key(api_key: str, reason: Label) -> dict:
	"""Revoke the key for good; it and every token issued for it stop working at once."""
	doc = frappe.get_doc("API Key", api_key, for_update=True)
	permissions.check_may_manage_key(doc)
	doc.revoke(reason)
	return describe(doc)


def describe(doc) -> dict:
	"""A key as the API shows it: never a secret or a hash."""
	return {
		**{field: doc.get(field) for field in KEY_FIELDS},
		"enabled": bool(doc.enabled),
		"revoked": bool(doc.revoked),
		"never_expires": bool(doc.never_expires),
		"allowed_ip_ranges": (doc.allowed_ip_ranges or "").split("\n") if doc.allowed_ip_ranges else [],
		"scopes": list(doc.scope_strings()),
	}


def _check_scopes(scopes: list[str]) -> None:
	errors = []
	for index, scope in enumerate(scopes):
		try:
			scope_rules.parse_scope(scope)
		except scope_rules.ScopeError as error:
			errors.append(
				FieldError(field="scopes", path=("scopes", index), message=str(error), type="invalid_scope")
			)
	if errors:
		raise InvalidInput(errors)


def _system_time(value: datetime | None) -> datetime | None:
	"""An aware datetime in Frappe's system time zone, naive as Frappe stores it."""
	if value is None or value.tzinfo is None:
		return value
	return value.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
