"""Bench tests of durable webhooks: events stored with the change, signed deliveries to a real
receiver on 127.0.0.1, the retry schedule, leases, disabling, SSRF refusals, replay rules.
Deliveries are sent by calling the job's code in this process; the HTTP tests send them with RQ.
An RQ worker of the bench may be running too: events made here are held (not due) until the
test sends them, and after an API call that queues a send the test accepts either sender."""

import json
import time
from datetime import datetime, timezone

import frappe
from frappe.utils import get_datetime, now_datetime

from my_api_app.shared import frappe_compat
from my_api_app.shared.rules import webhook_signing
from my_api_app.testing import api_request
from my_api_app.tests.factories import ApiUsersTestCase, site_config
from my_api_app.webhooks import config, sending, transport
from my_api_app.webhooks.local_receiver import Answer, Receiver

DELIVERY = "Webhook Delivery"
WRITER = "webhooks-writer@example.com"
READER = "webhooks-reader@example.com"
API = "/api/method/my_api_app.api.webhooks."


class WebhookTestCase(ApiUsersTestCase):
	USERS = {"writer_key": (WRITER, ("System Manager",)), "reader_key": (READER, ())}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.receiver = Receiver(respond=lambda received: cls.answer(received)).start()

	@classmethod
	def tearDownClass(cls):
		cls.receiver.stop()
		for name in frappe.get_all("Webhook", filters={"name": ("like", "test-durable-%")}, pluck="name"):
			frappe.delete_doc("Webhook", name, ignore_permissions=True)  # its deliveries go with it
		frappe.db.commit()
		super().tearDownClass()

	@staticmethod
	def answer(received) -> Answer:
		return Answer()

	def setUp(self):
		# the receivers listen on this host: the address guard lets loopback through for the test
		self.enterContext(site_config(my_api_app_webhook_allowed_networks=["127.0.0.1/32"]))
		self.receiver.received.clear()
		type(self).answer = staticmethod(lambda received: Answer())
		frappe.db.delete("Webhook", {"name": ("like", "test-durable-%")})
		frappe.db.delete(config.SECRETS, {"webhook": ("like", "test-durable-%")})
		frappe.db.delete(DELIVERY)
		frappe.db.delete("Webhook Delivery Attempt")
		config.invalidate()
		frappe.db.commit()

	def tearDown(self):
		frappe.db.rollback()

	def make_webhook(self, **fields):
		doc = frappe.get_doc(
			{
				"doctype": "Webhook",
				"__newname": f"test-durable-{frappe.generate_hash(length=6)}",
				"webhook_doctype": "ToDo",
				"webhook_docevent": "after_insert",
				"request_url": self.receiver.url,
				"request_structure": "JSON",
				"webhook_json": '{"name": "{{ doc.name }}", "description": "{{ doc.description }}"}',
				"enabled": 1,
				"durable_delivery": 1,
				"durable_retry_schedule": "0, 1, 2",
				**fields,
			}
		).insert()
		frappe.db.commit()
		return doc

	def new_todo(self, description="webhook test") -> str:
		"""A ToDo; its events are held back from any running worker until only_delivery."""
		todo = frappe.get_doc({"doctype": "ToDo", "description": description}).insert()
		frappe.db.sql(
			"update `tabWebhook Delivery` set next_attempt_at = %s where attempt_count = 0",
			frappe.utils.add_days(None, 1),
		)
		frappe.db.commit()
		return todo.name

	def only_delivery(self, webhook) -> frappe._dict:
		rows = frappe.get_all(DELIVERY, filters={"webhook": webhook.name}, fields=["*"])
		self.assertEqual(len(rows), 1, rows)
		frappe.db.set_value(DELIVERY, rows[0].name, "next_attempt_at", now_datetime())
		frappe.db.commit()
		return rows[0]

	def send_queued(self, name: str) -> None:
		"""Send ``name``, which an API call has queued: here, unless a worker was quicker."""
		if self.send(name) is None:
			deadline = time.monotonic() + 30
			while frappe.db.get_value(DELIVERY, name, "status") == "Pending" and time.monotonic() < deadline:
				time.sleep(0.2)
				frappe.db.rollback()  # a new snapshot
		self.assertEqual(frappe.db.get_value(DELIVERY, name, "status"), "Delivered")

	def send(self, name: str) -> str | None:
		session = transport.new_session()
		try:
			return sending.attempt(name, session)
		finally:
			session.close()

	def test_opting_in_moves_the_switch_and_frappe_webhooks_stay_frappes(self):
		durable = self.make_webhook()
		self.assertEqual((durable.enabled, durable.durable_enabled), (0, 1))  # Frappe's sender skips it
		secret = durable.get_onload().get("signing_secret")  # in the answer to this first save only
		self.assertTrue(secret.startswith("whsec_"))
		self.assertEqual(config.signing_secrets(frappe.get_doc("Webhook", durable.name)), [secret])
		plain = self.make_webhook(durable_delivery=0)
		self.assertEqual((plain.enabled, plain.durable_enabled), (1, 0))
		frappe_compat.set_test_mode(False)  # Frappe sends its own webhooks inline only in tests
		try:
			self.new_todo()
		finally:
			frappe_compat.set_test_mode(True)
		self.assertEqual(frappe.db.count(DELIVERY, {"webhook": plain.name}), 0)
		self.assertEqual(frappe.db.count(DELIVERY, {"webhook": durable.name}), 1)
		plain_again = frappe.get_doc("Webhook", durable.name)
		plain_again.durable_delivery = 0
		plain_again.save()
		self.assertEqual(plain_again.enabled, 1)  # back to Frappe's sender, still on

	def test_frappes_sender_drops_a_webhook_made_durable_once_that_commits(self):
		"""Frappe drops the map of the webhooks its sender sends in Webhook.on_update, before the
		change commits: a request that loads the map in between reads the committed rows, where
		the webhook is still Frappe's, and Frappe would go on sending it besides the app. The app
		drops the map again once the change commits."""
		from frappe.integrations.doctype.webhook import get_all_webhooks

		plain = self.make_webhook(durable_delivery=0)
		stale = get_all_webhooks()  # what another request loads while the change below is uncommitted
		self.assertIn(plain.name, [hook.name for hook in stale["ToDo"]])
		doc = frappe.get_doc("Webhook", plain.name)
		doc.durable_delivery = 1
		doc.save()
		frappe_compat.frappe_webhooks_cache().set_value("webhooks", stale)
		frappe.db.commit()
		cached = frappe_compat.frappe_webhooks_cache().get_value("webhooks") or get_all_webhooks()
		self.assertNotIn(plain.name, [hook.name for hook in cached.get("ToDo", [])])

	def test_the_signing_secret_is_shown_once_in_the_answer_that_made_it(self):
		"""Over REST and from Desk's save: the answer to the first durable save carries it; no
		later read, save or call does (a new one comes from a rotation, in its answer only)."""
		fields = {
			"doctype": "Webhook",
			"webhook_doctype": "ToDo",
			"webhook_docevent": "after_insert",
			"request_url": self.receiver.url,
			"request_structure": "JSON",
			"webhook_json": "{}",
			"enabled": 1,
		}
		# REST: made durable at the insert
		name = f"test-durable-{frappe.generate_hash(length=6)}"
		made = api_request(
			"POST",
			"/api/resource/Webhook",
			json={**fields, "__newname": name, "durable_delivery": 1},
			auth=self.writer_key,
		)
		self.assertEqual(made.status_code, 200, made.get_data(as_text=True))
		secret = made.get_json()["data"]["__onload"]["signing_secret"]
		frappe.db.commit()
		self.assertEqual(config.signing_secrets(frappe.get_doc("Webhook", name)), [secret])
		# Desk: a plain webhook made durable by a later save (savedocs, then the form's onload)
		plain = frappe.get_doc({**fields, "__newname": f"test-durable-{frappe.generate_hash(length=6)}"})
		plain.insert()
		self.assertFalse(plain.get("__onload"))
		self.assertFalse(frappe.db.exists(config.SECRETS, {"webhook": plain.name}))
		frappe.db.commit()
		plain.durable_delivery = 1
		saved = api_request(
			"POST",
			"/api/method/frappe.desk.form.save.savedocs",
			data={"doc": plain.as_json(), "action": "Save"},
			auth=self.writer_key,
		)
		self.assertEqual(saved.status_code, 200, saved.get_data(as_text=True))
		[doc] = saved.get_json()["docs"]
		desk_secret = doc["__onload"]["signing_secret"]
		frappe.db.commit()
		self.assertEqual(config.signing_secrets(frappe.get_doc("Webhook", plain.name)), [desk_secret])

		for webhook in (name, plain.name):
			later = [
				api_request("GET", f"/api/resource/Webhook/{webhook}", auth=self.writer_key),
				api_request(
					"GET",
					"/api/method/frappe.desk.form.load.getdoc",
					query={"doctype": "Webhook", "name": webhook},
					auth=self.writer_key,
				),
				api_request(
					"PUT", f"/api/resource/Webhook/{webhook}", json={"timeout": 4}, auth=self.writer_key
				),
			]
			for response in later:
				self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
				text = response.get_data(as_text=True)
				self.assertNotIn("signing_secret", text)
				self.assertNotIn(secret, text)
				self.assertNotIn(desk_secret, text)
		gone = api_request("POST", API + "signing_secret", json={"webhook": name}, auth=self.writer_key)
		self.assertNotEqual(gone.status_code, 200)  # the old "Show Signing Secret" route is gone
		self.assertNotIn(secret, gone.get_data(as_text=True))

	def test_a_webhook_without_a_secret_says_so_and_a_rotation_makes_one(self):
		webhook = self.make_webhook()
		frappe.delete_doc(config.SECRETS, frappe.db.get_value(config.SECRETS, {"webhook": webhook.name}))
		frappe.db.commit()
		with self.assertRaisesRegex(frappe.ValidationError, "rotate it"):
			config.signing_secrets(webhook)
		rotated = api_request(
			"POST", API + "rotate_signing_secret", json={"webhook": webhook.name}, auth=self.writer_key
		)
		self.assertEqual(rotated.status_code, 200, rotated.get_data(as_text=True))
		frappe.db.commit()
		self.assertEqual(config.signing_secrets(webhook), [rotated.get_json()["message"]["data"]["secret"]])

	def test_the_event_is_stored_with_the_change_and_only_if_it_commits(self):
		webhook = self.make_webhook()
		frappe.get_doc({"doctype": "ToDo", "description": "rolled back"}).insert()
		self.assertEqual(frappe.db.count(DELIVERY, {"webhook": webhook.name}), 1)
		frappe.db.rollback()
		self.assertEqual(frappe.db.count(DELIVERY, {"webhook": webhook.name}), 0)
		self.assertEqual(self.receiver.received, [])

	def test_a_delivery_is_signed_enveloped_and_logged_without_secrets(self):
		webhook = self.make_webhook(
			enable_security=1,
			webhook_secret="frappe-secret",
			webhook_headers=[{"key": "X-Api-Key", "value": "receiver-api-key-1234"}],
		)
		todo = self.new_todo("signed")
		delivery = self.only_delivery(webhook)
		self.assertEqual(self.send(delivery.name), "delivered")

		[received] = self.receiver.received
		secret = config.signing_secrets(frappe.get_doc("Webhook", webhook.name))[0]
		webhook_signing.verify_standard(received.headers, received.body, [secret])
		webhook_signing.verify_frappe(
			received.headers["x-frappe-webhook-signature"], received.body, ["frappe-secret"]
		)
		self.assertEqual(received.headers["webhook-id"], delivery.event_id)
		body = json.loads(received.body)
		self.assertEqual(body["type"], "todo.after_insert")
		self.assertEqual(body["data"], {"name": todo, "description": "signed"})
		sent_at = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
		self.assertLess(abs((datetime.now(timezone.utc) - sent_at).total_seconds()), 60)  # UTC, not site time

		stored = frappe.get_doc(DELIVERY, delivery.name)
		self.assertEqual(
			(stored.status, stored.attempt_count, stored.last_status_code), ("Delivered", 1, 200)
		)
		[attempt] = stored.attempts
		self.assertEqual(attempt.response_excerpt, "ok")
		self.assertEqual(received.headers["x-api-key"], "receiver-api-key-1234")  # sent...
		logged = json.loads(attempt.request_headers)
		self.assertEqual(  # ...but logged by name only: only the signed id and timestamp keep values
			logged,
			{
				"X-Api-Key": webhook_signing.REDACTED,
				"Content-Type": webhook_signing.REDACTED,
				"User-Agent": webhook_signing.REDACTED,
				"webhook-id": delivery.event_id,
				"webhook-timestamp": received.headers["webhook-timestamp"],
				"webhook-signature": webhook_signing.REDACTED,
				"X-Frappe-Webhook-Signature": webhook_signing.REDACTED,
			},
		)
		signature = received.headers["webhook-signature"].split(",", 1)[1]
		for table in ("tabWebhook Delivery", "tabWebhook Delivery Attempt", "tabError Log"):
			rows = json.dumps(frappe.db.sql(f"select * from `{table}`", as_dict=True), default=str)
			for value in (signature, secret, "receiver-api-key-1234"):
				self.assertNotIn(value, rows, table)

	def test_failures_follow_the_schedule_then_exhaust_and_disable_with_a_notice(self):
		type(self).answer = staticmethod(lambda received: Answer(status=500, body=b"down"))
		webhook = self.make_webhook(durable_disable_after=1)
		self.new_todo()
		delivery = self.only_delivery(webhook)
		for delay in (1, 2):
			before = now_datetime()
			self.assertEqual(self.send(delivery.name), "retry")
			stored = frappe.get_doc(DELIVERY, delivery.name)
			self.assertEqual(stored.status, "Failed")
			waited = (get_datetime(stored.next_attempt_at) - before).total_seconds()
			self.assertGreaterEqual(waited, delay * 0.9 - 1)  # +-10% jitter; datetimes are whole
			self.assertLessEqual(waited, delay * 1.1 + 1)
			self.assertIsNone(self.send(delivery.name))  # not due yet: nothing is sent
			time.sleep(delay * 1.1 + 0.1)
		self.assertEqual(self.send(delivery.name), "retry")
		stored = frappe.get_doc(DELIVERY, delivery.name)
		self.assertEqual((stored.status, stored.attempt_count), ("Exhausted", 3))
		self.assertEqual([a.status_code for a in stored.attempts], [500, 500, 500])
		self.assertEqual(len({r.headers["webhook-id"] for r in self.receiver.received}), 1)
		webhook.reload()
		self.assertEqual(webhook.durable_enabled, 0)
		self.assertIn("in a row", webhook.durable_disabled_reason)
		self.assertTrue(
			frappe.db.exists("Notification Log", {"document_name": webhook.name, "for_user": webhook.owner})
		)

	def test_retry_after_is_honoured_and_410_disables_at_once(self):
		type(self).answer = staticmethod(lambda received: Answer(status=503, headers={"Retry-After": "120"}))
		webhook = self.make_webhook()
		self.new_todo()
		delivery = self.only_delivery(webhook)
		self.assertEqual(self.send(delivery.name), "retry")
		waited = (
			get_datetime(frappe.db.get_value(DELIVERY, delivery.name, "next_attempt_at")) - now_datetime()
		)
		self.assertGreater(waited.total_seconds(), 110)

		type(self).answer = staticmethod(lambda received: Answer(status=410))
		frappe.db.set_value(DELIVERY, delivery.name, "next_attempt_at", now_datetime())
		frappe.db.commit()
		self.assertEqual(self.send(delivery.name), "disable")
		self.assertEqual(frappe.db.get_value(DELIVERY, delivery.name, "status"), "Exhausted")
		self.assertEqual(frappe.db.get_value("Webhook", webhook.name, "durable_enabled"), 0)
		self.assertIn("410", frappe.db.get_value("Webhook", webhook.name, "durable_disabled_reason"))

	def test_the_openapi_document_lists_the_event_types(self):
		self.make_webhook(durable_event_type="task.created")
		self.make_webhook(webhook_docevent="on_trash", durable_envelope=0)
		events = {event.name: event for event in config.openapi_events()}
		self.assertLessEqual({"task.created", "todo.on_trash", "webhook.test"}, set(events))
		self.assertEqual(
			events["task.created"].payload_schema["properties"]["type"], {"const": "task.created"}
		)
		self.assertEqual(events["todo.on_trash"].payload_schema["type"], "object")
		self.assertNotIn("test-durable", json.dumps([e.description for e in events.values()]))

	def test_a_lease_stops_a_second_sender_until_it_runs_out(self):
		webhook = self.make_webhook()
		self.new_todo()
		delivery = self.only_delivery(webhook)
		frappe.db.set_value(DELIVERY, delivery.name, "lease_until", frappe.utils.add_to_date(None, minutes=1))
		frappe.db.commit()
		self.assertIsNone(self.send(delivery.name))  # someone is sending it
		self.assertEqual(self.receiver.received, [])
		# the sender died: its lease runs out and the delivery goes again, same webhook-id
		frappe.db.set_value(
			DELIVERY, delivery.name, "lease_until", frappe.utils.add_to_date(None, seconds=-1)
		)
		frappe.db.commit()
		self.assertEqual(self.send(delivery.name), "delivered")
		self.assertEqual(self.receiver.ids(), [delivery.event_id])

	def test_one_queued_job_per_webhook_sends_a_burst(self):
		webhook = self.make_webhook()
		for i in range(3):
			self.new_todo(f"burst {i}")
		marker = sending._queued_marker(webhook.name)
		self.assertIsNotNone(frappe.cache.get(marker))  # one job queued for the three events
		frappe.cache.delete(marker)
		frappe.db.set_value(DELIVERY, {"webhook": webhook.name}, "next_attempt_at", now_datetime())
		frappe.db.commit()
		sending.dispatch_due()  # the sweep queues a job for a webhook with due deliveries
		self.assertIsNotNone(frappe.cache.get(marker))
		sending.deliver_due(webhook.name)  # as that job would, over one connection
		self.assertIsNone(frappe.cache.get(marker))  # a started job lets new events queue one
		self.assertEqual(
			sorted(self.receiver.ids()),
			sorted(frappe.get_all(DELIVERY, {"webhook": webhook.name}, pluck="event_id")),
		)
		self.assertEqual(len({r.peer for r in self.receiver.received}), 1)  # kept alive, reused

	def test_internal_addresses_are_refused_at_save_and_at_send(self):
		frappe.local.conf.pop("my_api_app_webhook_allowed_networks")
		for url in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9/hook", "http://[::1]/x"):
			with self.assertRaises(frappe.ValidationError, msg=url):
				self.make_webhook(request_url=url)
		frappe.local.conf["my_api_app_webhook_allowed_networks"] = ["127.0.0.1/32"]
		webhook = self.make_webhook()
		self.new_todo()
		frappe.local.conf.pop("my_api_app_webhook_allowed_networks")
		delivery = self.only_delivery(webhook)
		self.assertEqual(self.send(delivery.name), "retry")
		[attempt] = frappe.get_doc(DELIVERY, delivery.name).attempts
		self.assertIn("Address refused", attempt.error)
		self.assertEqual(self.receiver.received, [])

	def test_only_users_who_may_write_the_webhook_replay(self):
		webhook = self.make_webhook()
		self.new_todo()
		delivery = self.only_delivery(webhook)
		self.assertEqual(self.send(delivery.name), "delivered")

		denied = api_request(
			"POST", API + "resend_delivery", json={"delivery": delivery.name}, auth=self.reader_key
		)
		self.assertEqual(denied.status_code, 404, denied.get_data(as_text=True))
		for method in ("send_test_event", "rotate_signing_secret"):  # a webhook it may not read: 404
			denied = api_request("POST", API + method, json={"webhook": webhook.name}, auth=self.reader_key)
			self.assertEqual(denied.status_code, 404, (method, denied.get_data(as_text=True)))

		resent = api_request(
			"POST", API + "resend_delivery", json={"delivery": delivery.name}, auth=self.writer_key
		)
		self.assertEqual(resent.status_code, 200, resent.get_data(as_text=True))
		frappe.db.commit()
		self.send_queued(delivery.name)
		self.assertEqual(self.receiver.ids(), [delivery.event_id, delivery.event_id])  # same event, again
		self.assertEqual(frappe.db.get_value(DELIVERY, delivery.name, "attempt_count"), 2)

	def test_retry_failed_since_test_events_and_secret_rotation(self):
		type(self).answer = staticmethod(lambda received: Answer(status=500))
		webhook = self.make_webhook(durable_retry_schedule="0")
		self.new_todo()
		failed = self.only_delivery(webhook)
		self.assertEqual(self.send(failed.name), "retry")
		self.assertEqual(frappe.db.get_value(DELIVERY, failed.name, "status"), "Exhausted")

		type(self).answer = staticmethod(lambda received: Answer())
		response = api_request(
			"POST",
			API + "retry_failed",
			json={"webhook": webhook.name, "since": "2000-01-01T00:00:00"},
			auth=self.writer_key,
		)
		self.assertEqual(
			response.get_json()["message"]["data"]["deliveries"],
			[failed.name],
			response.get_data(as_text=True),
		)
		frappe.db.commit()
		self.send_queued(failed.name)

		old_secret = config.signing_secrets(frappe.get_doc("Webhook", webhook.name))[0]
		rotated = api_request(
			"POST", API + "rotate_signing_secret", json={"webhook": webhook.name}, auth=self.writer_key
		)
		self.assertEqual(rotated.status_code, 200, rotated.get_data(as_text=True))
		new_secret = rotated.get_json()["message"]["data"]["secret"]
		test_event = api_request(
			"POST", API + "send_test_event", json={"webhook": webhook.name}, auth=self.writer_key
		)
		self.assertEqual(test_event.status_code, 200, test_event.get_data(as_text=True))
		frappe.db.commit()
		self.send_queued(test_event.get_json()["message"]["data"]["delivery"])
		received = self.receiver.received[-1]
		self.assertEqual(json.loads(received.body)["type"], "webhook.test")
		self.assertEqual(len(received.headers["webhook-signature"].split()), 2)  # both secrets sign
		for secret in (old_secret, new_secret):
			webhook_signing.verify_standard(received.headers, received.body, [secret])
