"""The served OpenAPI document: valid OpenAPI 3.1, cached with an ETag, and true of the live site
(schemathesis, run as its CLI against the site from the document, authenticated)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

from openapi_spec_validator import validate

DOCUMENT = "my_api_app.api.openapi.document"
DOCUMENT_PATH = f"/api/method/{DOCUMENT}"
# Every schemathesis check, none excluded: no 5xx; status codes, content types, headers and bodies
# (the typed `data` of each answer included) as declared; schema-violating input rejected and
# schema-valid input accepted (the rules that lived in code, scope grammar, token shape, address
# ranges and key ids, are patterns in the document; what it cannot know is a 404 or 409, not a
# 400); methods not declared answered 405 with Allow; auth-required operations refusing a missing
# credential.
CHECKS = "all"


def st_executable() -> str:
	found = Path(sys.executable).with_name("st")
	if found.exists():
		return str(found)
	path = shutil.which("st")
	if not path:
		pytest.fail("schemathesis is not installed: pip install -r requirements-tests.txt", pytrace=False)
	return path


def test_guests_get_a_valid_openapi_3_1_document(guest):
	response = guest.request("GET", DOCUMENT_PATH)
	assert response.status_code == 200, response.text[:500]
	assert response.headers["Content-Type"].startswith("application/json")
	document = response.json()
	assert document["openapi"] == "3.1.0"
	validate(document)
	paths = document["paths"]
	for dotted, method in [
		("my_api_app.examples.public.hello", "get"),
		("my_api_app.examples.orders.create_order", "post"),
		("my_api_app.api.auth.whoami", "get"),
		("my_api_app.api.keys.create_key", "post"),
		("my_api_app.examples.todos.close", "post"),
	]:
		assert method in paths[f"/api/method/{dotted}"], dotted
	# Declared include_in_schema=False: the test-only endpoints and the document itself.
	assert not [path for path in paths if ".tests." in path or path == DOCUMENT_PATH]
	hello = paths["/api/method/my_api_app.examples.public.hello"]["get"]
	assert hello["security"][0] == {} and hello["x-allow-guest"] is True
	order = paths["/api/method/my_api_app.examples.orders.create_order"]["post"]
	assert {"ApiKeyToken": ["method:my_api_app.examples.orders.create_order"]} in order["security"]
	assert order["requestBody"]["content"]["application/json"]["schema"]["required"] == [
		"item_name",
		"quantity",
		"price",
	]


def test_the_document_has_an_etag_and_answers_304_when_unchanged(guest, member):
	first = guest.request("GET", DOCUMENT_PATH)
	etag = first.headers["ETag"]
	assert etag.startswith('"') and len(etag) > 10
	assert first.headers["Cache-Control"] == "private, no-cache"  # which one depends on the caller
	assert {"Authorization", "Cookie"} <= {v.strip() for v in first.headers["Vary"].split(",")}
	again = member[1].request("GET", DOCUMENT_PATH)  # the public document for every plain caller
	assert (again.headers["ETag"], again.content) == (etag, first.content)
	unchanged = guest.request("GET", DOCUMENT_PATH, headers={"If-None-Match": etag})
	assert unchanged.status_code == 304
	assert unchanged.headers["ETag"] == etag and unchanged.content == b""
	other = guest.request("GET", DOCUMENT_PATH, headers={"If-None-Match": '"something-else"'})
	assert other.status_code == 200 and other.content == first.content


def test_a_json_body_that_is_no_object_is_a_400_in_the_documented_shape(member):
	"""Found by schemathesis: Frappe answered 417 before the toolkit ran."""
	_, site = member
	response = site.method(
		"POST",
		"my_api_app.examples.orders.create_order",
		data='"AAA"',
		headers={"Content-Type": "application/json"},
	)
	assert response.status_code == 400, response.text
	error = response.json()["error"]
	assert (error["status"], error["type"]) == (400, "invalid_input")
	assert response.headers["X-Request-Id"] == error["request_id"]


def test_an_order_total_is_always_a_json_number(member):
	"""Found by schemathesis: a huge price made the total Infinity, which is not JSON."""
	_, site = member
	huge = site.method(
		"POST",
		"my_api_app.examples.orders.create_order",
		json={"item_name": "x", "quantity": 10133, "price": 1.4e308},
	)
	assert huge.status_code == 400, huge.text
	assert {f["field"] for f in huge.json()["error"]["fields"]} == {"price"}
	integral = site.method(
		"POST",
		"my_api_app.examples.orders.create_order",
		json={"item_name": "x", "quantity": 2.0, "price": 3},
	)
	assert integral.status_code == 201, integral.text
	assert integral.json()["message"]["data"]["total"] == 6


def test_schemathesis_finds_nothing_wrong_with_the_live_site(manager, tmp_path):
	"""Every operation of the document, fuzzed as a System Manager with a Frappe API key."""
	_, site = manager
	url = os.environ["MY_API_APP_E2E_URL"] + DOCUMENT_PATH
	command = [
		st_executable(),
		"run",
		url,
		"--header",
		f"Host: {os.environ['MY_API_APP_E2E_SITE']}",
		"--header",
		f"Authorization: {site.session.headers['Authorization']}",
		"--checks",
		CHECKS,
		"--max-examples",
		os.environ.get("MY_API_APP_SCHEMATHESIS_EXAMPLES", "25"),
		# one worker: hypothesis describes its filters with ast.parse, which CPython 3.11 does not
		# run safely on two threads at once (SystemError "AST constructor recursion depth mismatch")
		"--workers",
		"1",
		"--request-timeout",
		"30",
		"--no-color",
		"--report",
		"junit",
		"--report-dir",
		str(tmp_path),
	]
	result = subprocess.run(  # in tmp_path: schemathesis keeps its cache in .schemathesis/ of the cwd
		command,
		capture_output=True,
		text=True,
		timeout=1200,
		env={**os.environ, "NO_COLOR": "1"},
		cwd=tmp_path,
	)
	output = result.stdout + result.stderr
	assert result.returncode == 0, output[-20000:]
	assert "Tested:" in output, output[-5000:]
	tested = next(line for line in output.splitlines() if "Tested:" in line)
	selected = next(line for line in output.splitlines() if "Selected:" in line)
	# Every operation of the document was tested: "Selected: N/N", "Tested: N".
	total = selected.split("/")[-1].strip()
	assert selected.split(":")[1].strip() == f"{total}/{total}", selected
	assert tested.split(":")[1].strip() == total, (tested, output[-5000:])


def test_guests_see_the_contract_not_the_deployment(guest, manager):
	"""No app versions for anyone; webhook event types (configuration) only for those who may
	read Webhooks."""
	public = guest.request("GET", DOCUMENT_PATH).json()
	assert re.fullmatch(r"sha256:[0-9a-f]{16}", public["info"]["version"])
	assert public["webhooks"] == {}
	full = manager[1].request("GET", DOCUMENT_PATH).json()
	validate(full)
	assert "webhook.test" in full["webhooks"]
	assert full["paths"] == public["paths"] and full["info"]["version"] != public["info"]["version"]
