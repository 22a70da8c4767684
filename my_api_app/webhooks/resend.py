"""Sending deliveries again, from Desk or the API: resend one, retry the failed ones since a
time, and a test event. A resent delivery keeps its event id (a receiver deduplicating by
``webhook-id`` sees the same event) and starts the webhook's retry schedule afresh."""

import frappe

from my_api_app.webhooks import events

DELIVERY = "Webhook Delivery"
RESENDABLE = ("Delivered", "Failed", "Exhausted", "Pending")


def resend(names: list[str]) -> list[str]:
	"""Make ``names`` due now (unless one is being sent right now) and queue them after commit;
	the names actually rescheduled."""
	now = frappe.utils.now_datetime()
	rescheduled = []
	for name in names:
		frappe.db.sql(
			"""update `tabWebhook Delivery`
			set status = 'Pending', cycle_attempts = 0, next_attempt_at = %(now)s, delivered_at = null
			where name = %(name)s and status in %(resendable)s
				and (lease_until is null or lease_until < %(now)s)""",
			{"name": name, "now": now, "resendable": RESENDABLE},
		)
		if frappe.db.sql("select row_count()")[0][0]:
			rescheduled.append(name)
	if rescheduled:
		for row in frappe.db.sql(
			"""select distinct d.webhook as name, w.background_jobs_queue from `tabWebhook Delivery` d
			join `tabWebhook` w on w.name = d.webhook where d.name in %(names)s""",
			{"names": rescheduled},
			as_dict=True,
		):
			events.send_after_commit(row)
	return rescheduled


def failed_since(webhook: str, since) -> list[str]:
	"""Deliveries of ``webhook`` created at or after ``since`` that failed or were exhausted."""
	return frappe.get_all(
		DELIVERY,
		filters={"webhook": webhook, "status": ("in", ["Failed", "Exhausted"]), "creation": (">=", since)},
		pluck="name",
		order_by="creation asc",
	)


def send_test_event(webhook) -> str:
	return events.record(
		webhook,
		{"webhook": webhook.name, "message": "A test event sent from my_api_app."},
		event_type="webhook.test",
	)
