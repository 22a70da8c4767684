"""A password change that logs out every session also stops the user's access tokens, and the
User form offers to revoke the user's API keys.

Frappe changes a password two ways: saving the User with a new password (Desk's form), and
``frappe.core.doctype.user.user.update_password`` (the reset and change-password pages), which
this app stands in for (``override_whitelisted_methods``) to call Frappe's and then act. Tokens
stop through their keys' ``tokens_valid_after``: a token issued before it no longer verifies.
Keys are not revoked without being asked: a password change may be routine, and keys serve
integrations that must be replaced first.
"""

from typing import Annotated

import frappe
from frappe import _
from frappe.utils import cint
from pydantic import Field

from my_api_app.api_keys import tokens
from my_api_app.shared import frappe_compat
from my_api_app.toolkit.decorator import endpoint

Text = Annotated[str, Field(max_length=512)]


def on_user_update(doc, method=None) -> None:
	"""User on_update: a new password saved with "Log out from all sessions"."""
	if frappe_compat.new_password_of(doc) and cint(doc.logout_all_sessions):
		_after_password_change(doc.name, offer=True)


@endpoint(methods="POST", allow_guest=True, envelope=False, include_in_schema=False)
def update_password(
	new_password: Text,
	logout_all_sessions: int = 0,
	key: Text | None = None,
	old_password: Text | None = None,
) -> str:
	"""Frappe's ``update_password``, then the user's access tokens stop when every session was
	logged out (as Frappe decides it: the argument, or System Settings)."""
	from frappe.core.doctype.user.user import update_password as frappes_update_password

	answer = frappes_update_password(new_password, logout_all_sessions, key, old_password)
	changed = frappe.local.response.get("http_status_code") != 410 and frappe.session.user != "Guest"
	logged_out = cint(logout_all_sessions) or cint(frappe.get_system_settings("logout_on_password_reset"))
	if changed and logged_out:
		_after_password_change(frappe.session.user, offer=False)
	return answer


def _after_password_change(user: str, *, offer: bool) -> None:
	tokens.revoke_users_tokens(user)
	usable = frappe.db.count("API Key", {"user": user, "revoked": 0, "enabled": 1})
	if offer and usable:
		frappe.msgprint(
			_(
				"{0}'s access tokens no longer work. {1} API keys of theirs still do: revoke them "
				"too if the password was changed because the account may be in other hands."
			).format(user, usable),
			title=_("API keys"),
			primary_action={
				"label": _("Revoke all {0} API keys").format(usable),
				"server_action": "my_api_app.api.keys.revoke_user_keys",
				"args": {"user": user, "reason": "password changed"},
			},
		)
