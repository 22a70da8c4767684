# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Key: a scoped, expiring, revocable credential whose secret is stored only as a hash.

The secret is made by the endpoint that shows it (``api.keys.create_key``, ``roll_secret``),
which hands the document only its hash and hint (``SecretIssue``): the secret is never on the
document, its ``__onload``, a Version, a cache, or anything a webhook or a hook can render, and
exists only in that one answer. A key is therefore created only through those endpoints; any
other route that inserts one is refused. Fields that only the server may change (hashes,
revocation, last use, the owner) are restored if a client sends them.

The hashes are Password fields of permlevel 1: encrypted in ``__Auth`` (their columns hold
asterisks, so no list filter or sort on them tells anything), readable by no role, and
``get_password`` refuses them; only authentication reads them (``store``).

Every route that changes a key runs this controller (its rows change only with it:
``app_doctypes.TableRow``), so these hold whatever the route: a caller authenticated by a key
or token creates, rolls or edits only keys within itself (scopes, expiry, IP ranges:
``principal.check_can_grant``); a user who is not a System Manager makes keys that expire
within ``my_api_app_key_max_lifetime_days``; a user has at most
``my_api_app_max_active_keys_per_user`` usable keys.
"""

from dataclasses import dataclass
from datetime import datetime

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_to_date, get_datetime, now_datetime

from my_api_app.api_keys import principal, store
from my_api_app.shared.rules import api_key_format, client_ip
from my_api_app.shared.rules import scopes as scope_rules

DEFAULT_LIFETIME_DAYS = 90
DEFAULT_MAX_LIFETIME_DAYS = 365  # site config my_api_app_key_max_lifetime_days (not System Managers)
DEFAULT_MAX_ACTIVE_KEYS = 50  # site config my_api_app_max_active_keys_per_user
MAX_OVERLAP_MINUTES = 7 * 24 * 60
SERVER_FIELDS = (
	"user",
	"secret_hint",
	"secret_hash",
	"previous_secret_hash",
	"previous_secret_valid_until",
	"rolled_at",
	"revoked",
	"revoked_at",
	"revoked_by",
	"revocation_reason",
	"last_used_at",
	"last_used_ip",
	"tokens_valid_after",
)


@dataclass(frozen=True)
class SecretIssue:
	"""What a key keeps of a new secret: its hash and hint (the secret stays with the endpoint)."""

	hash: str
	hint: str


def issue_secret() -> tuple[str, SecretIssue]:
	"""A new secret, and what the key keeps of it."""
	secret = api_key_format.new_secret()
	return secret, SecretIssue(api_key_format.hash_secret(secret), api_key_format.secret_hint(secret))


class TooManyKeys(frappe.ValidationError):
	http_status_code = 409


class KeyRevoked(frappe.ValidationError):
	"""The key's state, not the request, is what is wrong: a conflict."""

	http_status_code = 409


