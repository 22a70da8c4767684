"""Handlers that inbound webhook tests configure on their Webhook Sources.

``record`` leaves one ToDo per event it handles (referencing the event), so a test counts how
often an event was handled; a payload with ``"fail": true`` makes it raise instead, with the
source's first secret in the message, to show that a stored error never carries a secret.
"""

import frappe

from my_api_app.inbound_webhooks import sources


def record(event) -> None:
	try:
		payload = event.payload()
	except ValueError:
		payload = None
	if isinstance(payload, dict) and payload.get("fail"):
		raise RuntimeError(f"refused {event.event_id}; secret was {sources.all_secrets(event.source)[0]}")
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": f"inbound webhook {event.source} {event.event_id} {event.event_type or ''}",
			"reference_type": "Inbound Webhook Event",
			"reference_name": event.name,
			"allocated_to": "Administrator",
		}
	).insert(ignore_permissions=True)


def discard(event) -> None:
	"""Handle nothing: the handler of benchmarks/inbound_receive.py, which measures receiving."""
