"""The delivery body, headers and schedule, checked against the standardwebhooks library."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook

from my_api_app.core import webhook_delivery, webhook_signing
from my_api_app.core.retry_schedule import DEFAULT_SCHEDULE


def test_event_ids_are_unique_prefixed_and_long():
	ids = {webhook_delivery.new_event_id() for _ in range(1000)}
	assert len(ids) == 1000
	assert all(i.startswith("msg_") and len(i) == 28 and i[4:].isalnum() for i in ids)


def test_event_type_names_the_doctype_and_event():
	assert webhook_delivery.event_type("ToDo", "after_insert") == "todo.after_insert"
	assert webhook_delivery.event_type("Sales Invoice", "on_submit") == "sales_invoice.on_submit"


def test_the_envelope_is_type_utc_timestamp_and_data():
	moment = datetime(2026, 11, 22, 7, 30, 1, 5, tzinfo=timezone(timedelta(hours=5, minutes=30)))
	body = json.loads(webhook_delivery.envelope_body("todo.after_insert", {"a": 1, "when": moment}, moment))
	assert body == {
		"type": "todo.after_insert",
		"timestamp": "2026-11-22T02:00:01.000005Z",
		"data": {"a": 1, "when": str(moment)},
	}
	with pytest.raises(ValueError):
		webhook_delivery.envelope_body("x", {}, datetime(2026, 1, 1))


def test_schedules_parse_and_bad_ones_say_why():
	assert webhook_delivery.parse_schedule("") == DEFAULT_SCHEDULE
	assert webhook_delivery.parse_schedule(None) == DEFAULT_SCHEDULE
	assert webhook_delivery.parse_schedule("0, 5,300") == (0, 5, 300)
	for text, reason in (("0, soon", "not a number"), ("-1", "outside"), ("0," * 21 + "0", "at most")):
		with pytest.raises(ValueError, match=reason):
			webhook_delivery.parse_schedule(text)


def test_headers_verify_with_the_standardwebhooks_library_for_every_secret():
	old, new = webhook_signing.new_secret(), webhook_signing.new_secret()
	body = webhook_delivery.envelope_body(
		"todo.on_update", {"name": "x"}, datetime.now(timezone.utc)
	).encode()
	headers = webhook_delivery.request_headers(
		event_id="msg_1",
		timestamp=int(datetime.now(timezone.utc).timestamp()),
		body=body,
		secrets=[new, old],
		frappe_secret="frappe-secret",
		extra={"X-Tenant": "acme", "Content-Type": "text/plain", "Empty": ""},
	)
	for secret in (old, new):
		assert Webhook(secret).verify(body, headers) == json.loads(body)
	assert headers["Content-Type"] == "application/json"  # ours win over the webhook's own
	assert headers["X-Tenant"] == "acme" and "Empty" not in headers
	webhook_signing.verify_frappe(headers[webhook_signing.FRAPPE_HEADER], body, ["frappe-secret"])
	assert webhook_signing.FRAPPE_HEADER not in webhook_delivery.request_headers(
		event_id="msg_1", timestamp=1, body=body, secrets=[new]
	)


def test_excerpts_are_cut():
	assert webhook_delivery.excerpt(None) == ""
	assert webhook_delivery.excerpt("ok") == "ok"
	assert webhook_delivery.excerpt("x" * 2000, 10) == "x" * 10 + "…"
