"""The background job that hands a stored event to its source's handler, once.

The job locks the event row (SELECT ... FOR UPDATE) and runs the handler only while the event
is still ``Received``; the handler's writes and the ``Processed`` status commit together, so a
second job for the same event (a requeue, a duplicate enqueue) finds it processed and does
nothing. A handler that raises is rolled back to a savepoint (the lock is kept) and the event
becomes ``Failed`` with the traceback, scrubbed of the source's secrets. Handlers must not
commit themselves; they should still be idempotent by event id, because a worker killed after
the handler's outside effects (an email, an HTTP call) and before the commit leaves the event
``Received``, and ``requeue_stalled`` hands it over again.
"""

import frappe
from frappe.utils import add_to_date, now_datetime

from my_api_app.inbound_webhooks import sources
from my_api_app.inbound_webhooks.rules import verification as inbound_webhooks

EVENT = "Inbound Webhook Event"
PROCESS = "my_api_app.inbound_webhooks.processing.process_event"
STALLED_AFTER_MINUTES = 15
MAX_ERROR = 10_000


def process_event(event_name: str) -> None:
	"""The RQ job (its argument is not ``event``: frappe.enqueue keeps that name for itself)."""
	frappe.set_user("Administrator")  # as scheduled jobs run; the receiving request was Guest's
	row = frappe.db.get_value(
		EVENT, event_name, ["source", "status", "attempts"], as_dict=True, for_update=True
	)
	if row is None or row.status != "Received":
		return
	handler_path = frappe.db.get_value(sources.SOURCE, row.source, "handler")
	frappe.db.savepoint("inbound_webhook_handler")
	try:
		handler = sources.resolve_handler(handler_path)
		handler(frappe.get_doc(EVENT, event_name))
	except Exception:
		frappe.db.rollback(save_point="inbound_webhook_handler")
		error = inbound_webhooks.scrub(frappe.get_traceback(), sources.all_secrets(row.source))
		_finish(event_name, "Failed", row.attempts, error[-MAX_ERROR:])
	else:
		_finish(event_name, "Processed", row.attempts, None)
	frappe.db.commit()


def _finish(event: str, status: str, attempts: int, error: str | None) -> None:
	frappe.db.set_value(
		EVENT,
		event,
		{"status": status, "processed_at": now_datetime(), "attempts": (attempts or 0) + 1, "error": error},
		update_modified=False,
	)


def process_again(event: str) -> None:
	"""Send a failed event to its handler once more (Desk's "Process again")."""
	doc = frappe.get_doc(EVENT, event)
	if doc.status != "Failed":
		frappe.throw(frappe._("Only a failed event is processed again."), frappe.ValidationError)
	frappe.db.set_value(EVENT, event, "status", "Received", update_modified=False)
	enqueue(event, frappe.db.get_value(sources.SOURCE, doc.source, "queue"))


def requeue_stalled() -> None:
	"""Scheduler: events still ``Received`` long after arriving lost their job (a worker died,
	Redis was flushed); enqueue them again. The row lock makes a duplicate job harmless."""
	cutoff = add_to_date(now_datetime(), minutes=-STALLED_AFTER_MINUTES)
	for event in frappe.get_all(
		EVENT,
		filters={"status": "Received", "received_at": ("<", cutoff)},
		fields=["name", "source"],
		limit=500,
	):
		enqueue(event.name, frappe.db.get_value(sources.SOURCE, event.source, "queue"))


def enqueue(event: str, queue: str | None) -> None:
	"""The event's handler job, enqueued when the current transaction commits."""
	frappe.enqueue(
		PROCESS,
		queue=queue if queue in sources.QUEUES else "default",
		event_name=event,
		enqueue_after_commit=True,
		job_id=f"inbound-webhook:{event}",
		deduplicate=True,
	)
