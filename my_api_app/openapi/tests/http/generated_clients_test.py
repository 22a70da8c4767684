"""Clients nobody here wrote, generated from the document the live site serves: a Python client by
openapi-python-client (PyPI) calling the API with an API key and reading typed answers, and
TypeScript types by openapi-typescript (npm) type-checking a small client file (tsc --noEmit)."""

import importlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from my_api_app.tests.http.e2e_site import Site, skip_unless_live_site
from my_api_app.tests.http.js_packages import JS_DIR, ensure_installed

skip_unless_live_site()

DOCUMENT = "/api/method/my_api_app.api.openapi.document"
PACKAGE = "generated_api_client"
NPM_TOOLS = ("openapi-typescript", "typescript")
# What the generated client's calls need, and no more.
SCOPES = [
	"method:my_api_app.examples.orders.*",
	"method:my_api_app.api.keys.list_keys",
	"method:my_api_app.examples.exports.*",
	"method:my_api_app.api.jobs.*",
	"doctype:ToDo:read",
	"doctype:ToDo:create",
	"doctype:API Key:read",
]


def executable(name: str) -> str:
	found = Path(sys.executable).with_name(name)
	if found.exists():
		return str(found)
	path = shutil.which(name)
	if not path:
		pytest.fail(f"{name} is not installed: pip install -r requirements-tests.txt", pytrace=False)
	return path


@pytest.fixture(scope="module")
def document_file(tmp_path_factory) -> Path:
	"""The public document, as a guest fetches it."""
	response = Site().request("GET", DOCUMENT)
	assert response.status_code == 200, response.text[:500]
	path = tmp_path_factory.mktemp("openapi") / "openapi.json"
	path.write_bytes(response.content)
	return path


@pytest.fixture(scope="module")
def client_module(document_file, tmp_path_factory):
	"""The generated package, imported: ``(package, import function)``."""
	out = tmp_path_factory.mktemp("python-client")
	config = out / "config.json"
	config.write_text(json.dumps({"post_hooks": []}))  # no formatter run on the generated code
	result = subprocess.run(
		[
			executable("openapi-python-client"),
			"generate",
			"--path",
			str(document_file),
			"--output-path",
			str(out / PACKAGE),
			"--meta",
			"none",
			"--config",
			str(config),
		],
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
	sys.path.insert(0, str(out))
	try:
		yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
	finally:
		sys.path.remove(str(out))
		for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
			del sys.modules[name]


def authenticated(client_module, authorization: str):
	scheme, _, credential = authorization.partition(" ")
	return client_module("client").AuthenticatedClient(
		base_url=os.environ["MY_API_APP_E2E_URL"],
		token=credential,
		prefix=scheme,
		headers={"Host": os.environ["MY_API_APP_E2E_SITE"]},
		raise_on_unexpected_status=True,
	)


def test_a_generated_python_client_reads_typed_answers(client_module, member):
	api = client_module
	models = api("models")
	create_key = api("api.my_api_app_api_keys.my_api_app_api_keys_create_key")
	list_keys = api("api.my_api_app_api_keys.my_api_app_api_keys_list_keys")
	create_order = api("api.my_api_app_examples_orders.my_api_app_examples_orders_create_order")
	start_export = api("api.my_api_app_examples_exports.my_api_app_examples_exports_start_export")
	job_status = api("api.my_api_app_api_jobs.my_api_app_api_jobs_status")
	_, site = member

	# The member's Frappe key makes an API key of this app, scoped to what the calls below need.
	as_user = authenticated(api, site.session.headers["Authorization"])
	label = f"generated client {uuid.uuid4().hex[:8]}"
	created = create_key.sync(
		client=as_user,
		body=models.MyApiAppApiKeysCreateKeyBody(
			label=label,
			scopes=SCOPES,
		),
	)
	key = created.message.data
	assert isinstance(key, models.ApiKeyWithSecret) and key.secret.startswith("mas_")
	with_key = authenticated(api, key.authorization)

	answer = create_order.sync(
		client=with_key,
		body=models.MyApiAppExamplesOrdersCreateOrderBody(item_name="Widget", quantity=3, price=2.5),
	)
	assert not isinstance(answer, models.ErrorBody), answer.error
	order = answer.message.data
	assert isinstance(order, models.Order)
	assert (order.item_name, order.quantity, order.total) == ("Widget", 3, 7.5)

	keys = list_keys.sync(client=with_key).message.data
	mine = next(listed for listed in keys if listed.name == key.name)
	assert isinstance(mine, models.ApiKey) and mine.label == label
	assert mine.expires_at.tzinfo is not None  # a date-time with its offset, parsed as one
	assert not hasattr(mine, "secret")

	accepted = start_export.sync_detailed(
		client=with_key, body=models.MyApiAppExamplesExportsStartExportBody()
	)
	assert accepted.status_code == 202 and accepted.headers["Location"]
	job_id = accepted.parsed.message.data.job_id
	job = job_status.sync(client=with_key, job_id=job_id).message.data
	assert isinstance(job, models.JobStatus)
	assert job.job_id == job_id and isinstance(job.status, models.JobStatusStatus)
	assert 0 <= job.progress.percent <= 100

	refused = create_order.sync_detailed(
		client=with_key,
		body=models.MyApiAppExamplesOrdersCreateOrderBody(item_name="", quantity=0, price=1),
	)
	assert refused.status_code == 400
	assert isinstance(refused.parsed, models.ErrorBody)
	fields = {(error.field, error.type_) for error in refused.parsed.error.fields}
	assert fields == {("item_name", "string_too_short"), ("quantity", "greater_than")}


@pytest.fixture(scope="module")
def npm_tools() -> Path:
	"""my_api_app/tests/http/js with the pinned openapi-typescript and typescript installed (npm ci)."""
	return ensure_installed(*NPM_TOOLS) / ".bin"


def test_generated_typescript_types_check_a_client(document_file, npm_tools, tmp_path):
	generated = subprocess.run(
		[str(npm_tools / "openapi-typescript"), str(document_file), "--output", str(tmp_path / "api.d.ts")],
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert generated.returncode == 0, generated.stdout[-3000:] + generated.stderr[-3000:]
	shutil.copy(JS_DIR / "typed_client.ts", tmp_path / "typed_client.ts")
	checked = subprocess.run(
		[
			str(npm_tools / "tsc"),
			"--noEmit",
			"--strict",
			"--target",
			"es2022",
			"--module",
			"esnext",
			"--moduleResolution",
			"bundler",
			"--lib",
			"es2022,dom",
			"typed_client.ts",
			"api.d.ts",
		],
		cwd=tmp_path,
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert checked.returncode == 0, checked.stdout[-5000:] + checked.stderr[-5000:]
