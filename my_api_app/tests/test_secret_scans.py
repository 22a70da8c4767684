"""No secret reaches a log, even through a 500: real failures with planted secrets, then scans.

Frappe writes the local variables of every frame of a failed request or job into the Error Log,
masking only variables whose *name* holds password, secret, token or key; objects that carry a
secret hold it as a ``shared.rules.secret.Secret`` (shared/README.md, "Secrets, addresses, cached values"). Each test plants
unique secrets, makes a dependency fail for real while they are in memory (a table renamed away
for the request, as in an outage: DDL, so the test commits what the request needs first; a
rate-limit Redis URL nothing listens on; or a stored value the app would never write) in API
key and JWT authentication, JWT signing, rate limiting, webhook signing and inbound
verification, checks that the failure happened and that the Error Log printed the frames
holding the secrets with ``********``, and then scans every place a secret could land for every
secret planted in the class:

- Error Log (Frappe's deferred inserts flushed first), API Call Log (the request log's buffer
  flushed), Webhook Delivery and Webhook Delivery Attempt, Inbound Webhook Event;
- the site's log files and the bench's (``logs/``), rotated ones too;
- every RQ job in the queue Redis (``rq:job:*`` hashes: each field as stored, zlib-decompressed,
  and the pickle's ``repr``), with the jobs the flows here enqueued among them.
"""

import base64
import os
import time
import uuid
from contextlib import contextmanager

import frappe
from frappe.deferred_insert import save_to_db
from frappe.installer import update_site_config
from frappe.utils import add_days, get_bench_path, now_datetime
from frappe.utils.background_jobs import get_redis_conn

from my_api_app.api_keys import store, tokens
from my_api_app.inbound_webhooks import sources
from my_api_app.rate_limits import desk_rules as rules
from my_api_app.request_log import buffer, settings
from my_api_app.shared import committed_cache, frappe_compat
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.shared.rules import api_key_format, webhook_signing
from my_api_app.shared.rules.secret import Secret
from my_api_app.testing import api_request, make_api_user
from my_api_app.tests import rq_scan
from my_api_app.tests.factories import make_webhook_source, set_request_log
from my_api_app.tests.logged_values import as_logged
from my_api_app.webhooks import sending, transport
from my_api_app.webhooks.local_receiver import Receiver

USER = "secret-scans@example.com"
WHOAMI = "/api/method/my_api_app.api.auth.whoami"
ISSUE = "/api/method/my_api_app.api.auth.issue_token"
RECEIVE = "/api/method/my_api_app.api.inbound.receive"
LIMITED = "/api/method/my_api_app.tests.endpoints.limited_in_code"
HANDLER = "my_api_app.inbound_webhooks.tests.handlers.record"
SOURCE = "t-secret-scans"
BROKEN_SOURCE = "t-secret-scans-broken"
EVENT = "Inbound Webhook Event"
DELIVERY = "Webhook Delivery"
SCANNED_DOCTYPES = ("Error Log", "API Call Log", DELIVERY, "Webhook Delivery Attempt", EVENT)


def planted(prefix: str) -> str:
	return f"{prefix}{uuid.uuid4().hex}"


@contextmanager
def table_missing(doctype: str):
	"""The table of ``doctype`` is gone inside the block: every query on it fails."""
	table, away = f"tab{doctype}", f"tab{doctype}_away"
	frappe.db.sql_ddl(f"rename table `{table}` to `{away}`")  # commits first
	try:
		yield
	finally:
		frappe.db.sql_ddl(f"rename table `{away}` to `{table}`")


def log_files() -> list[str]:
	folders = (os.path.join(get_bench_path(), "logs"), os.path.abspath(frappe.get_site_path("logs")))
	return [
		os.path.join(folder, name)
		for folder in folders
		if os.path.isdir(folder)
		for name in sorted(os.listdir(folder))
		if os.path.isfile(os.path.join(folder, name))
	]


def rq_jobs() -> dict[str, bytes]:
	"""Every RQ job of the bench's queue Redis (``rq_scan.rq_jobs``)."""
	return rq_scan.rq_jobs(get_redis_conn())


