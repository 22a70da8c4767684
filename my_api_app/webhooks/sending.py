"""Sending stored deliveries from RQ workers, and the scheduler's sweep that makes sure every
due delivery gets sent: first attempts the queue never ran, retries once their time comes,
and attempts whose worker died (their lease ran out).

A delivery is claimed before each attempt with a lease (one UPDATE that only succeeds when the
delivery is due and not leased), so two workers never send it at once. The result is written
after the request. A worker that dies in between leaves the lease to expire and the sweep
sends the delivery again with the same webhook-id: at-least-once.
"""

import time
import uuid

import frappe
import requests

from my_api_app.webhooks import config, transport
from my_api_app.webhooks.rules import address_guard, retry_schedule
from my_api_app.webhooks.rules import delivery as webhook_delivery

DELIVERY = "Webhook Delivery"
DUE = ("Pending", "Failed")
LEASE_MARGIN = 30  # seconds beyond the request timeout before a claimed attempt is presumed lost
BATCH_SIZE = 50  # due deliveries read at a time
JOB_SECONDS = 240  # a job sends for at most this long; the sweep queues the rest
QUEUED_MARKER_TTL = 300  # a queued job that never starts stops blocking new ones after this


def enqueue(webhook: str, queue: str = "default") -> None:
	"""Queue a job that sends every due delivery of ``webhook``, unless one is already queued
	and not yet started (it will see the new deliveries too): a burst of events becomes a few
	jobs, each sending many deliveries over one connection. Jobs that have started do not
	count, so a delivery made while one runs still gets a job. If the queue cannot be reached,
	the sweep sends the deliveries later."""
	marker = _queued_marker(webhook)
	if not frappe.cache.set(marker, 1, nx=True, ex=QUEUED_MARKER_TTL):
		return
	try:
		frappe.enqueue(
			"my_api_app.webhooks.sending.deliver_due",
			queue=queue,
			timeout=JOB_SECONDS + 120,
			webhook=webhook,
		)
	except Exception:
		frappe.cache.delete(marker)
		frappe.log_error(
			title="Webhook deliveries not queued; the scheduler will send them",
			message=frappe.get_traceback(with_context=False),
		)


def _queued_marker(webhook: str) -> str:
	return frappe.cache.make_key(f"my_api_app:webhook-send-queued:{webhook}")


def deliver_due(webhook: str) -> None:
	"""The job: attempt the due deliveries of ``webhook``, oldest first, over one session, for up
	to JOB_SECONDS (the sweep queues what is left). An unexpected error is logged without the
	traceback's local variables (they hold signatures and secrets); the delivery's lease then
	runs out and it is tried again."""
	frappe.cache.delete(_queued_marker(webhook))  # from now on a new event queues a new job
	session = transport.new_session()
	deadline = time.monotonic() + JOB_SECONDS
	failed: set[str] = set()
	try:
		while time.monotonic() < deadline:
			names = [name for name in _due(webhook) if name not in failed]
			if not names:
				break
			for name in names:
				if time.monotonic() >= deadline:
					break
				try:
					attempt(name, session)
				except Exception:
					failed.add(name)
					frappe.db.rollback()
					frappe.log_error(
						title=f"Webhook delivery {name} failed",
						message=frappe.get_traceback(with_context=False),
					)
					frappe.db.commit()
	finally:
		session.close()


def _due(webhook: str) -> list[str]:
	now = frappe.utils.now_datetime()
	return frappe.db.sql_list(
		"""select name from `tabWebhook Delivery`
		where webhook = %(webhook)s and status in %(due)s and next_attempt_at <= %(now)s
			and (lease_until is null or lease_until < %(now)s)
		order by next_attempt_at limit %(limit)s""",
		{"webhook": webhook, "due": DUE, "now": now, "limit": BATCH_SIZE},
	)


def attempt(name: str, session: requests.Session) -> str | None:
	"""One attempt at ``name`` if it is due and unclaimed; the outcome, or None if not sent."""
	row = _claim(name)
	if row is None:
		return None
	webhook = frappe.get_doc("Webhook", row.webhook)
	if not (webhook.get("durable_delivery") and webhook.get("durable_enabled")):
		_release(name)  # stays due; sent when the webhook is enabled again
		return None
	timeout = webhook.timeout or 5
	body = row.payload.encode()
	headers = webhook_delivery.request_headers(
		event_id=row.event_id,
		timestamp=int(time.time()),
		body=body,
		secrets=config.signing_secrets(webhook),
		frappe_secret=config.frappe_secret(webhook),
		extra={h.key: h.value for h in webhook.webhook_headers},
	)
	status_code = error = None
	response = None
	started = time.monotonic()
	try:
		address = config.check_address(row.request_url)[0]
		response = transport.send(
			session, webhook.request_method or "POST", row.request_url, address, body, headers, timeout
		)
		status_code = response.status_code
	except address_guard.BlockedAddress as e:
		error = f"Address refused: {e}"
	except OSError as e:  # DNS failures; requests' errors are OSErrors too
		error = _describe(e)
	duration_ms = round((time.monotonic() - started) * 1000)
	return _record(name, webhook, headers, status_code, error, response, duration_ms)


