"""Managing API keys over HTTP: create (the secret is in this one response), list, roll, revoke.

A user manages their own keys; a System Manager manages everyone's. A caller authenticated by
an API key or token can only hand out scopes it holds itself, and needs the
``doctype:API Key:<access>`` scopes like any other document access.
"""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import get_system_timezone, now_datetime
from pydantic import BaseModel, Field

from my_api_app.api_keys import permissions, reauthentication
from my_api_app.api_keys.doctype.api_key.api_key import issue_secret
from my_api_app.shared.rules import scopes as scope_rules
from my_api_app.shared.rules.api_key_format import KeyId
from my_api_app.shared.rules.client_ip import NetworkText
from my_api_app.toolkit import Conflict, NotFound, endpoint
from my_api_app.toolkit.response_types import SiteDateTime

Label = Annotated[str, Field(min_length=1, max_length=140)]


class ApiKey(BaseModel):
	"""An API key as the API shows it: never its secret or a hash of it."""

	name: KeyId
	label: str
	user: str = Field(description="The user the key acts as.", examples=["jane@example.com"])
	enabled: bool
	revoked: bool
	expires_at: SiteDateTime | None = Field(description="None for a key that never expires.")
	never_expires: bool
	secret_hint: str | None = Field(description="The secret's last characters, to tell keys apart.")
	allowed_ip_ranges: list[str] = Field(description="Addresses and CIDR ranges; empty: any address.")
	last_used_at: SiteDateTime | None
	last_used_ip: str | None
	rolled_at: SiteDateTime | None = Field(description="When the secret was last rolled.")
	previous_secret_valid_until: SiteDateTime | None = Field(
		description="After a roll: until when the previous secret still works."
	)
	revoked_at: SiteDateTime | None
	revocation_reason: str | None
	creation: SiteDateTime
	scopes: list[str] = Field(examples=[["method:my_api_app.examples.orders.*", "doctype:ToDo:read"]])


class ApiKeyWithSecret(ApiKey):
	"""A key just created or rolled, with its secret: shown in this answer only."""

	secret: str = Field(description="The secret (`mas_…`): store it now, it is never shown again.")
	authorization: str = Field(
		description="The `Authorization` header value: `token <key>:<secret>`.",
		examples=["token mak_4hG7kL2mN9pQ3rS5tV8w:mas_…"],
	)


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
	scopes: Annotated[list[scope_rules.ScopeText], Field(min_length=1, max_length=100)],
	expires_at: datetime | None = None,
	never_expires: bool = False,
	allowed_ip_ranges: Annotated[list[NetworkText], Field(max_length=100)] = (),
	user: Annotated[str, Field(min_length=1, max_length=140)] | None = None,
) -> ApiKeyWithSecret:
	"""Create an API key. The response holds the secret: it is never shown again.

	From a session (not a key or token), the user must have confirmed their password within
	the last 5 minutes (``my_api_app.api.auth.confirm_password``), else 403
	``reauthentication_required``.

	``scopes``: ``*``, ``method:<pattern>`` or ``doctype:<DocType>:<read|write|create|delete>``.
	``expires_at`` defaults to 90 days from now; ``never_expires`` is for System Managers.
	``allowed_ip_ranges``: addresses or CIDR ranges (IPv4, IPv6; host bits are cleared); empty
	allows any address. ``user`` (System Managers only) creates the key for another user.
	A ``user`` or a scope's DocType that does not exist is a 404; an ``expires_at`` already past
	a 409.
	"""
	reauthentication.require_recent_password()
	_check_named_documents(scopes, user)
	if expires_at is not None and _system_time(expires_at) <= now_datetime():
		raise Conflict(_("expires_at is not in the future (by the server's clock)."))
	secret, issue = issue_secret()
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
	)
	doc.flags.secret_issue = issue
	doc.insert()
	return {**describe(doc), "secret": secret, "authorization": f"token {doc.name}:{secret}"}


@endpoint(methods="GET")
def list_keys(user: Annotated[str, Field(min_length=1, max_length=140)] | None = None) -> list[ApiKey]:
	"""The caller's API keys (a System Manager sees all, or one ``user``'s), newest first."""
	if not permissions.is_key_admin():  # only their own, whatever is shared with them
		user = frappe.session.user
	filters = {"user": user} if user else {}
	names = frappe.get_list("API Key", filters=filters, pluck="name", order_by="creation desc")
	return [describe(frappe.get_doc("API Key", name)) for name in names]


@endpoint(methods="POST", permissions=[("API Key", "write", "api_key")])
def roll_secret(
	api_key: KeyId, overlap_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 60
) -> ApiKeyWithSecret:
	"""Give the key a new secret. The old one keeps working for ``overlap_minutes`` (default 60,
	0 stops it at once). The response holds the new secret: it is never shown again. A session
	must have confirmed its password within 5 minutes, as for ``create_key``."""
	reauthentication.require_recent_password()
	doc = frappe.get_doc("API Key", api_key, for_update=True)
	permissions.check_may_manage_key(doc)
	secret, issue = issue_secret()
	doc.roll(overlap_minutes, issue)
	return {**describe(doc), "secret": secret, "authorization": f"token {doc.name}:{secret}"}


@endpoint(methods="POST", permissions=[("API Key", "write", "api_key")])
def revoke_key(api_key: KeyId, reason: Label) -> ApiKey:
	"""Revoke the key for good; it and every token issued for it stop working at once."""
	doc = frappe.get_doc("API Key", api_key, for_update=True)
	permissions.check_may_manage_key(doc)
	doc.revoke(reason)
	return describe(doc)


class RevokedKeys(BaseModel):
	"""The keys revoked."""

	revoked: list[KeyId]


@endpoint(methods="POST")
def revoke_user_keys(user: Annotated[str, Field(min_length=1, max_length=140)], reason: Label) -> RevokedKeys:
	"""Revoke every key of ``user`` that is not revoked yet (the user themselves, or a System
	Manager). A user who is not yours to manage is the same 404 as one that does not exist."""
	if not frappe.db.exists("User", user) or not permissions.may_manage_key(user):
		raise NotFound(_("No user {0}.").format(user))
	names = frappe.get_all("API Key", filters={"user": user, "revoked": 0}, pluck="name", order_by="creation")
	if names:
		# Every key is locked at once, before any is loaded: Frappe 16 also locks a document's table
		# rows when it loads the document for update (every row it scans), so locking the keys one
		# by one, holding the rows of those before, deadlocks with a roll that holds the next key
		# and waits for those rows. The keys' own rows only, looked up by their primary key in its
		# order: no gap is locked, and the index MariaDB likes for ``select name`` (``modified``,
		# which holds the name too) is not scanned, locking other keys a save is about to change.
		frappe.db.sql(
			"select name from `tabAPI Key` force index (primary) where name in %s order by name for update",
			(names,),
		)
	for name in names:
		frappe.get_doc("API Key", name, for_update=True).revoke(reason)
	return {"revoked": names}


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


def _check_named_documents(scopes: list[str], user: str | None) -> None:
	if user and not frappe.db.exists("User", user):
		raise NotFound(_("No user {0}.").format(user))
	for scope in map(scope_rules.parse_scope, scopes):
		if scope.kind == "doctype" and not frappe.db.exists("DocType", scope.doctype):
			raise NotFound(_("No DocType {0}.").format(scope.doctype))


def _system_time(value: datetime | None) -> datetime | None:
	"""An aware datetime in Frappe's system time zone, naive as Frappe stores it."""
	if value is None or value.tzinfo is None:
		return value
	return value.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
