"""Document events become stored webhook deliveries, in the transaction that changed the
document (a transactional outbox): the event exists exactly when the change commits, and is
sent only after the commit. doc_events "*" calls ``on_event`` for each of the events a Frappe
Webhook can name (hooks.py lists them)."""

from datetime import datetime, timezone

import frappe
from frappe.integrations.doctype.webhook.webhook import get_context, get_webhook_data

from my_api_app.shared import request_context
from my_api_app.webhooks import config
from my_api_app.webhooks.rules import delivery as webhook_delivery

DELIVERY = "Webhook Delivery"


def on_event(doc, method: str) -> None:
	flags = frappe.local.flags
	if flags.in_import or flags.in_patch or flags.in_install or flags.in_migrate:
		return  # as Frappe's own webhooks
	if doc.doctype == DELIVERY:
		return
	if doc.flags.in_insert and method in ("on_change", "on_update_after_submit"):  # as Frappe: not on insert
		return
	for hook in config.webhooks_for(doc.doctype):
		if hook["webhook_docevent"] != method:
			continue
		if hook["condition"] and not frappe.safe_eval(hook["condition"], eval_locals=get_context(doc)):
			continue
		try:
			webhook = frappe.get_cached_doc("Webhook", hook["name"])
		except frappe.DoesNotExistError:
			continue  # deleted without its hooks (raw SQL); the cache catches up
		try:
			data = get_webhook_data(doc, webhook)
		except ValueError:  # a JSON template this document renders into no JSON (a quote in a value)
			# As Frappe's own webhooks: the document is saved, the event is logged, not sent.
			frappe.log_error(
				f"Webhook {webhook.name}: its JSON is not JSON"[:140],
				reference_doctype=doc.doctype,
				reference_name=doc.name,
			)
			continue
		record(webhook, data, doc=doc)


def event_type_of(webhook) -> str:
	return webhook.durable_event_type or webhook_delivery.event_type(
		webhook.webhook_doctype, webhook.webhook_docevent
	)


def record(webhook, data, *, doc=None, event_type: str | None = None) -> str:
	"""Store one event for ``webhook`` and send it once this transaction commits; its name."""
	event_type = event_type or event_type_of(webhook)
	if webhook.durable_envelope:
		body = webhook_delivery.envelope_body(event_type, data, datetime.now(timezone.utc))
	else:
		body = webhook_delivery.bare_body(data)
	url = webhook.request_url
	if webhook.is_dynamic_url and doc is not None:
		url = frappe.render_template(webhook.request_url, get_context(doc))
	delivery = frappe.get_doc(
		{
			"doctype": DELIVERY,
			"event_id": webhook_delivery.new_event_id(),
			"webhook": webhook.name,
			"event_type": event_type,
			"status": "Pending",
			"reference_doctype": doc.doctype if doc is not None else None,
			"reference_name": doc.name if doc is not None else None,
			"request_url": url.strip(),
			"next_attempt_at": frappe.utils.now_datetime(),
			"payload": body,
		}
	)
	delivery.db_insert()
	send_after_commit(webhook)
	return delivery.name


def send_after_commit(webhook) -> None:
	"""Once this transaction commits, queue a job sending ``webhook``'s due deliveries (see
	sending.enqueue). If the queue is unreachable they stay due, and the scheduler's sweep
	sends them."""
	state = request_context.current()
	pending = state.webhook_sends
	if pending is None:
		pending = state.webhook_sends = set()
		frappe.db.after_commit.add(_enqueue_pending)
		frappe.db.after_rollback.add(_forget_pending)
	pending.add((webhook.name, webhook.background_jobs_queue or "default"))


def _enqueue_pending() -> None:
	from my_api_app.webhooks import sending

	state = request_context.current()
	pending, state.webhook_sends = state.webhook_sends or set(), None
	for webhook, queue in sorted(pending):
		sending.enqueue(webhook, queue)


def _forget_pending() -> None:
	request_context.current().webhook_sends = None
