"""Webhook signatures: Standard Webhooks, Stripe, GitHub and Frappe, checked against outside references."""

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

import pytest
import standardwebhooks
import stripe
from hypothesis import given
from hypothesis import strategies as st

from my_api_app.shared.rules.webhook_signing import (
	KEPT_HEADERS,
	REDACTED,
	InvalidSignature,
	new_secret,
	redact_headers,
	secret_key,
	sign,
	sign_frappe,
	sign_github,
	sign_stripe,
	verify_frappe,
	verify_github,
	verify_standard,
	verify_stripe,
)

BODY = b'{"type":"invoice.paid","data":{"name":"ACC-SINV-0001","amount":"12.50 \xe2\x82\xac"}}'
NOW = 1_700_000_000
# The example secret from the Standard Webhooks specification's test vectors.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_new_secrets_are_whsec_and_32_random_bytes():
	secrets = {new_secret() for _ in range(100)}
	assert len(secrets) == 100
	for secret in secrets:
		assert secret.startswith("whsec_")
		assert len(secret_key(secret)) == 32


@pytest.mark.parametrize(
	"secret",
	[
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"whsec_not base64!",
		"whsec_" + base64.b64encode(b"x" * 23).decode(),
	],
)
def test_malformed_or_short_secrets_are_refused(secret):
	with pytest.raises(ValueError):
		secret_key(secret)