class TestSecretScans(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.frappe_key = make_api_user(USER)
		settings.ensure_setting()
		frappe.db.commit()
		cls.logging_was = settings.read_switch()
		set_request_log(True)
		cls.receiver = Receiver().start()
		cls.request_prefix = planted("scan")[:20]

		# A fresh signing key signs the class's token.
		cls.signing_key = tokens.rotate()
		frappe.db.commit()
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.create_key",
			json={"label": "secret scans", "scopes": ["*"]},
			auth=cls.frappe_key,
		)
		assert response.status_code == 201, response.get_data(as_text=True)
		data = response.get_json()["message"]["data"]
		cls.key, cls.key_secret = data["name"], data["secret"]
		frappe.db.commit()
		response = api_request("POST", ISSUE, json={}, headers=cls.token_header())
		assert response.status_code == 200, response.get_data(as_text=True)
		cls.access_token = response.get_json()["message"]["data"]["access_token"]

		pem_body = "".join(cls.signing_key.private_key_pem.reveal().strip().splitlines()[1:-1])
		basic = base64.b64encode(f"{cls.key}:{cls.key_secret}".encode()).decode()
		cls.needles = {
			"Frappe key secret": cls.frappe_key[1],
			"API key secret": cls.key_secret,
			"API key secret hash": api_key_format.hash_secret(cls.key_secret).partition("$")[2],
			"Authorization token": f"{cls.key}:{cls.key_secret}",
			"Authorization Basic": basic,
			"JWT": cls.access_token,
			"JWT signature": cls.access_token.rpartition(".")[2],
			# Every Ed25519 key's PEM starts with the same ASN.1 header: the key is at the end.
			"signing private key": pem_body[-32:],
		}

	@classmethod
	def tearDownClass(cls):
		cls.receiver.stop()
		set_request_log(cls.logging_was)
		for name in frappe.get_all("Webhook", filters={"name": ("like", "test-scans-%")}, pluck="name"):
			frappe.delete_doc("Webhook", name, ignore_permissions=True, force=True)
		for slug in (SOURCE, BROKEN_SOURCE):
			frappe.db.delete(EVENT, {"source": slug})
			if frappe.db.exists("Webhook Source", slug):
				frappe.delete_doc("Webhook Source", slug, ignore_permissions=True, force=True)
		frappe.delete_doc("API Key", cls.key, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	@classmethod
	def token_header(cls) -> dict:
		return {"Authorization": f"token {cls.key}:{cls.key_secret}"}

	def setUp(self):
		self.request_ids = []

	def send(self, method: str, path: str, headers: dict, **kwargs):
		"""A request with a request id of its own (its API Call Log record is found by it)."""
		self.request_ids.append(planted(self.request_prefix + "-")[:60])
		headers = {"X-Request-Id": self.request_ids[-1], **headers}
		response = api_request(method, path, headers=headers, **kwargs)
		frappe.db.commit()  # a new snapshot: see what the request committed
		return response

	def error_logs(self, since, path: str) -> list[frappe._dict]:
		"""Error Logs written since ``since`` whose traceback passes through ``path``. A failed
		request's log is deferred by Frappe (a Redis list its scheduler flushes): flushed here."""
		save_to_db()
		frappe.db.commit()
		return frappe.get_all(
			"Error Log",
			filters={"creation": (">=", since), "error": ("like", f"%{path}%")},
			fields=["name", "method", "error"],
			order_by="creation asc",
		)

	def assertNothingLeaked(self, **more: str) -> None:
		"""No planted secret (the class's, and ``more``) in any table, log file or RQ job."""
		needles = {**self.needles, **more}
		save_to_db()
		buffer.flush()
		frappe.db.commit()
		places: dict[str, bytes] = {}
		for doctype in SCANNED_DOCTYPES:
			rows = frappe.db.sql(f"select * from `tab{doctype}`")
			places[doctype] = "\n".join(str(value) for row in rows for value in row).encode()
		for path in log_files():
			with open(path, "rb") as file:
				places[path] = file.read()
		places.update(rq_jobs())
		leaks = [
			(label, place)
			for place, text in places.items()
			for label, needle in needles.items()
			if needle.encode() in text
		]
		self.assertEqual(leaks, [])
		if self.request_ids:  # the request log recorded this test's requests, the failed ones too
			logged = frappe.get_all(
				"API Call Log", filters={"request_id": ("in", self.request_ids)}, pluck="status_code"
			)
			self.assertEqual(len(logged), len(self.request_ids))
			self.assertIn(500, logged)

	def test_api_key_authentication_failing_mid_call(self):
		"""The key record cannot be loaded: a 500 while the parsed credentials are in two frames."""
		since = now_datetime()
		store.forget(self.key)  # the next request loads the record from its table
		frappe.db.commit()
		basic = {"Authorization": "Basic " + self.needles["Authorization Basic"]}
		with table_missing("API Key"):
			for headers in (self.token_header(), basic):
				response = self.send("GET", WHOAMI, headers)
				self.assertEqual(response.status_code, 500, response.get_data(as_text=True))
		logs = self.error_logs(since, "api_keys/authentication.py")
		self.assertEqual(len(logs), 2, logs)
		credentials = api_key_format.parse_authorization(self.token_header()["Authorization"])
		for log in logs:
			self.assertIn("doesn't exist", log.error)
			self.assertIn(f"credentials = {as_logged(credentials)}", log.error)
		self.assertNothingLeaked()

	def test_jwt_verification_failing_mid_call(self):
		"""The token's signature holds, then the revoked ids cannot be loaded: a 500 while the
		token is in every frame."""
		since = now_datetime()
		committed_cache.invalidate_on_commit(tokens.REVOKED_CACHE)
		frappe.db.commit()
		with table_missing("API Token Revocation"):
			response = self.send("GET", WHOAMI, {"Authorization": f"Bearer {self.access_token}"})
		self.assertEqual(response.status_code, 500, response.get_data(as_text=True))
		[log] = self.error_logs(since, "api_keys/tokens.py")
		self.assertIn("doesn't exist", log.error)
		credentials = api_key_format.parse_authorization(f"Bearer {self.access_token}")
		self.assertIn(f"credentials = {as_logged(credentials)}", log.error)
		self.assertIn("token = ********", log.error)  # tokens.verify's argument, masked by its name
		self.assertNothingLeaked()

	def test_jwt_signing_failing_mid_call(self):
		"""The signing key was decrypted, then turns out unusable (an algorithm the app would
		never store): a 500 while the private key is in the signing frame."""
		since = now_datetime()
		frappe.db.set_value("API Signing Key", self.signing_key.kid, "algorithm", "HS256")
		frappe.db.commit()
		try:
			response = self.send("POST", ISSUE, self.token_header(), json={})
		finally:
			frappe.db.set_value("API Signing Key", self.signing_key.kid, "algorithm", "EdDSA")
			tokens.forget_verifying_keys()
			frappe.db.commit()
		self.assertEqual(response.status_code, 500, response.get_data(as_text=True))
		[log] = self.error_logs(since, "api_keys/rules/jwt_tokens.py")
		self.assertIn("uses HS256", log.error)
		self.assertIn("key = ********", log.error)
		self.assertNothingLeaked()

	def make_source(self, slug: str, scheme: str, secret: str) -> None:
		make_webhook_source(slug, scheme, [{"secret": secret, "label": "planted"}], handler=HANDLER)

	def deliver(self, slug: str, secret: str, cookie: str):
		"""A delivery signed with ``secret``, with a credential of the sender's in a cookie."""
		msg_id = planted("msg_")
		body = frappe.as_json({"type": "scan.test", "id": msg_id}).encode()
		headers = {
			"Content-Type": "application/json",
			"Cookie": f"sender_session={cookie}",
			**webhook_signing.sign(msg_id, int(time.time()), body, [secret]),
		}
		return self.send("POST", RECEIVE, headers, data=body, query={"source": slug})

	def test_inbound_delivery_failing_after_verification(self):
		"""A delivery verifies, then cannot be stored: a 500 while the source's decrypted secrets
		and the request's headers are in the receiver's frames."""
		secret, cookie = webhook_signing.new_secret(), planted("cookie-")
		self.make_source(SOURCE, "Standard Webhooks", secret)
		response = self.deliver(SOURCE, secret, cookie)
		self.assertEqual(response.status_code, 202, response.get_data(as_text=True))
		event = response.get_json()["message"]["data"]["event"]
		since = now_datetime()
		with table_missing(EVENT):
			response = self.deliver(SOURCE, secret, cookie)
		self.assertEqual(response.status_code, 500, response.get_data(as_text=True))
		[log] = self.error_logs(since, "inbound_webhooks/receiver.py")
		self.assertIn("doesn't exist", log.error)
		# the Source in the receiver's frames
		self.assertIn(f"secrets={as_logged((Secret(secret),))}", log.error)
		self.assertIn("secret_headers = ********", log.error)
		# The handler job the first delivery enqueued is among the scanned RQ jobs.
		self.assertIn(f"rq:job:{frappe_compat.rq_job_id(f'inbound-webhook:{event}')}", rq_jobs())
		self.assertNothingLeaked(
			**{"source secret": secret, "source key": secret.removeprefix("whsec_"), "sender cookie": cookie}
		)

	def test_inbound_verification_failing_on_a_stored_secret(self):
		"""A secret stored for Stripe, its source switched to Standard Webhooks behind the app's
		back: verification raises (no whsec_ key) while the secrets are in every frame."""
		secret, cookie = planted("stripe-planted-"), planted("cookie-")
		self.make_source(BROKEN_SOURCE, "Stripe", secret)
		frappe.db.set_value("Webhook Source", BROKEN_SOURCE, "scheme", "Standard Webhooks")
		sources.forget()
		frappe.db.commit()
		since = now_datetime()
		response = self.deliver(BROKEN_SOURCE, webhook_signing.new_secret(), cookie)
		self.assertEqual(response.status_code, 500, response.get_data(as_text=True))
		[log] = self.error_logs(since, "shared/rules/webhook_signing.py")
		self.assertIn("a webhook secret starts with whsec_", log.error)
		self.assertIn(f"secrets={as_logged((Secret(secret),))}", log.error)
		self.assertIn("secret_headers = ********", log.error)
		self.assertIn("secret = ********", log.error)  # the comprehension's variable, masked by name
		self.assertNothingLeaked(**{"stored secret": secret, "sender cookie": cookie})

	def test_webhook_signing_failing_mid_delivery(self):
		"""A delivery is signed and sent, then its attempt cannot be recorded: the send job fails
		while the signing secrets, the signed headers and the receiver's credential are in memory."""
		frappe.local.conf["my_api_app_webhook_allowed_networks"] = ["127.0.0.1/32"]
		marker, frappe_secret, credential = planted("scan-"), planted("frappe-"), planted("receiver-")
		webhook = frappe.get_doc(
			{
				"doctype": "Webhook",
				"__newname": planted("test-scans-")[:30],
				"webhook_doctype": "ToDo",
				"webhook_docevent": "after_insert",
				"condition": f"doc.description == '{marker}'",
				"request_url": self.receiver.url,
				"request_structure": "JSON",
				"webhook_json": '{"name": "{{ doc.name }}"}',
				"enabled": 1,
				"durable_delivery": 1,
				"enable_security": 1,
				"webhook_secret": frappe_secret,
				"webhook_headers": [{"key": "Authorization", "value": f"Bearer {credential}"}],
			}
		).insert()
		signing_secret = webhook.get_onload().get("signing_secret")
		frappe.db.commit()

		def delivery() -> str:
			"""One event of the webhook, held back from any worker of the bench, then due."""
			frappe.get_doc({"doctype": "ToDo", "description": marker}).insert()
			frappe.db.sql(
				"update `tabWebhook Delivery` set next_attempt_at = %s where webhook = %s and attempt_count = 0",
				(add_days(None, 1), webhook.name),
			)
			frappe.db.commit()
			[name] = frappe.get_all(
				DELIVERY, filters={"webhook": webhook.name, "attempt_count": 0}, pluck="name"
			)
			frappe.db.set_value(DELIVERY, name, "next_attempt_at", now_datetime())
			frappe.db.commit()
			return name

		session = transport.new_session()
		try:
			self.assertEqual(sending.attempt(delivery(), session), "delivered")
		finally:
			session.close()
		failing = delivery()
		since = now_datetime()
		with table_missing("Webhook Delivery Attempt"):
			sending.deliver_due(webhook.name)
		self.assertEqual(len(self.receiver.received), 2)  # signed and sent, then not recorded
		self.assertEqual(self.receiver.received[1].headers["authorization"], f"Bearer {credential}")
		[log] = self.error_logs(since, "webhooks/sending.py")
		self.assertEqual(log.method, f"Webhook delivery {failing} failed")
		self.assertIn("doesn't exist", log.error)
		self.assertTrue(
			any(webhook.name.encode() in data and b"deliver_due" in data for data in rq_jobs().values()),
			"the send job queued after the event's commit is among the scanned RQ jobs",
		)
		self.assertNothingLeaked(
			**{
				"signing secret": signing_secret,
				"signing key": signing_secret.removeprefix("whsec_"),
				"Frappe webhook secret": frappe_secret,
				"receiver credential": credential,
			}
		)

	def test_rate_limiting_failing_mid_authentication(self):
		"""The limiter runs inside Frappe's validate_auth, whose frame holds a Frappe key's secret:
		its Redis refuses (fail-closed: 503), then its rules cannot be loaded (500)."""
		frappe_auth = {"Authorization": f"token {self.frappe_key[0]}:{self.frappe_key[1]}"}
		since = now_datetime()
		update_site_config("my_api_app_rate_limit_redis", "redis://127.0.0.1:9/0")  # nothing listens
		update_site_config("my_api_app_rate_limit_fail_closed", 1)
		try:
			response = self.send("GET", LIMITED, frappe_auth)
		finally:
			update_site_config("my_api_app_rate_limit_redis", "None")
			update_site_config("my_api_app_rate_limit_fail_closed", "None")
		self.assertEqual(response.status_code, 503, response.get_data(as_text=True))
		self.assertEqual(self.error_logs(since, "rate_limits/enforcement.py"), [])  # a refusal, not a bug
		rules.forget()
		frappe.db.commit()
		with table_missing("API Rate Limit"):
			response = self.send("GET", LIMITED, frappe_auth)
		self.assertEqual(response.status_code, 500, response.get_data(as_text=True))
		[log] = self.error_logs(since, "rate_limits/enforcement.py")
		self.assertEqual(log.method, "Rate limiting failed")
		self.assertIn("doesn't exist", log.error)
		self.assertNotIn("validate_auth", log.error)  # logged from the limiter's frame down
		self.assertNothingLeaked()
