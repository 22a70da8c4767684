"""Inbound webhook verification: each scheme's event id and type, signed by outside libraries."""

import base64
import json

import pytest
import standardwebhooks
import stripe
from hypothesis import given
from hypothesis import strategies as st

from my_api_app.inbound_webhooks.rules import verification as inbound_webhooks
from my_api_app.inbound_webhooks.rules.verification import (
	FRAPPE,
	GITHUB,
	STANDARD,
	STRIPE,
	InvalidSignature,
	body_id,
	check_secret,
	replay_window,
	scrub,
	verify,
)
from my_api_app.shared.rules.webhook_signing import new_secret, sign_frappe, sign_github

NOW = 1_700_000_000
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = json.dumps({"id": "evt_1", "type": "invoice.paid", "data": {"amount": 1250}}).encode()


def standard_headers(body: bytes, secret: str, msg_id: str = "msg_1", timestamp: int = NOW) -> dict:
	"""Headers as the standardwebhooks reference library signs them."""
	from datetime import datetime, timezone

	signature = standardwebhooks.Webhook(secret).sign(
		msg_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), body.decode()
	)
	return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def stripe_header(body: bytes, secret: str, timestamp: int = NOW) -> str:
	"""A Stripe-Signature as the stripe library generates it."""
	return stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp)


def test_standard_delivery_is_identified_by_its_signed_webhook_id():
	delivery = verify(STANDARD, standard_headers(BODY, SECRET), BODY, [SECRET], now=NOW)
	assert delivery == inbound_webhooks.Delivery("msg_1", "invoice.paid")


def test_standard_header_names_are_case_insensitive():
	headers = {name.upper(): value for name, value in standard_headers(BODY, SECRET).items()}
	assert verify(STANDARD, headers, BODY, [SECRET], now=NOW).event_id == "msg_1"


@pytest.mark.parametrize("offset, reason", [(-301, "timestamp too old"), (301, "timestamp too new")])
def test_timed_schemes_refuse_timestamps_outside_the_tolerance_both_ways(offset, reason):
	with pytest.raises(InvalidSignature, match=reason):
		verify(STANDARD, standard_headers(BODY, SECRET, timestamp=NOW + offset), BODY, [SECRET], now=NOW)
	with pytest.raises(InvalidSignature, match=reason):
		verify(
			STRIPE, {"Stripe-Signature": stripe_header(BODY, SECRET, NOW + offset)}, BODY, [SECRET], now=NOW
		)
	assert verify(
		STANDARD,
		standard_headers(BODY, SECRET, timestamp=NOW + offset),
		BODY,
		[SECRET],
		now=NOW,
		tolerance=302,
	)


def test_a_rotated_secret_verifies_while_both_are_configured():
	old, new = SECRET, new_secret()
	assert verify(STANDARD, standard_headers(BODY, old), BODY, [new, old], now=NOW).event_id == "msg_1"
	with pytest.raises(InvalidSignature, match="no matching signature"):
		verify(STANDARD, standard_headers(BODY, old), BODY, [new], now=NOW)


def test_the_raw_body_is_what_is_verified():
	headers = standard_headers(BODY, SECRET)
	reencoded = json.dumps(json.loads(BODY), indent=1).encode()
	with pytest.raises(InvalidSignature):
		verify(STANDARD, headers, reencoded, [SECRET], now=NOW)


def test_stripe_delivery_is_identified_by_the_event_id_in_the_signed_body():
	delivery = verify(
		STRIPE, {"stripe-signature": stripe_header(BODY, "whsec_test")}, BODY, ["whsec_test"], now=NOW
	)
	assert delivery == inbound_webhooks.Delivery("evt_1", "invoice.paid")


def test_stripe_body_without_an_id_is_identified_by_its_hash():
	body = b'{"object": "event"}'
	header = stripe_header(body, "whsec_test")
	assert verify(STRIPE, {"Stripe-Signature": header}, body, ["whsec_test"], now=NOW).event_id == body_id(
		body
	)


def test_stripe_wrong_secret_is_refused():
	with pytest.raises(InvalidSignature, match="no matching signature"):
		verify(STRIPE, {"Stripe-Signature": stripe_header(BODY, "whsec_a")}, BODY, ["whsec_b"], now=NOW)


