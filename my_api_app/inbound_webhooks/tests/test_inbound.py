"""Bench tests of the inbound webhook receiver, through Frappe's real request pipeline.

Each scheme: a valid delivery is stored and handled once; a wrong signature is a 401 that
stores nothing; stale and future timestamps are refused; a replay is acknowledged as a
duplicate without a second handler run (also when Redis lost the id); rotated secrets;
disabled and unknown sources. The handler job is checked in the RQ queue, then run here as a
worker runs it (a worker of the bench may run it first: the row lock makes that the same).
"""

import hashlib
import json
import threading
import time
from urllib.parse import quote

import frappe
from frappe.utils import add_to_date, now_datetime
from frappe.utils.background_jobs import get_job

from my_api_app.inbound_webhooks import duplicates as replay
from my_api_app.inbound_webhooks import processing
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.shared.rules.webhook_signing import new_secret, sign, sign_frappe, sign_github, sign_stripe
from my_api_app.testing import api_request, make_api_user
from my_api_app.tests.factories import make_webhook_source

RECEIVE = "/api/method/my_api_app.api.inbound.receive"
HANDLER = "my_api_app.inbound_webhooks.tests.handlers.record"
EVENT = "Inbound Webhook Event"
STANDARD_SECRET = new_secret()
STRIPE_SECRET = "whsec_test_stripe_inbound_0123456789"
GITHUB_SECRET = "github-inbound-secret-0123456789"
FRAPPE_SECRET = "frappe-inbound-secret-0123456789"
SOURCES = {
	"t-standard": ("Standard Webhooks", STANDARD_SECRET),
	"t-stripe": ("Stripe", STRIPE_SECRET),
	"t-github": ("GitHub", GITHUB_SECRET),
	"t-frappe": ("Frappe", FRAPPE_SECRET),
}
MANAGER = "inbound-manager@example.com"


def make_source(slug: str, scheme: str, secrets: list[dict], **fields) -> None:
	make_webhook_source(slug, scheme, secrets, **{"handler": HANDLER, **fields})


def unique(prefix: str) -> str:
	return f"{prefix}_{frappe.generate_hash(length=12)}"


