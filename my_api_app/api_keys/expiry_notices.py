"""Expiry notices (scheduler, daily): a key's owner gets a Notification Log 14 and 3 days before
the key expires, once each (``api_keys.rules.key_expiry``). Frappe sends it as an email too when the owner
has email notifications on and the site an outgoing email account."""

from datetime import timedelta

import frappe
from frappe.utils import escape_html, format_datetime, get_datetime, now_datetime

from my_api_app.api_keys.rules.key_expiry import NOTICE_DAYS, notice_due


def send_expiry_notices() -> None:
	"""Every notice due now (the scheduler's job commits them)."""
	now = now_datetime()
	keys = frappe.get_all(
		"API Key",
		filters={
			"enabled": 1,
			"revoked": 0,
			"never_expires": 0,
			"expires_at": ["between", [now, now + timedelta(days=max(NOTICE_DAYS))]],
		},
		fields=["name", "label", "user", "expires_at"],
	)
	for key in keys:
		expires_at = get_datetime(key.expires_at)
		days = notice_due(expires_at, now, _sent(key.name, expires_at))
		if days is not None:
			_notify(key, expires_at, days)


def _marker(expires_at, days: int) -> str:
	"""What a notice's subject says of the expiry it is about: a key given a new expiry date
	gets its notices again."""
	return f"in {days} days ({format_datetime(expires_at, 'yyyy-MM-dd HH:mm')})"


def _sent(key: str, expires_at) -> set[int]:
	subjects = frappe.get_all(
		"Notification Log",
		filters={"document_type": "API Key", "document_name": key},
		pluck="subject",
	)
	return {days for days in NOTICE_DAYS if any(_marker(expires_at, days) in (s or "") for s in subjects)}


def _notify(key, expires_at, days: int) -> None:
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": key.user,
			"type": "Alert",
			"document_type": "API Key",
			"document_name": key.name,
			"subject": f"Your API key {escape_html(key.label)} expires {_marker(expires_at, days)}",
			"email_content": (
				f"The API key {escape_html(key.label)} ({key.name}) stops working on "
				f"{format_datetime(expires_at)}. Create a new key, or ask a System Manager to "
				"extend this one, before then."
			),
		}
	).insert(ignore_permissions=True)