@given(
	delivery_id=st.one_of(st.none(), st.uuids().map(str), st.text(max_size=50)),
	event=st.one_of(
		st.none(), st.sampled_from(["push", "pull_request", "issues", "ping"]), st.text(max_size=30)
	),
)
def test_github_believes_only_the_signed_body_whatever_the_unsigned_headers_say(delivery_id, event):
	"""GitHub signs the body alone: its delivery id and event headers can be changed by whoever
	replays a captured delivery, so the id is the body's hash and the event type is empty."""
	headers = {"X-Hub-Signature-256": sign_github(BODY, "gh-secret")}
	if delivery_id is not None:
		headers["X-GitHub-Delivery"] = delivery_id
	if event is not None:
		headers["X-GitHub-Event"] = event
	assert verify(GITHUB, headers, BODY, ["gh-secret"]) == inbound_webhooks.Delivery(body_id(BODY), None)
	other = BODY + b" "
	headers["X-Hub-Signature-256"] = sign_github(other, "gh-secret")
	assert verify(GITHUB, headers, other, ["gh-secret"]).event_id == body_id(other) != body_id(BODY)


def test_github_and_frappe_refuse_a_changed_body():
	with pytest.raises(InvalidSignature):
		verify(
			GITHUB, {"X-Hub-Signature-256": sign_github(BODY, "s3cret-value")}, BODY + b" ", ["s3cret-value"]
		)
	with pytest.raises(InvalidSignature):
		verify(FRAPPE, {"X-Frappe-Webhook-Signature": sign_frappe(BODY, "s3cret")}, BODY + b" ", ["s3cret"])


def test_frappe_delivery_is_identified_by_its_body_hash():
	delivery = verify(FRAPPE, {"X-Frappe-Webhook-Signature": sign_frappe(BODY, "s3cret")}, BODY, ["s3cret"])
	assert delivery == inbound_webhooks.Delivery(body_id(BODY), None)
	assert body_id(BODY).startswith("sha256:") and len(body_id(BODY)) == 71


@pytest.mark.parametrize(
	"msg_id",
	["x" * 141, "has space", "tab\tinside", "caf\u00e9"],
	ids=["long", "space", "control", "non-ascii"],
)
def test_ids_that_do_not_fit_the_column_are_stored_as_their_hash(msg_id):
	event_id = verify(
		STANDARD, standard_headers(BODY, SECRET, msg_id=msg_id), BODY, [SECRET], now=NOW
	).event_id
	assert event_id.startswith("sha256:") and len(event_id) == 71
	again = verify(STANDARD, standard_headers(BODY, SECRET, msg_id=msg_id), BODY, [SECRET], now=NOW).event_id
	assert again == event_id


def test_payload_type_is_optional_and_bounded():
	body = json.dumps({"type": "  a\n" + "b" * 200}).encode()
	event_type = verify(STANDARD, standard_headers(body, SECRET), body, [SECRET], now=NOW).event_type
	assert event_type == ("a " + "b" * 200)[:140]
	for body in (b"[1, 2]", b"not json", json.dumps({"type": 3}).encode()):
		assert verify(STANDARD, standard_headers(body, SECRET), body, [SECRET], now=NOW).event_type is None


def test_unknown_scheme_and_missing_secrets_are_programming_errors():
	with pytest.raises(ValueError, match="unknown verification scheme"):
		verify("Svix", {}, BODY, [SECRET])
	with pytest.raises(ValueError, match="non-empty"):
		verify(FRAPPE, {"X-Frappe-Webhook-Signature": "x"}, BODY, [])


def test_check_secret():
	check_secret(STANDARD, SECRET)
	check_secret(GITHUB, "anything-goes")
	for scheme, bad in (
		(STANDARD, "plain"),
		(STANDARD, "whsec_" + base64.b64encode(b"x" * 8).decode()),
		(FRAPPE, " x "),
	):
		with pytest.raises(ValueError):
			check_secret(scheme, bad)


def test_replay_window_covers_the_whole_tolerance_span():
	assert replay_window(STANDARD, 300) == replay_window(STRIPE, 300) == 660
	assert replay_window(GITHUB, 300) == replay_window(FRAPPE, 10) == inbound_webhooks.UNTIMED_REPLAY_WINDOW


def test_scrub_redacts_secrets_and_their_key_part():
	text = f"failed with {SECRET} and MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and short"
	assert scrub(text, [SECRET, "short"]) == "failed with [redacted] and [redacted] and short"