class InboundTestCase(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.delete(EVENT, {"source": ("like", "t-%")})
		for slug, (scheme, secret) in SOURCES.items():
			make_source(slug, scheme, [{"secret": secret, "label": "current"}])

	def post(self, slug: str | None, body: bytes, headers: dict, content_type="application/json"):
		query = {"source": slug} if slug is not None else None
		response = api_request(
			"POST", RECEIVE, data=body, query=query, headers={"Content-Type": content_type, **headers}
		)
		frappe.db.commit()  # a new snapshot: see what the request committed
		return response, response.get_json(silent=True) or {}

	def standard(self, body: bytes, msg_id: str, timestamp: int | None = None, secrets=(STANDARD_SECRET,)):
		return sign(msg_id, int(time.time()) if timestamp is None else timestamp, body, list(secrets))

	def events(self, source: str, event_id: str | None = None) -> list[dict]:
		filters = {"source": source, **({"event_id": event_id} if event_id else {})}
		return frappe.get_all(EVENT, filters=filters, fields=["*"])

	def handled(self, event: str) -> int:
		return frappe.db.count("ToDo", {"reference_type": EVENT, "reference_name": event})

	def run_job(self, event: str) -> None:
		"""The job the receiver enqueued is in RQ; run it as the worker does."""
		job = get_job(f"inbound-webhook:{event}")
		self.assertIsNotNone(job, "the handler job was not enqueued")
		self.assertEqual(job.kwargs["kwargs"]["event_name"], event)
		self.assertTrue(job.origin.endswith(":short"), job.origin)
		processing.process_event(event)
		frappe.db.commit()

	def assertRefused(self, response, body, status=401):
		self.assertEqual(response.status_code, status, body)
		self.assertEqual(body["error"]["status"], status)
		self.assertEqual(body["error"]["request_id"], response.headers["X-Request-Id"])
		self.assertNotIn("Traceback", response.get_data(as_text=True))

	def assertAccepted(self, response, body) -> str:
		self.assertEqual(response.status_code, 202, body)
		self.assertEqual(body["message"]["status"], "success")
		self.assertEqual(body["message"]["data"]["status"], "accepted")
		return body["message"]["data"]["event"]

	def assertDuplicate(self, response, body, event_id: str) -> None:
		self.assertEqual(response.status_code, 200, body)
		self.assertEqual(body["message"]["data"], {"status": "duplicate", "event_id": event_id})


class TestStandardWebhooks(InboundTestCase):
	def test_valid_delivery_is_stored_redacted_handled_once_and_a_replay_is_a_duplicate(self):
		msg_id = unique("msg")
		body = json.dumps({"type": "invoice.paid", "data": {"html": "<b>kept</b>"}}).encode()
		headers = self.standard(body, msg_id)
		response, answer = self.post("t-standard", body, headers)
		event = self.assertAccepted(response, answer)

		stored = frappe.get_doc(EVENT, event)
		self.assertEqual(
			(stored.source, stored.event_id, stored.event_type), ("t-standard", msg_id, "invoice.paid")
		)
		self.assertIn(stored.status, ("Received", "Processed"))  # a worker of the bench may be quick
		self.assertEqual(stored.body.encode(), body)
		stored_headers = {k.lower(): v for k, v in json.loads(stored.headers).items()}
		self.assertEqual(stored_headers["webhook-signature"], "[redacted]")
		self.assertEqual(stored_headers["webhook-id"], msg_id)
		self.assertNotIn(headers["webhook-signature"], stored.headers)

		self.run_job(event)
		self.assertEqual(frappe.db.get_value(EVENT, event, "status"), "Processed")
		self.assertEqual(self.handled(event), 1)

		response, answer = self.post("t-standard", body, headers)
		self.assertDuplicate(response, answer, msg_id)
		processing.process_event(event)  # a second job, had one been enqueued, does nothing
		frappe.db.commit()
		self.assertEqual(len(self.events("t-standard", msg_id)), 1)
		self.assertEqual(self.handled(event), 1)

	def test_a_replay_is_a_duplicate_even_when_redis_lost_the_id(self):
		msg_id = unique("msg")
		body = b'{"type": "lost.key"}'
		headers = self.standard(body, msg_id)
		event = self.assertAccepted(*self.post("t-standard", body, headers))
		self.run_job(event)
		self.assertEqual(frappe.cache.get(replay.redis_key("t-standard", msg_id)), replay.STORED)

		frappe.cache.delete(replay.redis_key("t-standard", msg_id))
		self.assertDuplicate(*self.post("t-standard", body, headers), msg_id)
		self.assertEqual(len(self.events("t-standard", msg_id)), 1)
		self.assertEqual(self.handled(event), 1)
		self.assertEqual(frappe.cache.get(replay.redis_key("t-standard", msg_id)), replay.STORED)

	def test_concurrent_copies_of_one_delivery_store_it_once(self):
		msg_id = unique("msg")
		body = b'{"type": "race"}'
		headers = self.standard(body, msg_id)
		site = frappe.local.site
		statuses = []

		def send():
			response = api_request(
				"POST",
				RECEIVE,
				data=body,
				query={"source": "t-standard"},
				headers={"Content-Type": "application/json", **headers},
				site=site,
			)
			statuses.append(response.status_code)

		threads = [threading.Thread(target=send) for _ in range(6)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		frappe.db.commit()
		self.assertEqual(sorted(statuses), [200] * 5 + [202])
		self.assertEqual(len(self.events("t-standard", msg_id)), 1)

	def test_wrong_signature_is_401_and_nothing_is_stored(self):
		msg_id = unique("msg")
		body = b'{"type": "forged"}'
		before = frappe.db.count(EVENT)
		errors_before = frappe.db.count("Error Log")
		for headers in (
			self.standard(body, msg_id, secrets=[new_secret()]),
			self.standard(b'{"type": "other"}', msg_id),
			{k: v for k, v in self.standard(body, msg_id).items() if k != "webhook-signature"},
			{},
		):
			response, answer = self.post("t-standard", body, headers)
			self.assertRefused(response, answer)
			self.assertEqual(answer["error"]["type"], "unauthenticated")
			self.assertEqual(answer["error"]["detail"], "The webhook signature could not be verified.")
		self.assertEqual(frappe.db.count(EVENT), before)
		self.assertEqual(frappe.db.count("Error Log"), errors_before)
		self.assertIsNone(frappe.cache.get(replay.redis_key("t-standard", msg_id)))

	def test_stale_and_future_timestamps_are_refused(self):
		body = b'{"type": "timing"}'
		before = frappe.db.count(EVENT)
		# 30 s past the tolerance: a wall clock that ticks between signing and checking must not
		# bring a future timestamp inside it (the exact boundary is tested in the core tier)
		for offset in (-330, 330, -3600, 3600):
			msg_id = unique("msg")
			headers = self.standard(body, msg_id, timestamp=int(time.time()) + offset)
			self.assertRefused(*self.post("t-standard", body, headers))
		self.assertEqual(frappe.db.count(EVENT), before)
		for offset in (-290, 290):  # inside the 300 s tolerance
			self.assertAccepted(
				*self.post("t-standard", body, self.standard(body, unique("msg"), int(time.time()) + offset))
			)

	def test_rotated_secrets_verify_until_the_old_one_expires(self):
		old, new = new_secret(), new_secret()
		make_source("t-rotating", "Standard Webhooks", [{"secret": old, "label": "old"}, {"secret": new}])
		body = b'{"type": "rotation"}'
		self.assertAccepted(*self.post("t-rotating", body, self.standard(body, unique("m"), secrets=[old])))
		self.assertAccepted(*self.post("t-rotating", body, self.standard(body, unique("m"), secrets=[new])))
		self.assertAccepted(
			*self.post("t-rotating", body, self.standard(body, unique("m"), secrets=[new, old]))
		)

		source = frappe.get_doc("Webhook Source", "t-rotating")
		source.secrets[0].expires_at = add_to_date(now_datetime(), minutes=-1)
		source.save()
		frappe.db.commit()
		self.assertRefused(*self.post("t-rotating", body, self.standard(body, unique("m"), secrets=[old])))
		self.assertAccepted(*self.post("t-rotating", body, self.standard(body, unique("m"), secrets=[new])))

		old_row = source.secrets[0].name
		source.secrets = source.secrets[1:]
		source.save()
		frappe.db.commit()
		self.assertFalse(
			frappe.db.sql(
				"select 1 from `__Auth` where doctype=%s and name=%s", (source.secrets[0].doctype, old_row)
			)
		)
		self.assertAccepted(*self.post("t-rotating", body, self.standard(body, unique("m"), secrets=[new])))

	def test_unknown_disabled_and_missing_sources_are_404(self):
		body = b'{"type": "nowhere"}'
		headers = self.standard(body, unique("msg"))
		make_source("t-disabled", "Standard Webhooks", [{"secret": STANDARD_SECRET}], enabled=0)
		before = frappe.db.count(EVENT)
		for slug in ("t-disabled", "t-no-such-source", None, ""):
			response, answer = self.post(slug, body, headers)
			self.assertRefused(response, answer, status=404)
			self.assertEqual(answer["error"]["type"], "not_found")
		self.assertEqual(frappe.db.count(EVENT), before)

	def test_a_body_key_cannot_choose_another_source(self):
		body = json.dumps({"source": "t-github", "type": "x"}).encode()
		event = self.assertAccepted(*self.post("t-standard", body, self.standard(body, unique("msg"))))
		self.assertEqual(frappe.db.get_value(EVENT, event, "source"), "t-standard")

	def test_a_malformed_json_body_is_a_structured_400(self):
		response, answer = self.post("t-standard", b"{not json", {})
		self.assertRefused(response, answer, status=400)
		self.assertEqual(answer["error"]["type"], "invalid_input")

	def test_a_cmd_key_in_the_body_is_the_senders_not_a_frappe_rpc_call(self):
		body = json.dumps({"cmd": "frappe.ping", "type": "command.sent"}).encode()
		event = self.assertAccepted(*self.post("t-standard", body, self.standard(body, unique("msg"))))
		self.assertEqual(frappe.db.get_value(EVENT, event, "body").encode(), body)

	def test_only_post_is_allowed(self):
		response = api_request("GET", RECEIVE, query={"source": "t-standard"})
		self.assertRefused(response, response.get_json(), status=405)
		self.assertEqual(response.headers["Allow"], "POST")

	def test_an_oversized_body_is_413_before_verification(self):
		body = b"{" + b" " * (1024 * 1024) + b"}"
		self.assertRefused(*self.post("t-standard", body, self.standard(body, unique("msg"))), status=413)


class TestOtherSchemes(InboundTestCase):
	def test_stripe_event_is_identified_by_its_id_and_timestamps_are_checked(self):
		event_id = unique("evt")
		body = json.dumps({"id": event_id, "object": "event", "type": "payment_intent.succeeded"}).encode()
		header = {"Stripe-Signature": sign_stripe(int(time.time()), body, [STRIPE_SECRET])}
		event = self.assertAccepted(*self.post("t-stripe", body, header))
		self.assertEqual(
			frappe.db.get_value(EVENT, event, ["event_id", "event_type"]),
			(event_id, "payment_intent.succeeded"),
		)
		self.assertIn("[redacted]", frappe.db.get_value(EVENT, event, "headers"))
		self.run_job(event)
		self.assertEqual(self.handled(event), 1)
		self.assertDuplicate(*self.post("t-stripe", body, header), event_id)
		self.assertEqual(self.handled(event), 1)

		before = frappe.db.count(EVENT)
		for timestamp in (int(time.time()) - 330, int(time.time()) + 330):  # see the Standard test
			body = json.dumps({"id": unique("evt"), "type": "late"}).encode()
			self.assertRefused(
				*self.post(
					"t-stripe", body, {"Stripe-Signature": sign_stripe(timestamp, body, [STRIPE_SECRET])}
				)
			)
		body = json.dumps({"id": unique("evt"), "type": "forged"}).encode()
		wrong = {"Stripe-Signature": sign_stripe(int(time.time()), body, ["whsec_someone_else"])}
		self.assertRefused(*self.post("t-stripe", body, wrong))
		self.assertEqual(frappe.db.count(EVENT), before)

	def test_github_body_is_the_id_the_event_type_is_unsigned_so_empty_and_the_form_body_verified(self):
		payload = json.dumps({"action": "opened", "n": unique("pr")})
		body = b"payload=" + quote(payload, safe="").encode()
		headers = {
			"X-Hub-Signature-256": sign_github(body, GITHUB_SECRET),
			"X-GitHub-Delivery": unique("gh"),
			"X-GitHub-Event": "pull_request",
		}
		response, answer = self.post(
			"t-github", body, headers, content_type="application/x-www-form-urlencoded"
		)
		event = self.assertAccepted(response, answer)
		body_id = "sha256:" + hashlib.sha256(body).hexdigest()
		self.assertEqual(frappe.db.get_value(EVENT, event, ["event_id", "event_type"]), (body_id, None))
		self.assertEqual(frappe.db.get_value(EVENT, event, "body").encode(), body)
		self.run_job(event)
		self.assertEqual(self.handled(event), 1)
		# A captured delivery sent again, as itself, under a new delivery id, or relabelled as
		# another event (GitHub signs neither header): the same body is the same, handled event,
		# in Redis and, once Redis lost the id, in the database.
		for forget in (False, True):
			for replayed in (
				headers,
				{**headers, "X-GitHub-Delivery": unique("gh")},
				{**headers, "X-GitHub-Delivery": unique("gh"), "X-GitHub-Event": "delete"},
			):
				if forget:
					frappe.cache.delete(replay.redis_key("t-github", body_id))
				self.assertDuplicate(
					*self.post("t-github", body, replayed, content_type="application/x-www-form-urlencoded"),
					body_id,
				)
		self.assertEqual(self.handled(event), 1)
		self.assertEqual(len(self.events("t-github", body_id)), 1)
		before = frappe.db.count(EVENT)
		wrong = {
			**headers,
			"X-Hub-Signature-256": sign_github(body, "not-the-secret"),
			"X-GitHub-Delivery": unique("gh"),
		}
		self.assertRefused(
			*self.post("t-github", body, wrong, content_type="application/x-www-form-urlencoded")
		)
		self.assertEqual(frappe.db.count(EVENT), before)

	def test_frappe_signature_and_the_body_hash_as_its_id(self):
		body = json.dumps(
			{"doctype": "ToDo", "name": unique("todo"), "modified": str(now_datetime())}
		).encode()
		headers = {"X-Frappe-Webhook-Signature": sign_frappe(body, FRAPPE_SECRET)}
		event = self.assertAccepted(*self.post("t-frappe", body, headers))
		event_id = frappe.db.get_value(EVENT, event, "event_id")
		self.assertTrue(event_id.startswith("sha256:"))
		self.run_job(event)
		self.assertDuplicate(*self.post("t-frappe", body, headers), event_id)
		self.assertEqual(self.handled(event), 1)
		before = frappe.db.count(EVENT)
		self.assertRefused(
			*self.post("t-frappe", body, {"X-Frappe-Webhook-Signature": sign_frappe(body, "x" * 20)})
		)
		self.assertEqual(frappe.db.count(EVENT), before)


class TestHandlingAndConfiguration(InboundTestCase):
	def test_a_failing_handler_marks_the_event_failed_without_its_secret_and_can_run_again(self):
		body = b'{"type": "boom", "fail": true}'
		event = self.assertAccepted(*self.post("t-standard", body, self.standard(body, unique("msg"))))
		self.run_job(event)
		stored = frappe.get_doc(EVENT, event)
		self.assertEqual((stored.status, stored.attempts), ("Failed", 1))
		self.assertIn("RuntimeError: refused", stored.error)
		self.assertIn("[redacted]", stored.error)
		self.assertNotIn(STANDARD_SECRET, stored.error)
		self.assertNotIn(STANDARD_SECRET.removeprefix("whsec_"), stored.error)
		self.assertEqual(self.handled(event), 0)

		manager = make_api_user(MANAGER, roles=("System Manager",))
		response = api_request(
			"POST", "/api/method/my_api_app.api.inbound.process_again", json={"event": event}, auth=manager
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.commit()
		self.run_job(event)
		self.assertEqual(frappe.db.get_value(EVENT, event, ["status", "attempts"]), ("Failed", 2))

	def test_handler_and_secrets_are_validated_at_save(self):
		for handler in (
			"no_dots",
			"os.system",
			"my_api_app.inbound_webhooks.tests.handlers.missing",
			"my_api_app.nope.f",
		):
			with self.assertRaises(frappe.ValidationError, msg=handler):
				make_source("t-invalid", "GitHub", [{"secret": GITHUB_SECRET}], handler=handler)
		with self.assertRaises(frappe.ValidationError):
			make_source("t-invalid", "Standard Webhooks", [{"secret": "not-a-whsec-secret"}])
		with self.assertRaises(frappe.ValidationError):
			make_source("t-invalid", "Stripe", [{"secret": STRIPE_SECRET}], tolerance=-5)
		with self.assertRaises(frappe.ValidationError):
			make_source("Bad Slug", "GitHub", [{"secret": GITHUB_SECRET}])
		frappe.db.rollback()

	def test_only_system_managers_configure_sources_and_secrets_cannot_be_read_back(self):
		make_api_user("inbound-member@example.com")
		for ptype in ("read", "create", "write"):
			self.assertFalse(
				frappe.has_permission("Webhook Source", ptype, user="inbound-member@example.com")
			)
			self.assertTrue(frappe.has_permission("Webhook Source", ptype, user=MANAGER))
		row = frappe.get_doc("Webhook Source", "t-github").secrets[0]
		self.assertEqual(set(row.secret), {"*"})
		from frappe.client import get_password

		with self.assertRaises(frappe.PermissionError):
			get_password("Webhook Source Secret", row.name, "secret")

	def test_a_generated_secret_is_shown_once_and_verifies(self):
		make_source("t-generated", "Standard Webhooks", [])
		manager = make_api_user(MANAGER, roles=("System Manager",))
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.inbound.generate_secret",
			json={"source": "t-generated"},
			auth=manager,
		)
		self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
		secret = response.get_json()["message"]["data"]["secret"]
		self.assertTrue(secret.startswith("whsec_"))
		frappe.db.commit()
		self.assertNotIn(
			secret, json.dumps(frappe.get_doc("Webhook Source", "t-generated").as_dict(), default=str)
		)
		body = b'{"type": "generated"}'
		self.assertAccepted(
			*self.post("t-generated", body, self.standard(body, unique("msg"), secrets=[secret]))
		)

		member = make_api_user("inbound-member@example.com")
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.inbound.generate_secret",
			json={"source": "t-generated"},
			auth=member,
		)
		self.assertEqual(response.status_code, 403)

	def test_a_source_without_an_active_secret_verifies_nothing(self):
		make_source("t-empty", "GitHub", [])
		body = b"{}"
		self.assertRefused(*self.post("t-empty", body, {"X-Hub-Signature-256": sign_github(body, "")}))

	def stored_event(self, status: str, received_at) -> str:
		"""An event as the receiver stores it, but with no job: one whose job was lost."""
		event = frappe.get_doc(
			{
				"doctype": EVENT,
				"source": "t-standard",
				"event_id": unique("stored"),
				"status": status,
				"received_at": received_at,
				"headers": "{}",
				"body": "{}",
			}
		).insert()
		frappe.db.commit()
		return event.name

	def test_stalled_events_are_enqueued_again(self):
		stalled = self.stored_event("Received", add_to_date(now_datetime(), minutes=-20))
		recent = self.stored_event("Received", now_datetime())
		processing.requeue_stalled()
		frappe.db.commit()
		self.assertIsNone(get_job(f"inbound-webhook:{recent}"))
		self.run_job(stalled)
		self.assertEqual(self.handled(stalled), 1)
		frappe.delete_doc(EVENT, recent)
		frappe.db.commit()

	def test_log_settings_clears_old_handled_events_only(self):
		from my_api_app.inbound_webhooks.doctype.inbound_webhook_event.inbound_webhook_event import (
			InboundWebhookEvent,
		)

		old = add_to_date(now_datetime(), days=-91)
		made = [self.stored_event(status, old) for status in ("Processed", "Failed", "Received")]
		fresh = self.stored_event("Processed", now_datetime())
		InboundWebhookEvent.clear_old_logs(90)
		frappe.db.commit()
		self.assertEqual([frappe.db.exists(EVENT, name) for name in made], [None, None, made[2]])
		self.assertTrue(frappe.db.exists(EVENT, fresh))
		frappe.delete_doc(EVENT, made[2])
		frappe.db.commit()