class APIKey(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from my_api_app.api_keys.doctype.api_key_scope.api_key_scope import APIKeyScope

		allowed_ip_ranges: DF.SmallText | None
		enabled: DF.Check
		expires_at: DF.Datetime | None
		label: DF.Data
		last_used_at: DF.Datetime | None
		last_used_ip: DF.Data | None
		never_expires: DF.Check
		previous_secret_hash: DF.Password | None
		previous_secret_valid_until: DF.Datetime | None
		revocation_reason: DF.SmallText | None
		revoked: DF.Check
		revoked_at: DF.Datetime | None
		revoked_by: DF.Link | None
		rolled_at: DF.Datetime | None
		scopes: DF.Table[APIKeyScope]
		secret_hash: DF.Password | None
		secret_hint: DF.Data | None
		tokens_valid_after: DF.Datetime | None
		user: DF.Link

	# end: auto-generated types
	def autoname(self):
		self.name = api_key_format.new_key_id()

	def before_validate(self):
		if self.is_new():
			self.user = self.user or frappe.session.user
			if not self.never_expires and not self.expires_at:
				self.expires_at = _default_expiry()

	def validate(self):
		# The hashes have permlevel 1 (no role reads them), so Frappe resets them for the
		# caller just before validate: they are set here, after that (and encrypted by Frappe
		# right after validate).
		if self.is_new():
			for field in SERVER_FIELDS[1:]:
				self.set(field, None)
			self._take_secret(self.flags.secret_issue)
		else:
			self._keep_server_fields()
			if self.flags.roll_overlap_minutes is not None:
				self._roll(self.flags.roll_overlap_minutes, self.flags.secret_issue)
		self._validate_user()
		self._validate_expiry()
		self._validate_scopes()
		self._validate_ip_ranges()
		if not self.flags.revoking:  # a revocation only takes away
			principal.check_can_grant(
				self.scope_strings(),
				None if self.never_expires else get_datetime(self.expires_at),
				client_ip.parse_networks(self.allowed_ip_ranges or ""),
			)
			self._validate_active_keys()

	def after_insert(self):
		self.secret_hash = None  # stored (encrypted); not even its mask goes in the response

	def onload(self):
		if pending := store.pending_use(self.name):
			self.last_used_at, self.last_used_ip = pending

	def get_password(self, fieldname="password", raise_exception=True):
		# Not even frappe.client.get_password gives a hash back: authentication reads it (store).
		frappe.throw(_("API key secrets cannot be read back."), frappe.PermissionError)

	def on_update(self):
		store.forget(self.name)

	def on_trash(self):
		store.forget(self.name)

	def scope_strings(self) -> tuple[str, ...]:
		return tuple(row.scope for row in self.scopes)

	def roll(self, overlap_minutes: int, issue: SecretIssue) -> None:
		"""A new secret (``issue``: its hash and hint); the current one keeps working for
		``overlap_minutes``."""
		if self.revoked:
			frappe.throw(_("A revoked key cannot be rolled."), KeyRevoked)
		if not 0 <= overlap_minutes <= MAX_OVERLAP_MINUTES:
			frappe.throw(
				_("The overlap must be between 0 and {0} minutes.").format(MAX_OVERLAP_MINUTES),
				frappe.ValidationError,
			)
		self.flags.roll_overlap_minutes = overlap_minutes
		self.flags.secret_issue = issue
		self.save()

	def _roll(self, overlap_minutes: int, issue: SecretIssue) -> None:
		now = now_datetime()
		self.previous_secret_hash = store.stored_hash(self.name, "secret_hash") if overlap_minutes else None
		self.previous_secret_valid_until = (
			add_to_date(now, minutes=overlap_minutes) if overlap_minutes else None
		)
		self.rolled_at = now
		self._take_secret(issue)

	def revoke(self, reason: str) -> None:
		if self.revoked:
			return
		self.revoked = 1
		self.revoked_at = now_datetime()
		self.revoked_by = frappe.session.user
		self.revocation_reason = reason
		self.flags.server_change = True
		self.flags.revoking = True
		self.save()

	def _take_secret(self, issue: SecretIssue | None) -> None:
		if not isinstance(issue, SecretIssue):
			frappe.throw(
				_(
					"API keys are created and rolled with my_api_app.api.keys.create_key and roll_secret "
					"(in Desk: the Create and Roll Secret buttons): the secret is shown in that answer only."
				),
				frappe.PermissionError,
			)
		self.secret_hash = issue.hash
		self.secret_hint = issue.hint

	def revoke_tokens(self) -> None:
		"""Access tokens issued for this key until now stop working (the key itself goes on).
		A token's issue time is in whole seconds: every token of this second is cut off too."""
		self.tokens_valid_after = add_to_date(now_datetime().replace(microsecond=0), seconds=1)
		self.flags.server_change = True
		self.flags.revoking = True
		self.save(ignore_permissions=True)

	def _keep_server_fields(self) -> None:
		if self.flags.server_change:
			return
		before = self.get_doc_before_save()
		for field in SERVER_FIELDS:
			self.set(field, before.get(field))

	def _validate_user(self) -> None:
		if self.user == "Administrator":
			frappe.throw(
				_("Administrator cannot hold API keys: create them for a named user."), frappe.PermissionError
			)
		if self.is_new() and self.user != frappe.session.user and not _is_system_manager():
			frappe.throw(_("You can only create API keys for yourself."), frappe.PermissionError)

	def _validate_expiry(self) -> None:
		before = None if self.is_new() else self.get_doc_before_save()
		if self.never_expires:
			if (before is None or not before.never_expires) and not _is_system_manager():
				frappe.throw(
					_("Only a System Manager can create a key that never expires."), frappe.PermissionError
				)
			self.expires_at = None
			return
		if not self.expires_at:
			frappe.throw(_("Set when the key expires."), frappe.MandatoryError)
		changed = before is None or get_datetime(before.expires_at) != get_datetime(self.expires_at)
		if changed and get_datetime(self.expires_at) <= now_datetime():
			frappe.throw(_("The expiry must be in the future."), frappe.ValidationError)
		if changed and not _is_system_manager():
			days = max_lifetime_days()
			if get_datetime(self.expires_at) > add_to_date(now_datetime(), days=days):
				frappe.throw(
					_("Keys of users who are not System Managers expire within {0} days.").format(days),
					frappe.PermissionError,
				)

	def _validate_scopes(self) -> None:
		for row in self.scopes:
			try:
				scope = scope_rules.parse_scope(_scope_text(row))
			except scope_rules.ScopeError as error:
				frappe.throw(_("Scope row {0}: {1}").format(row.idx, error), frappe.ValidationError)
			row.scope = str(scope)
			row.scope_type = {"all": "All", "method": "Method", "doctype": "DocType"}[scope.kind]
			row.method_pattern = scope.pattern if scope.kind == "method" else None
			row.document_type = scope.doctype if scope.kind == "doctype" else None
			row.access = scope.access if scope.kind == "doctype" else None
		try:
			scope_rules.normalize_scopes(self.scope_strings())
		except scope_rules.ScopeError as error:
			frappe.throw(str(error), frappe.ValidationError)
		for row in self.scopes:
			if row.document_type and not frappe.db.exists("DocType", row.document_type):
				frappe.throw(_("Scope row {0}: no DocType {1}").format(row.idx, row.document_type))

	def _validate_ip_ranges(self) -> None:
		try:
			networks = client_ip.parse_networks(self.allowed_ip_ranges or "")
		except ValueError as error:
			frappe.throw(_("Allowed IP Ranges: {0}").format(error), frappe.ValidationError)
		self.allowed_ip_ranges = "\n".join(str(network) for network in networks)

	def _validate_active_keys(self) -> None:
		"""A key that becomes usable (made, enabled again, given a new expiry) counts against its
		user's cap, so that limits per key do not multiply by making keys."""
		before = None if self.is_new() else self.get_doc_before_save()
		if not _usable(self) or (before is not None and _usable(before)):
			return
		limit = max_active_keys()
		# One change at a time per user (a second waits for the first to commit); the count is a
		# locking read, so it sees what the first committed whatever this transaction's snapshot.
		frappe.db.sql("select name from `tabUser` where name = %s for update", self.user)
		usable = frappe.db.sql(
			"""select count(*) from `tabAPI Key` where user = %s and name != %s and enabled = 1
			and revoked = 0 and (never_expires = 1 or expires_at > %s) lock in share mode""",
			(self.user, self.name or "", now_datetime()),
		)[0][0]
		if usable >= limit:
			frappe.throw(
				_(
					"{0} already has {1} usable API keys, the most allowed: revoke or disable one first."
				).format(self.user, usable),
				TooManyKeys,
			)


def _scope_text(row) -> str:
	"""A row as a scope string: from its typed fields, or the ``scope`` string a client sent."""
	if row.scope_type == "All":
		return "*"
	if row.scope_type == "Method" and row.method_pattern:
		return f"method:{row.method_pattern.strip()}"
	if row.scope_type == "DocType" and row.document_type:
		return f"doctype:{row.document_type}:{row.access or ''}"
	return row.scope or ""


def _is_system_manager() -> bool:
	return "System Manager" in frappe.get_roles()


def max_lifetime_days() -> int:
	return max(1, int(frappe.conf.get("my_api_app_key_max_lifetime_days") or DEFAULT_MAX_LIFETIME_DAYS))


def max_active_keys() -> int:
	return max(1, int(frappe.conf.get("my_api_app_max_active_keys_per_user") or DEFAULT_MAX_ACTIVE_KEYS))


def _default_expiry() -> datetime:
	"""90 days, or sooner: the lifetime cap of a user who is not a System Manager, and the end of
	the key or token the caller authenticated with (a key cannot outlive the credential that made it)."""
	now = now_datetime()
	ends = [add_to_date(now, days=DEFAULT_LIFETIME_DAYS)]
	if not _is_system_manager():
		ends.append(add_to_date(now, days=max_lifetime_days()))
	caller = principal.current()
	if caller is not None and caller.expires_at is not None:
		ends.append(caller.expires_at)
	return min(ends)


def _usable(doc) -> bool:
	return bool(
		doc.enabled
		and not doc.revoked
		and (doc.never_expires or (doc.expires_at and get_datetime(doc.expires_at) > now_datetime()))
	)
