"""Receiving one delivery: find the source, verify the raw body, store once, hand to the handler.

Nothing is written before the signature holds: an unknown or disabled source is a 404, a
delivery that does not verify a 401, and both leave no row behind. The work before
verification is one Redis read (the cached sources), a size check, decrypting the source's
secrets and the HMACs: no table is read. A verified event is inserted as an ``Inbound Webhook
Event`` (headers redacted; the body as UTF-8 text, undecodable bytes replaced) and its handler
job is enqueued after the commit; the caller gets 202 at once. A delivery whose event id the
source has sent before gets 200 and ``"duplicate"``, and its handler does not run again.
"""

import json

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from my_api_app.inbound_webhooks import duplicates as replay
from my_api_app.inbound_webhooks import processing, sources
from my_api_app.inbound_webhooks.rules import verification as inbound_webhooks
from my_api_app.shared import error_response, request_context
from my_api_app.shared.rules import dispatch
from my_api_app.shared.rules.errors import ApiError, NotFound, Unauthenticated
from my_api_app.shared.rules.inert_text import inert
from my_api_app.shared.rules.webhook_signing import redact_headers

EVENT = "Inbound Webhook Event"
DEFAULT_MAX_BODY = 1024 * 1024  # site config my_api_app_inbound_max_body overrides it


class PayloadTooLarge(ApiError):
	http_status_code = 413


def receive(source_name: str | None, request) -> tuple[int, dict]:
	"""The status and ``data`` for one delivery to ``source_name``; raises an ApiError otherwise."""
	source = sources.load(source_name) if source_name else None
	if source is None:
		raise NotFound(_("No enabled webhook source is configured at this address."))
	max_body = cint(frappe.conf.get("my_api_app_inbound_max_body")) or DEFAULT_MAX_BODY
	if (request.content_length or 0) > max_body:
		raise PayloadTooLarge(f"A webhook body may be at most {max_body} bytes.")
	body = request.get_data()
	if len(body) > max_body:
		raise PayloadTooLarge(f"A webhook body may be at most {max_body} bytes.")
	# Every header: signatures, and whatever credential (Authorization, Cookie) the sender added.
	# Held under a name Frappe's traceback printer masks; stored redacted.
	secret_headers = dict(request.headers.items())
	delivery = _verify(source, secret_headers, body)

	if replay.already_stored(source.name, delivery.event_id):
		return 200, _answer("duplicate", delivery)
	event = _store(source, delivery, redact_headers(secret_headers), body)
	window = inbound_webhooks.replay_window(source.scheme, source.tolerance)
	if event is None:  # the unique index knew it: Redis had lost it, or it is mid-flight elsewhere
		replay.remember(source.name, delivery.event_id, window)
		return 200, _answer("duplicate", delivery)
	processing.enqueue(event, source.queue)
	frappe.db.after_commit.add(lambda: replay.remember(source.name, delivery.event_id, window))
	return 202, {**_answer("accepted", delivery), "event": event}


def _verify(source: sources.Source, secret_headers: dict, body: bytes) -> inbound_webhooks.Delivery:
	try:
		if not source.secrets:
			raise inbound_webhooks.InvalidSignature("the source has no unexpired secret")
		return inbound_webhooks.verify(
			source.scheme,
			secret_headers,
			body,
			[secret.reveal() for secret in source.secrets],
			tolerance=source.tolerance,
		)
	except inbound_webhooks.InvalidSignature as error:
		# The reason goes to the log file only: it would help a forger to see it.
		frappe.logger("my_api_app").info("inbound webhook for %s refused: %s", source.name, error.reason)
		raise Unauthenticated(_("The webhook signature could not be verified.")) from None


def _store(
	source: sources.Source, delivery: inbound_webhooks.Delivery, redacted_headers: dict, body: bytes
) -> str | None:
	"""The new event's name, or None when the source already sent this event id."""
	event = frappe.get_doc(
		{
			"doctype": EVENT,
			"source": source.name,
			# the sender's words, kept plain text (Frappe's sanitiser would keep an <img> tag)
			"event_id": inert(delivery.event_id),
			"event_type": inert(delivery.event_type) if delivery.event_type else delivery.event_type,
			"status": "Received",
			"received_at": now_datetime(),
			"headers": json.dumps(redacted_headers, indent=1, ensure_ascii=False),
			"body": body.decode("utf-8", "replace"),
		}
	)
	try:
		event.insert(ignore_permissions=True, ignore_links=True)
	except frappe.UniqueValidationError:
		# Frappe queued a "must be unique" message for the response: this is no error here.
		frappe.local.message_log = []
		return None
	return event.name


def _answer(outcome: str, delivery: inbound_webhooks.Delivery) -> dict:
	return {"status": outcome, "event_id": delivery.event_id}


def before_request(state: request_context.ApiRequest) -> None:
	"""A sender's JSON body is Frappe's form_dict, and Frappe runs a ``cmd`` key in it as an RPC
	call before routing the path: for the receiving path the key is the sender's, not Frappe's."""
	if _is_receive_call(state.call):
		frappe.local.form_dict.pop("cmd", None)


def after_request(state: request_context.ApiRequest, response, request) -> None:
	"""Frappe parses a JSON body before any hook runs, so a malformed one fails there (500, or
	417 for a bare scalar) with Frappe's body: give it the structured 400 body instead."""
	if (
		response is not None
		and response.status_code >= 400
		and response.mimetype == "application/json"
		and _is_receive_call(state.call)
	):
		error_response.rewrite_frappe_error(response)


def _is_receive_call(call: dispatch.Call) -> bool:
	"""The request calls the receiver by its path (``request_context.CMD_DROPPED_ON``)."""
	return (
		call.kind == dispatch.METHOD and call.via != "cmd" and call.method in request_context.CMD_DROPPED_ON
	)