def test_sign_matches_the_spec_test_vector():
	# https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
	headers = sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}', [SPEC_SECRET])
	assert headers == {
		"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"webhook-timestamp": "1614265330",
		"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	}


def test_our_signature_is_what_the_standardwebhooks_library_computes():
	secret = new_secret()
	timestamp = datetime.fromtimestamp(NOW, tz=timezone.utc)
	theirs = standardwebhooks.Webhook(secret).sign("msg_1", timestamp, BODY.decode())
	assert sign("msg_1", NOW, BODY, [secret])["webhook-signature"] == theirs


def test_the_library_verifies_what_we_sign():
	secret = new_secret()
	headers = sign("msg_2", int(time.time()), BODY, [secret])
	assert standardwebhooks.Webhook(secret).verify(BODY, headers) == json.loads(BODY)


def test_the_library_refuses_what_we_sign_with_another_secret():
	headers = sign("msg_2", int(time.time()), BODY, [new_secret()])
	with pytest.raises(standardwebhooks.WebhookVerificationError):
		standardwebhooks.Webhook(new_secret()).verify(BODY, headers)


def test_we_verify_what_the_library_signs():
	secret = new_secret()
	now = int(time.time())
	signature = standardwebhooks.Webhook(secret).sign(
		"msg_3", datetime.fromtimestamp(now, tz=timezone.utc), BODY.decode()
	)
	headers = {"Webhook-Id": "msg_3", "Webhook-Timestamp": str(now), "Webhook-Signature": signature}
	verify_standard(headers, BODY, [secret])
	verify_standard(headers, BODY, [secret], now=now + 300)


def test_rotation_signs_with_every_secret_and_either_verifies():
	old, new = new_secret(), new_secret()
	headers = sign("msg_4", NOW, BODY, [old, new])
	assert len(headers["webhook-signature"].split(" ")) == 2
	verify_standard(headers, BODY, [old], now=NOW)
	verify_standard(headers, BODY, [new], now=NOW)
	verify_standard(headers, BODY, [new_secret(), new], now=NOW)
	for secret in (old, new):
		standardwebhooks.Webhook(secret).verify(BODY, sign("msg_4", int(time.time()), BODY, [old, new]))


def test_unknown_versions_and_garbage_signatures_are_skipped():
	secret = new_secret()
	good = sign("msg_5", NOW, BODY, [secret])["webhook-signature"]
	headers = sign("msg_5", NOW, BODY, [secret])
	headers["webhook-signature"] = f"v1a,abc v1,@@@ {good}"
	verify_standard(headers, BODY, [secret], now=NOW)


@pytest.mark.parametrize(
	"change",
	[
		{"body": BODY + b" "},
		{"body": BODY.replace(b"12.50", b"99.50")},
		{"webhook-id": "msg_other"},
		{"webhook-timestamp": str(NOW + 1)},
	],
	ids=["body-appended", "body-tampered", "id-changed", "timestamp-changed"],
)
def test_tampering_is_refused(change):
	secret = new_secret()
	headers = sign("msg_6", NOW, BODY, [secret])
	body = change.pop("body", BODY)
	headers.update(change)
	with pytest.raises(InvalidSignature, match="no matching signature"):
		verify_standard(headers, body, [secret], now=NOW)


def test_a_wrong_secret_is_refused():
	headers = sign("msg_7", NOW, BODY, [new_secret()])
	with pytest.raises(InvalidSignature, match="no matching signature"):
		verify_standard(headers, BODY, [new_secret(), new_secret()], now=NOW)


@pytest.mark.parametrize(
	("now", "reason"), [(NOW + 301, "too old"), (NOW - 301, "too new")], ids=["stale", "future"]
)
def test_timestamps_outside_the_tolerance_are_refused(now, reason):
	secret = new_secret()
	headers = sign("msg_8", NOW, BODY, [secret])
	verify_standard(headers, BODY, [secret], now=NOW + 300)
	verify_standard(headers, BODY, [secret], now=NOW - 300)
	with pytest.raises(InvalidSignature, match=reason):
		verify_standard(headers, BODY, [secret], now=now)
	with pytest.raises(standardwebhooks.WebhookVerificationError, match=reason):
		standardwebhooks.Webhook(secret).verify(
			BODY, sign("msg_8", int(time.time()) - (now - NOW), BODY, [secret])
		)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_refused(missing):
	secret = new_secret()
	headers = sign("msg_9", NOW, BODY, [secret])
	del headers[missing]
	with pytest.raises(InvalidSignature, match=f"missing {missing}"):
		verify_standard(headers, BODY, [secret], now=NOW)


@pytest.mark.parametrize("timestamp", ["1700000000.5", "-1", "soon", "1" * 13])
def test_malformed_timestamps_are_refused(timestamp):
	secret = new_secret()
	headers = sign("msg_10", NOW, BODY, [secret])
	headers["webhook-timestamp"] = timestamp
	with pytest.raises(InvalidSignature, match="malformed timestamp"):
		verify_standard(headers, BODY, [secret], now=NOW)


def test_no_secrets_is_a_programming_error():
	with pytest.raises(ValueError):
		sign("msg", NOW, BODY, [])
	with pytest.raises(ValueError):
		verify_standard(sign("msg", NOW, BODY, [new_secret()]), BODY, new_secret(), now=NOW)


STRIPE_SECRET = "whsec_test_secret"


def test_stripe_signature_is_hand_computable_from_the_docs():
	# https://docs.stripe.com/webhooks#verify-manually: HMAC-SHA256(secret, "{t}.{payload}"), hex.
	expected = hmac.new(b"whsec_test_secret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
	assert sign_stripe(NOW, BODY, [STRIPE_SECRET]) == f"t=1700000000,v1={expected}"


def test_stripe_library_agrees_both_ways():
	now = int(time.time())
	ours = sign_stripe(now, BODY, [STRIPE_SECRET])
	assert ours == stripe.WebhookSignature.generate_signature_header(BODY.decode(), STRIPE_SECRET, now)
	assert stripe.WebhookSignature.verify_header(BODY, ours, STRIPE_SECRET, tolerance=300)
	theirs = stripe.WebhookSignature.generate_signature_header(BODY.decode(), STRIPE_SECRET, now)
	verify_stripe(theirs, BODY, [STRIPE_SECRET])
	with pytest.raises(stripe.SignatureVerificationError):
		stripe.WebhookSignature.verify_header(BODY + b"x", ours, STRIPE_SECRET, tolerance=300)


def test_stripe_rotation_and_extra_schemes():
	header = sign_stripe(NOW, BODY, ["whsec_old", "whsec_new"])
	assert header.count("v1=") == 2
	verify_stripe(header, BODY, ["whsec_new"], now=NOW)
	verify_stripe(header + ",v0=deadbeef", BODY, ["whsec_old"], now=NOW)


@pytest.mark.parametrize(
	("header", "body", "secrets", "now", "reason"),
	[
		(None, BODY, [STRIPE_SECRET], NOW, "missing Stripe-Signature"),
		("", BODY, [STRIPE_SECRET], NOW, "missing Stripe-Signature"),
		("v1=abc", BODY, [STRIPE_SECRET], NOW, "malformed timestamp"),
		("t=1700000000,t=1700000001,v1=abc", BODY, [STRIPE_SECRET], NOW, "malformed timestamp"),
		("t=1700000000,v0=abc", BODY, [STRIPE_SECRET], NOW, "no v1 signature"),
		(None, BODY + b" ", [STRIPE_SECRET], NOW, "no matching signature"),
		(None, BODY, ["whsec_other"], NOW, "no matching signature"),
		(None, BODY, [STRIPE_SECRET], NOW + 301, "too old"),
		(None, BODY, [STRIPE_SECRET], NOW - 301, "too new"),
	],
)
def test_stripe_refusals(header, body, secrets, now, reason):
	if header is None and reason != "missing Stripe-Signature":
		header = sign_stripe(NOW, BODY, [STRIPE_SECRET])
	with pytest.raises(InvalidSignature, match=reason):
		verify_stripe(header, body, secrets, now=now)


GITHUB_EXAMPLE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_documented_example():
	# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
	assert sign_github(b"Hello, World!", "It's a Secret to Everybody") == GITHUB_EXAMPLE
	verify_github(GITHUB_EXAMPLE, b"Hello, World!", ["old secret", "It's a Secret to Everybody"])


@pytest.mark.parametrize(
	("header", "body", "secret", "reason"),
	[
		(GITHUB_EXAMPLE, b"Hello, World?", "It's a Secret to Everybody", "no matching"),
		(GITHUB_EXAMPLE, b"Hello, World!", "It's a secret to everybody", "no matching"),
		(GITHUB_EXAMPLE.upper(), b"Hello, World!", "It's a Secret to Everybody", "no matching"),
		(
			GITHUB_EXAMPLE.removeprefix("sha256="),
			b"Hello, World!",
			"It's a Secret to Everybody",
			"no matching",
		),
		(None, b"Hello, World!", "It's a Secret to Everybody", "missing X-Hub-Signature-256"),
	],
)
def test_github_refusals(header, body, secret, reason):
	with pytest.raises(InvalidSignature, match=reason):
		verify_github(header, body, [secret])


def frappe_15_signature(data: dict, secret: str) -> bytes:
	"""frappe/integrations/doctype/webhook/webhook.py (version-15), get_webhook_headers."""
	return base64.b64encode(
		hmac.new(secret.encode("utf8"), json.dumps(data).encode("utf8"), hashlib.sha256).digest()
	)


def test_frappe_signature_is_what_frappe_15_sends():
	data = {"name": "SINV-0001", "customer": "Zoë", "grand_total": 12.5, "items": [{"qty": 1}]}
	sent_body = json.dumps(data, default=str).encode()  # what enqueue_webhook posts
	signature = frappe_15_signature(data, "frappe secret")
	assert sign_frappe(sent_body, "frappe secret") == signature.decode()
	verify_frappe(signature.decode(), sent_body, ["another", "frappe secret"])
	with pytest.raises(InvalidSignature, match="no matching"):
		verify_frappe(signature.decode(), sent_body.replace(b"12.5", b"99.5"), ["frappe secret"])
	with pytest.raises(InvalidSignature, match="no matching"):
		verify_frappe(signature.decode(), sent_body, ["wrong"])
	with pytest.raises(InvalidSignature, match="missing X-Frappe-Webhook-Signature"):
		verify_frappe(None, sent_body, ["frappe secret"])


def test_redact_headers_keeps_values_of_an_allow_list_only():
	headers = {
		"authorization": "Bearer abc",
		"Webhook-Signature": "v1,abc",
		"webhook-id": "msg_1",
		"Webhook-Timestamp": "1700000000",
		"STRIPE-SIGNATURE": "t=1,v1=abc",
		"x-hub-signature-256": "sha256=abc",
		"X-Frappe-Webhook-Signature": "abc=",
		"Cookie": "sid=abc",
		"Set-Cookie": "sid=abc; HttpOnly",
		"X-Api-Key": "a-credential-under-any-name",
		"X-Custom-Token": "another",
		"Content-Type": "application/json",
		"User-Agent": "Svix-Webhooks/1.0",
	}
	redacted = redact_headers(headers)
	assert list(redacted) == list(headers)
	kept = {name for name, value in redacted.items() if value != REDACTED}
	assert kept == {"webhook-id", "Webhook-Timestamp", "Content-Type", "User-Agent"}
	assert redacted["Content-Type"] == "application/json"
	assert headers["authorization"] == "Bearer abc"


@given(st.text(min_size=1, max_size=30), st.text(max_size=40))
def test_a_header_nobody_listed_keeps_no_value(name, value):
	if name.lower() not in KEPT_HEADERS:
		assert redact_headers({name: value})[name] == REDACTED
