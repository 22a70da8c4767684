"""Bench tests of the OpenAPI document: what is collected, how it is served and cached, the export."""

import importlib
import json
import os
import tempfile

import frappe
from frappe.installer import update_site_config

from my_api_app.examples import EXAMPLES
from my_api_app.openapi import document as openapi_document
from my_api_app.shared.endpoints import ENDPOINTS
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.testing import api_request, make_api_user
from my_api_app.tests.durable_webhook import insert_durable_webhook
from my_api_app.tests.factories import bench_command, make_api_key

DOCUMENT = "/api/method/my_api_app.api.openapi.document"
MANAGER = "openapi-manager@example.com"
MEMBER = "openapi-member@example.com"


class OpenAPIDocumentTestCase(IntegrationTestCase):
	def setUp(self):
		openapi_document.clear_cache()

	def test_every_toolkit_endpoint_of_the_apps_is_collected_and_hidden_ones_left_out(self):
		specs = openapi_document.collect_specs()
		paths = {spec.path for spec in specs}
		# Collecting imported every module that declares endpoints: the registry holds them all now.
		self.assertEqual(
			paths, {path for path in ENDPOINTS if path.split(".")[0] in frappe.get_installed_apps()}
		)
		for dotted in (
			"my_api_app.examples.public.hello",
			"my_api_app.examples.orders.create_order",
			"my_api_app.api.keys.create_key",
			"my_api_app.tests.endpoints.echo",
			"my_api_app.api.openapi.document",
		):
			self.assertIn(dotted, paths)
		document = openapi_document.build()
		documented = {path.removeprefix("/api/method/") for path in document["paths"]}
		self.assertEqual(documented, {spec.path for spec in specs if spec.include_in_schema})
		self.assertNotIn("my_api_app.tests.endpoints.echo", documented)
		self.assertNotIn("my_api_app.api.openapi.document", documented)
		self.assertEqual(document["info"]["title"], f"{frappe.local.site} API")
		tags = {tag["name"]: tag.get("description") for tag in document["tags"]}
		self.assertEqual(tags["my_api_app.examples.public"], "Endpoints anyone may call, logged in or not.")

	def test_every_documented_answer_is_a_declared_model(self):
		"""Every success ``data`` of the app's API is a component (or a list of them) with declared
		fields, never "any JSON"."""
		document = openapi_document.build()
		schemas = document["components"]["schemas"]
		for path, item in document["paths"].items():
			for method, operation in item.items():
				status = next(code for code in operation["responses"] if code.startswith("2"))
				envelope = operation["responses"][status]["content"]["application/json"]["schema"]
				data = envelope["properties"]["message"]["properties"]["data"]
				with self.subTest(path=path, method=method):
					reference = data.get("items", data).get("$ref")
					self.assertIsNotNone(reference, data)
					model = schemas[reference.removeprefix("#/components/schemas/")]
					self.assertEqual(model["type"], "object")
					self.assertTrue(model["properties"])
		self.assertIn("never shown again", schemas["ApiKeyWithSecret"]["properties"]["secret"]["description"])
		self.assertEqual(schemas["ApiKey"]["properties"]["name"]["pattern"], "^mak_[0-9A-Za-z]{20}$")
		self.assertNotIn("secret", schemas["ApiKey"]["properties"])

	def test_served_to_guests_with_an_etag_and_304(self):
		response = api_request("GET", DOCUMENT)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		document = response.get_json()
		self.assertEqual(document["openapi"], "3.1.0")
		etag = response.headers["ETag"]
		body, cached_etag = openapi_document.cached(openapi_document.PUBLIC)
		self.assertEqual((response.get_data(), etag), (body, f'"{cached_etag}"'))
		unchanged = api_request("GET", DOCUMENT, headers={"If-None-Match": etag})
		self.assertEqual(unchanged.status_code, 304)
		self.assertEqual(unchanged.headers["ETag"], etag)
		self.assertEqual(api_request("POST", DOCUMENT).status_code, 405)

	def test_the_cache_is_dropped_on_migrate_and_rebuilt_on_the_next_request(self):
		self.assertIn("my_api_app.openapi.document.clear_cache", frappe.get_hooks("after_migrate"))
		frappe.cache.set_value(
			openapi_document.CACHE_KEY.format(openapi_document.PUBLIC), {"body": b"{}", "etag": "stale"}
		)
		stale = api_request("GET", DOCUMENT)
		self.assertEqual((stale.get_data(), stale.headers["ETag"]), (b"{}", '"stale"'))
		for hook in frappe.get_hooks("after_migrate"):
			if hook.startswith("my_api_app.openapi."):
				frappe.get_attr(hook)()
		fresh = api_request("GET", DOCUMENT)
		self.assertEqual(fresh.get_json()["openapi"], "3.1.0")
		self.assertNotEqual(fresh.headers["ETag"], '"stale"')

	def test_bench_export_openapi_writes_the_document(self):
		# the command runs in a process of its own, where the examples exist by the site config
		saved = frappe.get_site_config().get(EXAMPLES)
		update_site_config(EXAMPLES, 1)
		self.addCleanup(update_site_config, EXAMPLES, saved if saved is not None else "None")
		with tempfile.TemporaryDirectory() as directory:
			path = os.path.join(directory, "openapi.json")
			result = bench_command(
				"export-openapi", "--output", path, "--server-url", "https://api.example.com", timeout=300
			)
			self.assertEqual(result.returncode, 0, result.stderr[-3000:])
			with open(path, encoding="utf-8") as file:
				exported = json.load(file)
		self.assertEqual(exported["servers"], [{"url": "https://api.example.com"}])
		# the export is the full document (webhooks included), as a System Manager is served it
		served = api_request("GET", DOCUMENT, auth=make_api_user(MANAGER, ("System Manager",))).get_json()
		self.assertEqual({**exported, "servers": served["servers"]}, served)

	def test_guests_learn_no_versions_and_no_webhook_event_types(self):
		"""Only the code's contract is public: no app versions, and the webhook event types (the
		site's configuration, naming the DocTypes behind them) only for those who may read
		Webhooks, through the API itself too."""
		webhook = insert_durable_webhook(f"test-openapi-{frappe.generate_hash(length=6)}")
		frappe.db.commit()
		self.addCleanup(self._delete, webhook.name)
		openapi_document.clear_cache()

		manager = make_api_user(MANAGER, ("System Manager",))
		member = make_api_user(MEMBER)
		narrow = self._app_key(MANAGER, ["method:my_api_app.api.*"])
		wide = self._app_key(MANAGER, ["method:my_api_app.api.*", "doctype:Webhook:read"])
		served = {}
		for who, credential in (("guest", {}), ("member", {"auth": member}), ("narrow", narrow)):
			response = api_request("GET", DOCUMENT, **credential)
			self.assertEqual(response.status_code, 200, (who, response.get_data(as_text=True)[:300]))
			served[who] = response
		for who, credential in (("manager", {"auth": manager}), ("wide", wide)):
			served[who] = api_request("GET", DOCUMENT, **credential)
		public, full = (
			openapi_document.cached(openapi_document.PUBLIC),
			openapi_document.cached(openapi_document.FULL),
		)
		for who in ("guest", "member", "narrow"):
			self.assertEqual(served[who].get_data(), public[0], who)
		for who in ("manager", "wide"):
			self.assertEqual(served[who].get_data(), full[0], who)
		self.assertNotEqual(public[1], full[1])
		for response in served.values():  # which document depends on who asks: never a shared cache
			self.assertEqual(response.headers["Cache-Control"], "private, no-cache")
			self.assertLessEqual({"Authorization", "Cookie"}, set(response.vary))
		guest = served["guest"].get_json()
		self.assertEqual(guest["webhooks"], {})
		self.assertRegex(guest["info"]["version"], r"^sha256:[0-9a-f]{16}$")
		text = served["guest"].get_data(as_text=True)
		for app in frappe.get_installed_apps():
			version = str(getattr(importlib.import_module(app), "__version__", ""))
			self.assertNotIn(f"{app} {version}", text)
		self.assertNotIn("note.on_update", text)
		self.assertNotIn("of a Note", text)
		self.assertIn("note.on_update", served["manager"].get_json()["webhooks"])

	def _app_key(self, user: str, scopes: list[str]) -> dict:
		key, secret = make_api_key(user, scopes, label="openapi")
		self.addCleanup(lambda: (frappe.delete_doc("API Key", key.name, force=True), frappe.db.commit()))
		return {"headers": {"Authorization": f"token {key.name}:{secret}"}}

	def _delete(self, webhook: str) -> None:
		frappe.delete_doc("Webhook", webhook, force=True)
		frappe.db.commit()
		openapi_document.clear_cache()