def _claim(name: str):
	token = uuid.uuid4().hex
	now = frappe.utils.now_datetime()
	frappe.db.sql(
		"""update `tabWebhook Delivery` d join `tabWebhook` w on w.name = d.webhook
		set d.lease_token = %(token)s,
			d.lease_until = %(now)s + interval (coalesce(nullif(w.timeout, 0), 5) + %(margin)s) second
		where d.name = %(name)s and d.status in %(due)s and d.next_attempt_at <= %(now)s
			and (d.lease_until is null or d.lease_until < %(now)s)""",
		{"token": token, "now": now, "margin": LEASE_MARGIN, "name": name, "due": DUE},
	)
	frappe.db.commit()
	row = frappe.db.get_value(
		DELIVERY,
		name,
		["name", "webhook", "event_id", "request_url", "payload", "lease_token"],
		as_dict=True,
	)
	return row if row and row.lease_token == token else None


def _release(name: str) -> None:
	frappe.db.set_value(DELIVERY, name, {"lease_token": None, "lease_until": None}, update_modified=False)
	frappe.db.commit()


def _describe(error: Exception) -> str:
	if isinstance(error, requests.Timeout):
		return "Timed out"
	if isinstance(error, requests.ConnectionError):
		return "Connection failed"
	return f"{type(error).__name__}: {error}"[:200]


def _record(name, webhook, headers, status_code, error, response, duration_ms) -> str:
	delivery = frappe.get_doc(DELIVERY, name)
	outcome = retry_schedule.classify(status_code, error)
	now = frappe.utils.now_datetime()
	delivery.append(
		"attempts",
		{
			"attempt": (delivery.attempt_count or 0) + 1,
			"attempted_at": now,
			"status_code": status_code,
			"duration_ms": duration_ms,
			"outcome": outcome,
			"error": error,
			"response_excerpt": response.text if response else None,
			"request_headers": frappe.as_json(webhook_delivery.logged_headers(headers)),
		},
	)
	delivery.attempt_count = (delivery.attempt_count or 0) + 1
	delivery.cycle_attempts = (delivery.cycle_attempts or 0) + 1
	delivery.last_status_code = status_code
	delivery.lease_token = delivery.lease_until = None
	if outcome == retry_schedule.DELIVERED:
		delivery.status = "Delivered"
		delivery.delivered_at = now
		delivery.next_attempt_at = None
		if webhook.durable_exhausted_in_row:
			frappe.db.set_value("Webhook", webhook.name, "durable_exhausted_in_row", 0, update_modified=False)
	elif outcome == retry_schedule.DISABLE:
		delivery.status = "Exhausted"
		delivery.next_attempt_at = None
		_disable(webhook, f"{delivery.request_url} answered 410 Gone at {now}.")
	else:
		retry_after = (
			retry_schedule.parse_retry_after(response.headers.get("Retry-After")) if response else None
		)
		delay = retry_schedule.next_attempt_delay(
			delivery.cycle_attempts + 1,
			schedule=webhook_delivery.parse_schedule(webhook.durable_retry_schedule),
			retry_after=retry_after,
		)
		if delay is None:
			delivery.status = "Exhausted"
			delivery.next_attempt_at = None
			_count_exhausted(webhook, delivery)
		else:
			delivery.status = "Failed"
			delivery.next_attempt_at = frappe.utils.add_to_date(now, seconds=delay)
	delivery.save(ignore_permissions=True)
	frappe.db.commit()
	return outcome


def _count_exhausted(webhook, delivery) -> None:
	in_row = (webhook.durable_exhausted_in_row or 0) + 1
	frappe.db.set_value("Webhook", webhook.name, "durable_exhausted_in_row", in_row, update_modified=False)
	if webhook.durable_disable_after and in_row >= webhook.durable_disable_after:
		_disable(
			webhook,
			f"{in_row} deliveries in a row failed every attempt, the last {delivery.name} "
			f"(last status {delivery.last_status_code or 'none'}).",
		)


def _disable(webhook, reason: str) -> None:
	frappe.db.set_value(
		"Webhook",
		webhook.name,
		{"durable_enabled": 0, "durable_disabled_reason": reason},
		update_modified=False,
	)
	config.invalidate()
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": webhook.owner,
			"type": "Alert",
			"document_type": "Webhook",
			"document_name": webhook.name,
			"subject": f"Webhook {webhook.name} was disabled",
			"email_content": reason,
		}
	).insert(ignore_permissions=True)


def dispatch_due() -> None:
	"""Scheduler (every minute): a job for every enabled webhook with due, unclaimed deliveries."""
	now = frappe.utils.now_datetime()
	for row in frappe.db.sql(
		"""select distinct d.webhook, w.background_jobs_queue as queue
		from `tabWebhook Delivery` d join `tabWebhook` w on w.name = d.webhook
		where d.status in %(due)s and d.next_attempt_at <= %(now)s
			and (d.lease_until is null or d.lease_until < %(now)s)
			and w.durable_delivery = 1 and w.durable_enabled = 1""",
		{"due": DUE, "now": now},
		as_dict=True,
	):
		enqueue(row.webhook, row.queue or "default")
