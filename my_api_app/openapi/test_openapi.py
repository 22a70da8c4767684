"""Bench tests of the OpenAPI document: what is collected, how it is served and cached, the export."""

import json
import os
import subprocess
import sys
import tempfile

import frappe
from frappe.tests.utils import FrappeTestCase

from my_api_app.openapi import document as openapi_document
from my_api_app.testing import api_request
from my_api_app.toolkit.registry import ENDPOINTS

DOCUMENT = "/api/method/my_api_app.api.openapi.document"


class OpenAPIDocumentTestCase(FrappeTestCase):
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
			"my_api_app.api.public.hello",
			"my_api_app.api.orders.create_order",
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
		self.assertEqual(tags["my_api_app.api.public"], "Endpoints anyone may call, logged in or not.")

	def test_served_to_guests_with_an_etag_and_304(self):
		response = api_request("GET", DOCUMENT)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		document = response.get_json()
		self.assertEqual(document["openapi"], "3.1.0")
		etag = response.headers["ETag"]
		body, cached_etag = openapi_document.cached()
		self.assertEqual((response.get_data(), etag), (body, f'"{cached_etag}"'))
		unchanged = api_request("GET", DOCUMENT, headers={"If-None-Match": etag})
		self.assertEqual(unchanged.status_code, 304)
		self.assertEqual(unchanged.headers["ETag"], etag)
		self.assertEqual(api_request("POST", DOCUMENT).status_code, 405)

	def test_the_cache_is_dropped_on_migrate_and_rebuilt_on_the_next_request(self):
		self.assertIn("my_api_app.openapi.document.clear_cache", frappe.get_hooks("after_migrate"))
		frappe.cache.set_value(openapi_document.CACHE_KEY, {"body": b"{}", "etag": "stale"})
		stale = api_request("GET", DOCUMENT)
		self.assertEqual((stale.get_data(), stale.headers["ETag"]), (b"{}", '"stale"'))
		for hook in frappe.get_hooks("after_migrate"):
			if hook.startswith("my_api_app.openapi."):
				frappe.get_attr(hook)()
		fresh = api_request("GET", DOCUMENT)
		self.assertEqual(fresh.get_json()["openapi"], "3.1.0")
		self.assertNotEqual(fresh.headers["ETag"], '"stale"')

	def test_bench_export_openapi_writes_the_document(self):
		with tempfile.TemporaryDirectory() as directory:
			path = os.path.join(directory, "openapi.json")
			result = subprocess.run(
				[
					sys.executable,
					"-m",
					"frappe.utils.bench_helper",
					"frappe",
					"--site",
					frappe.local.site,
					"export-openapi",
					"--output",
					path,
					"--server-url",
					"https://api.example.com",
				],
				cwd=frappe.local.sites_path,
				capture_output=True,
				text=True,
				timeout=300,
			)
			self.assertEqual(result.returncode, 0, result.stderr[-3000:])
			with open(path, encoding="utf-8") as file:
				exported = json.load(file)
		self.assertEqual(exported["servers"], [{"url": "https://api.example.com"}])
		served = api_request("GET", DOCUMENT).get_json()
		self.assertEqual({**exported, "servers": served["servers"]}, served)
