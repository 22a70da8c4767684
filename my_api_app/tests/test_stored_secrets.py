"""Bench tests of the secrets the app stores (shared/README.md, "Secrets, addresses, cached values"): the signing keys' private
keys, the API keys' secret hashes, durable webhooks' signing secrets and Webhook Source secrets.
A System Manager tries every way Frappe reads data over HTTP (``frappe.client.*`` including
``get_password``, ``/api/resource``, ``/api/v2/document``, the form loader, report view and its
export, data export, the data import template, list filters as an oracle), Administrator the
same in a console; none gives a secret back, while the code that signs and verifies still
reads them."""

import json

import frappe
from frappe.client import get_password as client_get_password
from frappe.utils.password import get_decrypted_password, set_encrypted_password

from my_api_app import console
from my_api_app.api_keys import store, tokens
from my_api_app.patches.v1 import encrypt_api_key_hashes, move_webhook_signing_secrets
from my_api_app.shared import app_doctypes, frappe_compat
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.shared.rules import api_key_format, webhook_signing
from my_api_app.testing import api_request, make_api_user
from my_api_app.tests.durable_webhook import insert_durable_webhook
from my_api_app.tests.factories import make_api_key, roll_api_key
from my_api_app.webhooks import config

MANAGER = "secrets-manager@example.com"
KEY_USER = "secrets-key-user@example.com"
SOURCE = "t-secrets"
WHOAMI = "/api/method/my_api_app.api.auth.whoami"


