"""The site's OpenAPI document: collected from every installed app, cached in Redis.

Endpoints register themselves when their module is imported (``shared.endpoints``), so the
modules of the site's apps that declare ``@endpoint``s are imported first, as Frappe would on
their first call. The document is built once per site and kept in the site's Redis cache with
its ETag until the next migrate (``after_migrate``) or ``bench clear-cache``.

Outbound webhook event types come from the ``api_webhook_events`` hook: dotted paths of
functions returning a list of ``openapi.rules.schema.WebhookEvent``.

The document describes the code's contract and nothing of the site's deployment: its
``info.version`` is a digest of the contract (``openapi.rules.schema.contract_version``), not the
apps' versions. Webhook event types are the site's configuration (they name the DocTypes
behind them), so they are in the ``full`` document only, served to callers who may read
Webhooks; everyone else, guests included, gets the ``public`` one, whose ``webhooks`` is empty.
"""

import hashlib
import importlib
import inspect
import json
import os
import sys

import frappe

from my_api_app.openapi.rules.schema import DocumentInfo, WebhookEvent, build_document
from my_api_app.shared.endpoints import ENDPOINTS
from my_api_app.toolkit.decorator import enabled
from my_api_app.toolkit.rules.endpoint_spec import EndpointSpec

CACHE_KEY = "my_api_app:openapi:{}"
PUBLIC = "public"
FULL = "full"  # with the webhook event types
# How a module that declares endpoints reads; others are never imported here.
DECLARATION_MARKERS = ("@endpoint(", "my_api_app.toolkit")
SKIPPED_DIRECTORIES = frozenset({"node_modules", "public", "www", "templates", "patches", "__pycache__"})


def cached(variant: str = PUBLIC) -> tuple[bytes, str]:
	"""The ``public`` or ``full`` document as JSON bytes and its strong ETag (without quotes)."""
	key = CACHE_KEY.format(variant)
	entry = frappe.cache.get_value(key)
	if entry is None:
		document = build(webhooks=variant == FULL)
		body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
		entry = {"body": body, "etag": hashlib.sha256(body).hexdigest()[:32]}
		frappe.cache.set_value(key, entry)
	return entry["body"], entry["etag"]


def clear_cache() -> None:
	"""after_migrate: the code, and so the endpoints, may have changed. (A site config switch of
	``enabled_by`` endpoints, such as the examples', takes effect in the document after
	``bench clear-cache``, which runs this too.)"""
	frappe.cache.delete_value([CACHE_KEY.format(variant) for variant in (PUBLIC, FULL)])


def build(server_url: str = "/", *, webhooks: bool = True) -> dict:
	"""The document; ``webhooks=False`` leaves the site's webhook event types out (``public``)."""
	specs = collect_specs()
	modules = sorted({spec.path.rpartition(".")[0] for spec in specs})
	info = DocumentInfo(
		title=f"{frappe.local.site} API",
		description=(
			"Every endpoint declared with my_api_app's `@endpoint` on this site, generated from the "
			"declarations. Calls are `/api/method/<dotted path>`; a success answers "
			'`{"message": {"status": "success", "data": ...}}`, an error a structured `error` object.'
		),
		servers=({"url": server_url},),
		tag_descriptions={module: _summary(sys.modules[module]) for module in modules},
	)
	return build_document(specs, info, webhook_events() if webhooks else ())


def collect_specs() -> list[EndpointSpec]:
	"""The toolkit endpoints of the site's installed apps."""
	apps = frappe.get_installed_apps()
	for app in apps:
		for module in endpoint_modules(app):
			if module not in sys.modules:
				importlib.import_module(module)
	return [spec for path, spec in sorted(ENDPOINTS.items()) if path.split(".")[0] in apps and enabled(spec)]


def endpoint_modules(app: str) -> list[str]:
	"""Dotted names of the app's modules that declare toolkit endpoints (test modules excluded)."""
	package = frappe.get_app_path(app)
	root = os.path.dirname(package)
	found = []
	for directory, subdirectories, files in os.walk(package):
		subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
		for name in sorted(files):
			if not name.endswith(".py") or name.startswith("test_"):
				continue
			path = os.path.join(directory, name)
			with open(path, encoding="utf-8", errors="replace") as source:
				text = source.read()
			if all(marker in text for marker in DECLARATION_MARKERS):
				module = os.path.relpath(path, root)[: -len(".py")].replace(os.sep, ".")
				found.append(module.removesuffix(".__init__"))
	return found


def webhook_events() -> list[WebhookEvent]:
	events = []
	for path in frappe.get_hooks("api_webhook_events"):
		events.extend(frappe.get_attr(path)())
	return events


def _summary(module) -> str:
	return (inspect.getdoc(module) or "").partition("\n\n")[0].replace("\n", " ")
