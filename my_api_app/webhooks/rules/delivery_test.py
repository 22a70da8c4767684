"""The delivery body, headers and schedule, checked against the standardwebhooks library."""

import json
import string
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from my_api_app.shared.rules import webhook_signing
from my_api_app.webhooks.rules import delivery as webhook_delivery
from my_api_app.webhooks.rules.retry_schedule import DEFAULT_SCHEDULE


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


SECRET = webhook_signing.new_secret()
_HEADER_NAME = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=20)
_OUR_NAMES = st.sampled_from(
	[
		"Content-Type",
		"User-Agent",
		"webhook-id",
		"webhook-timestamp",
		"webhook-signature",
		"X-Frappe-Webhook-Signature",
	]
)


@st.composite
def _any_case(draw, names):
	name = draw(names)
	flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
	return "".join(c.upper() if flip else c.lower() for c, flip in zip(name, flips, strict=True))


@settings(max_examples=300)
@given(
	extra=st.dictionaries(
		st.one_of(_HEADER_NAME, _any_case(_OUR_NAMES)),
		st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=30).map(
			lambda v: "own-" + v
		),
		max_size=6,
	),
	frappe_secret=st.sampled_from([None, "frappe-secret"]),
)
def test_the_log_keeps_every_name_and_only_the_signed_values(extra, frappe_secret):
	body = b'{"type":"x"}'
	sent = webhook_delivery.request_headers(
		event_id="msg_1",
		timestamp=1700000000,
		body=body,
		secrets=[SECRET],
		frappe_secret=frappe_secret,
		extra=extra,
	)
	logged = webhook_delivery.logged_headers(sent)
	assert list(logged) == list(sent)  # every name, in order
	assert {name.lower() for name in extra} <= {name.lower() for name in logged}  # the webhook's too
	assert {name.lower(): value for name, value in logged.items() if value != webhook_signing.REDACTED} == {
		"webhook-id": "msg_1",
		"webhook-timestamp": "1700000000",
	}
	# the webhook's own values never reach the log, under any spelling of any name
	assert not any(value.startswith("own-") for value in logged.values())
	# and a webhook header spelled like one of ours is not sent: ours win
	assert len({name.lower() for name in sent}) == len(sent)
	assert sent["webhook-id"] == "msg_1" and sent["Content-Type"] == "application/json"