class TestStoredSecrets(IntegrationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.manager = make_api_user(MANAGER, ("System Manager",))
		make_api_user(KEY_USER)
		tokens.signing_key()  # the first signing key is made on first use
		kid = frappe.db.get_value("API Signing Key", {"status": "Active"}, order_by="creation desc")

		key, _ = make_api_key(KEY_USER, label="secrets")
		secret = roll_api_key(key)  # a previous hash too
		cls.key, cls.key_secret = key.name, secret

		webhook = insert_durable_webhook(f"test-secrets-{frappe.generate_hash(length=6)}")
		config.rotate_secret(webhook)  # a previous secret too
		cls.webhook = webhook.name
		signing = frappe.db.get_value(config.SECRETS, {"webhook": webhook.name})

		if frappe.db.exists("Webhook Source", SOURCE):
			frappe.delete_doc("Webhook Source", SOURCE, force=True)
		source = frappe.get_doc(
			{
				"doctype": "Webhook Source",
				"slug": SOURCE,
				"scheme": "Standard Webhooks",
				"handler": "my_api_app.inbound_webhooks.tests.handlers.record",
				"secrets": [{"secret": webhook_signing.new_secret(), "label": "current"}],
			}
		).insert()
		frappe.db.commit()

		# (doctype, name, fieldname) of every stored secret, and its value (read as the code does)
		cls.stored = {
			("API Signing Key", kid, "private_key"): None,
			("API Key", key.name, "secret_hash"): None,
			("API Key", key.name, "previous_secret_hash"): None,
			(config.SECRETS, signing, "secret"): None,
			(config.SECRETS, signing, "previous_secret"): None,
			("Webhook Source Secret", source.secrets[0].name, "secret"): None,
		}
		for doctype, name, fieldname in cls.stored:
			cls.stored[doctype, name, fieldname] = get_decrypted_password(doctype, name, fieldname)
		# where each record is read as a document (a secret row is read through its parent)
		cls.documents = {
			("API Signing Key", kid),
			("API Key", key.name),
			(config.SECRETS, signing),
			("Webhook", webhook.name),
			("Webhook Source", SOURCE),
		}

	@classmethod
	def tearDownClass(cls):
		frappe.delete_doc("Webhook", cls.webhook, force=True)
		frappe.delete_doc("Webhook Source", SOURCE, force=True)
		frappe.delete_doc("API Key", cls.key, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def needles(self) -> set[str]:
		"""What would show that a secret got out: each value, the base64 body of a private key
		or a ``whsec_`` secret, a hash's hex digits."""
		found = {"PRIVATE KEY"}
		for value in self.stored.values():
			self.assertTrue(value)
			found.add(value)
			if "PRIVATE KEY" in value:  # the key material at the end of the base64 body
				found.add("".join(value.strip().splitlines()[1:-1])[-32:])
			found.add(value.removeprefix(webhook_signing.SECRET_PREFIX))
			found.add(value.rpartition("$")[2][:32])
		return found

	def assertNothingLeaks(self, text: str, what) -> None:
		for needle in self.needles():
			self.assertNotIn(needle, text, what)

	def get(self, path: str, **query) -> tuple[int, str]:
		query = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in query.items()}
		response = api_request("GET", path, query=query, auth=self.manager)
		return response.status_code, response.get_data(as_text=True)

	def test_uninstalling_deletes_every_stored_secret_of_the_app(self):
		"""before_uninstall deletes the app's ``__Auth`` rows (Frappe drops the tables only); run
		in a transaction that is rolled back."""

		def auth_rows() -> dict[str, int]:
			rows = frappe.db.sql("select doctype, count(*) from `__Auth` group by doctype")
			return {doctype: count for doctype, count in rows}

		before = auth_rows()
		self.assertTrue({"API Key", "API Signing Key", "Webhook Source Secret"} <= set(before), before)
		try:
			app_doctypes.delete_stored_secrets()
			after = auth_rows()
		finally:
			frappe.db.rollback()
		self.assertFalse(set(after) & {"API Key", "API Signing Key", "Webhook Source Secret"}, after)
		self.assertFalse(any(app_doctypes.is_app_doctype(doctype) for doctype in after), after)
		self.assertEqual(after.get("User"), before.get("User"))  # Frappe's own stay
		self.assertEqual(auth_rows(), before)

	def test_the_stored_values_are_what_signs_and_verifies(self):
		"""The code that needs a secret reads it (and nothing else does, below)."""
		self.assertIn("PRIVATE KEY", tokens.signing_key().private_key_pem.reveal())
		self.assertEqual(
			self.stored["API Key", self.key, "secret_hash"], api_key_format.hash_secret(self.key_secret)
		)
		whoami = api_request("GET", WHOAMI, headers={"Authorization": f"token {self.key}:{self.key_secret}"})
		self.assertEqual(whoami.status_code, 200, whoami.get_data(as_text=True))
		secrets = config.signing_secrets(frappe.get_doc("Webhook", self.webhook))
		self.assertEqual(
			sorted(secrets), sorted(v for (d, _, _), v in self.stored.items() if d == config.SECRETS)
		)

	def test_get_password_gives_nothing_back_over_http_or_in_a_console(self):
		targets = [*self.stored, ("Webhook", self.webhook, "durable_signing_secret")]
		for doctype, name, fieldname in targets:
			status, text = self.get(
				"/api/method/frappe.client.get_password", doctype=doctype, name=name, fieldname=fieldname
			)
			self.assertNotEqual(status, 200, (doctype, fieldname))  # (its text would be the secret)
			self.assertNothingLeaks(text, (doctype, fieldname))
		self.assertEqual(frappe.session.user, "Administrator")  # in a console
		for doctype, name, fieldname in self.stored:
			with self.assertRaises(frappe.PermissionError, msg=(doctype, fieldname)):
				frappe.get_doc(doctype, name).get_password(fieldname)
			with self.assertRaises(frappe.PermissionError, msg=(doctype, fieldname)):
				client_get_password(doctype, name, fieldname)
			# the console's own helper (and `bench api call`): the real pipeline, as Administrator
			answer = console.call(
				"frappe.client.get_password", data={"doctype": doctype, "name": name, "fieldname": fieldname}
			)
			self.assertNotEqual(answer.status, 200, (doctype, fieldname))
			self.assertNothingLeaks(json.dumps(answer.as_dict(), default=str), (doctype, fieldname))

	def test_documents_read_over_every_route_show_no_secret(self):
		for doctype, name in self.documents:
			for path, query in (
				("/api/method/frappe.client.get", {"doctype": doctype, "name": name}),
				(f"/api/resource/{doctype}/{name}", {}),
				(f"/api/v2/document/{doctype}/{name}", {}),
				("/api/method/frappe.desk.form.load.getdoc", {"doctype": doctype, "name": name}),
			):
				status, text = self.get(path, **query)
				# no role may read a Webhook Signing Secret at all; the rest are read, masked
				self.assertEqual(status, 403 if doctype == config.SECRETS else 200, (path, doctype))
				self.assertNothingLeaks(text, (path, doctype))

	def test_lists_reports_and_exports_show_no_secret(self):
		for doctype, _name, fieldname in self.stored:
			readable = doctype != config.SECRETS  # no role reads Webhook Signing Secrets: refused
			if doctype == "Webhook Source Secret":  # a child row: listed and exported with its parent
				parent, columns = "Webhook Source", {"Webhook Source": ["name"], doctype: ["name", fieldname]}
			else:
				parent, columns = None, {doctype: ["name", fieldname]}
			of = {"doctype": doctype, **({"parent": parent} if parent else {})}
			report = {"doctype": doctype, **({"parent_doctype": parent} if parent else {})}
			calls = [
				("/api/method/frappe.client.get_list", {**of, "fields": ["*"], "limit_page_length": 0}),
				("/api/method/frappe.client.get_list", {**of, "fields": ["name", fieldname]}),
				("/api/method/frappe.client.get_value", {**of, "fieldname": ["name", fieldname]}),
				("/api/method/frappe.desk.reportview.get", {**report, "fields": ["name", fieldname]}),
				(
					"/api/method/frappe.desk.reportview.export_query",
					{**report, "fields": ["name", fieldname], "file_format_type": "CSV"},
				),
				(
					"/api/method/frappe.core.doctype.data_export.exporter.export_data",
					{"doctype": parent or doctype, "with_data": 1, "select_columns": columns},
				),
				(
					"/api/method/frappe.core.doctype.data_import.data_import.download_template",
					{"doctype": parent or doctype, "export_records": "all", "export_fields": columns},
				),
			]
			if not parent:
				calls += [
					(f"/api/resource/{doctype}", {"fields": ["*"], "limit_page_length": 0}),
					(f"/api/resource/{doctype}", {"fields": ["name", fieldname], "limit_page_length": 0}),
					(f"/api/v2/document/{doctype}", {"fields": ["name", fieldname], "limit": 1000}),
				]
			for path, query in calls:
				status, text = self.get(path, **query)
				self.assertEqual(status == 200, readable, (path, doctype, status))  # the call works...
				self.assertNothingLeaks(text, (path, doctype))  # ...and shows no secret

	def test_no_table_but_auth_holds_a_secret_not_the_records_their_history_or_the_logs(self):
		for table in (
			"API Signing Key",
			"API Key",
			"Webhook",
			config.SECRETS,
			"Webhook Source Secret",
			"Version",  # API Key, Webhook and Webhook Source track changes
			"Access Log",  # exports are logged
			"Error Log",
			"Comment",
		):
			rows = frappe.db.sql(f"select * from `tab{table}`", as_dict=True)
			self.assertNothingLeaks(json.dumps(rows, default=str), table)

	def test_no_list_filter_on_a_secret_tells_anything(self):
		"""A filter or sort on a secret's column could reveal it a character at a time: the
		column holds asterisks, so it matches no prefix of the value, as System Manager over HTTP
		and as Administrator in a console."""
		for (doctype, name, fieldname), value in self.stored.items():
			parent = "Webhook Source" if doctype == "Webhook Source Secret" else None

			def names(filters, over_http=True):
				if not over_http:  # Administrator, in a console
					return frappe.get_list(doctype, filters=filters, parent_doctype=parent, pluck="name")
				query = {"doctype": doctype, "filters": filters, **({"parent": parent} if parent else {})}
				status, text = self.get("/api/method/frappe.client.get_list", **query)
				return [row["name"] for row in json.loads(text)["message"]] if status == 200 else None

			readable = doctype != config.SECRETS  # no role reads Webhook Signing Secrets: a 403
			self.assertEqual(names([["name", "=", name]]), [name] if readable else None, doctype)
			if readable and not parent:
				_, text = self.get(
					"/api/method/frappe.client.get_count", doctype=doctype, filters=[["name", "=", name]]
				)
				self.assertEqual(json.loads(text)["message"], 1, doctype)
			self.assertEqual(names([["name", "=", name]], over_http=False), [name], doctype)
			# Frappe 16 refuses a filter on a field above the permission levels the user reads (the
			# key hashes' level 1, which no role reads) before any query; Frappe 15 runs it on the
			# column of asterisks
			refused = (
				frappe_compat.FRAPPE_MAJOR >= 16
				and frappe.get_meta(doctype).get_field(fieldname).permlevel > 0
			)
			for operator, operand in (("=", value), ("like", value[:8] + "%"), ("like", "%" + value[-8:])):
				filters = [["name", "=", name], [fieldname, operator, operand]]
				what = (doctype, fieldname, operator)
				self.assertEqual(names(filters), [] if readable and not refused else None, what)
				if refused:
					with self.assertRaises(frappe.PermissionError, msg=what):
						names(filters, over_http=False)
				else:
					self.assertEqual(names(filters, over_http=False), [], what)
				# a count is a filter too (child rows have no count of their own)
				if not parent:
					status, text = self.get(
						"/api/method/frappe.client.get_count", doctype=doctype, filters=filters
					)
					self.assertNotEqual(
						(status, json.loads(text).get("message")), (200, 1), (doctype, operator)
					)
					self.assertEqual(frappe.db.count(doctype, filters), 0, (doctype, operator))

	def test_upgrading_moves_plain_hashes_and_webhook_secrets_into_protected_storage(self):
		"""The patches for sites made before: a hash in a plain column, a webhook secret in a
		Password field of Frappe's Webhook (both readable by a System Manager then)."""
		hash_ = self.stored["API Key", self.key, "secret_hash"]
		previous = self.stored["API Key", self.key, "previous_secret_hash"]
		frappe.db.delete("__Auth", {"doctype": "API Key", "name": self.key, "fieldname": "secret_hash"})
		frappe.db.set_value("API Key", self.key, "secret_hash", hash_, update_modified=False)
		version = frappe.get_doc(  # what a roll recorded then (API Key tracks changes)
			{
				"doctype": "Version",
				"ref_doctype": "API Key",
				"docname": self.key,
				"data": frappe.as_json(
					{"changed": [["secret_hint", "a", "b"], ["secret_hash", previous, hash_]], "added": []}
				),
			}
		).insert(ignore_permissions=True)
		signing = frappe.db.get_value(config.SECRETS, {"webhook": self.webhook})
		current = get_decrypted_password(config.SECRETS, signing, "secret")
		frappe.delete_doc(config.SECRETS, signing, force=True)
		set_encrypted_password("Webhook", self.webhook, current, "durable_signing_secret")

		encrypt_api_key_hashes.execute()
		move_webhook_signing_secrets.execute()
		frappe.db.commit()
		store.forget(self.key)

		self.assertEqual(frappe.db.get_value("API Key", self.key, "secret_hash"), "*" * len(hash_))
		self.assertEqual(
			json.loads(frappe.db.get_value("Version", version.name, "data"))["changed"],
			[["secret_hint", "a", "b"], ["secret_hash", "*" * len(previous), "*" * len(hash_)]],
		)
		self.assertEqual(store.stored_hash(self.key, "secret_hash"), hash_)
		whoami = api_request("GET", WHOAMI, headers={"Authorization": f"token {self.key}:{self.key_secret}"})
		self.assertEqual(whoami.status_code, 200, whoami.get_data(as_text=True))
		self.assertEqual(config.signing_secrets(frappe.get_doc("Webhook", self.webhook)), [current])
		self.assertFalse(
			frappe.db.sql("select 1 from __Auth where doctype = 'Webhook' and name = %s", self.webhook)
		)
		self.assertFalse(frappe.db.has_column("Webhook", "durable_signing_secret"))
