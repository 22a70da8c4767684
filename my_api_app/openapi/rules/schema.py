"""The OpenAPI 3.1 document of toolkit endpoints, from their declarations alone (no frappe).

Every ``EndpointSpec`` becomes ``/api/method/<dotted path>`` with one operation per declared
HTTP method: GET takes its arguments as query parameters, every other method as a JSON body,
both described by the JSON Schema (2020-12) that pydantic v2 produces from the input model
the toolkit validates with. The success response is Frappe's ``message`` wrapping the
toolkit's envelope; the error responses are the structured body of ``shared.rules.errors`` as shared
components. Each operation lists the credentials that can call it, with the scope an API key
or token needs (``method:<dotted path>``, see ``shared.rules.scopes``); guest endpoints also accept
no credential at all.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from my_api_app.jobs.rules.states import JobAccepted
from my_api_app.shared.rules.errors import ERROR_KINDS
from my_api_app.shared.rules.validation import _is_container
from my_api_app.toolkit.rules.endpoint_spec import EndpointSpec

OPENAPI_VERSION = "3.1.0"
METHOD_PATH = "/api/method/{}"
SCHEMA_REF = "#/components/schemas/{}"
SUCCESS_DESCRIPTIONS = {200: "Success", 201: "Created", 202: "Accepted"}

# Security schemes: Frappe's and this app's credentials. Scopes of keys and tokens are listed in
# each operation's requirement (OpenAPI 3.1 allows scopes for any scheme type).
SECURITY_SCHEMES = {
	"ApiKeyToken": {
		"type": "apiKey",
		"in": "header",
		"name": "Authorization",
		"description": (
			"`Authorization: token <key>:<secret>`: an API key of this app (`mak_…:mas_…`, limited to its "
			"scopes) or a Frappe user's own API key and secret (the user's full permissions)."
		),
	},
	"ApiKeyBasic": {
		"type": "http",
		"scheme": "basic",
		"description": "The same API key as HTTP Basic credentials: `base64(<key>:<secret>)`.",
	},
	"BearerJWT": {
		"type": "http",
		"scheme": "bearer",
		"bearerFormat": "JWT",
		"description": (
			"An access token from `my_api_app.api.auth.issue_token`: short-lived, carrying the key's "
			"scopes or a subset of them."
		),
	},
	"FrappeSession": {
		"type": "apiKey",
		"in": "cookie",
		"name": "sid",
		"description": (
			"The session cookie of `POST /api/method/login`. Requests other than GET also need the "
			"`X-Frappe-CSRF-Token` header of the session."
		),
	},
}
_SCOPED_SCHEMES = ("ApiKeyToken", "ApiKeyBasic", "BearerJWT")


def _count_header(description: str) -> dict:
	return {"description": description, "schema": {"type": "string", "pattern": "^[0-9]+$"}}


# Headers, as shared.request_hooks and rate_limits.rules.gcra.rate_limit_headers write them.
HEADERS = {
	"X-Request-Id": {
		"description": "The request id: the client's own `X-Request-Id` (8-128 of `A-Za-z0-9._:-`) or "
		"a new one. Error bodies carry it as `error.request_id`.",
		"required": True,
		"schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{8,128}$"},
	},
	"Allow": {
		"description": "The HTTP methods the endpoint accepts, comma separated.",
		"required": True,
		"schema": {"type": "string"},
	},
	"WWW-Authenticate": {
		"description": "The credentials to send (401), or the missing scope (403 `missing_scope`, RFC 6750).",
		"schema": {"type": "string"},
	},
	"RateLimit-Policy": {
		"description": 'Every rate-limit policy that applies: `"<name>";q=<limit>;w=<window seconds>`, '
		"comma separated (IETF draft-ietf-httpapi-ratelimit-headers).",
		"schema": {"type": "string"},
	},
	"RateLimit": {
		"description": 'The closest policy: `"<name>";r=<remaining>;t=<seconds until reset>`.',
		"schema": {"type": "string"},
	},
	"X-RateLimit-Limit": _count_header("The closest policy's limit."),
	"X-RateLimit-Remaining": _count_header("Requests left in the closest policy."),
	"X-RateLimit-Reset": _count_header("Seconds until the closest policy is full again."),
	"Retry-After": _count_header("Seconds to wait before trying again."),
}
RATE_LIMIT_HEADERS = (
	"RateLimit-Policy",
	"RateLimit",
	"X-RateLimit-Limit",
	"X-RateLimit-Remaining",
	"X-RateLimit-Reset",
)

ERROR_SCHEMAS = {
	"FieldError": {
		"type": "object",
		"description": "One invalid input field.",
		"required": ["field", "path", "message", "type"],
		"properties": {
			"field": {"type": "string", "description": 'Where: `items[0].sku`; `""` for the body itself.'},
			"path": {
				"type": "array",
				"items": {"type": ["string", "integer"]},
				"description": 'The same place as a list: `["items", 0, "sku"]`.',
			},
			"message": {"type": "string"},
			"type": {"type": "string", "description": "A stable error type, e.g. `missing`, `int_parsing`."},
		},
	},
	"ErrorObject": {
		"type": "object",
		"description": "The structured error: the same keys on every error of every toolkit endpoint.",
		"required": ["status", "type", "title", "detail", "fields", "request_id"],
		"properties": {
			"status": {"type": "integer", "description": "The HTTP status."},
			"type": {
				"type": "string",
				"description": "A stable machine-readable kind: "
				+ ", ".join(f"`{kind}` ({status})" for status, (kind, _) in ERROR_KINDS.items())
				+ ", `missing_scope` (403) or one an endpoint declares.",
			},
			"title": {"type": "string"},
			"detail": {"type": "string", "description": "What went wrong, for people."},
			"fields": {"type": "array", "items": {"$ref": SCHEMA_REF.format("FieldError")}},
			"request_id": {"type": ["string", "null"]},
		},
	},
	"ErrorBody": {
		"type": "object",
		"description": "Frappe's error keys (read by frappe-js-sdk and Desk) and the structured `error`. "
		"Never a traceback.",
		"required": ["error"],
		"properties": {
			"error": {"$ref": SCHEMA_REF.format("ErrorObject")},
			"exc_type": {
				"type": "string",
				"description": "The exception's class name, as Frappe reports it.",
			},
			"_server_messages": {
				"type": "string",
				"description": "Frappe's message list: a JSON array of JSON-encoded `{message, title, ...}`.",
			},
		},
	},
}

# status -> (component name, description, headers that come with it)
ERROR_RESPONSES = {
	400: (
		"InvalidInput",
		"Invalid input: `error.fields` lists every invalid field at once (unknown fields included); also a "
		"body that is not valid JSON.",
		(),
	),
	401: (
		"Unauthenticated",
		"No credential on an endpoint that needs one (with `WWW-Authenticate`), or a credential that is "
		"wrong, expired or revoked.",
		("WWW-Authenticate",),
	),
	403: (
		"Forbidden",
		"Not allowed: a role the endpoint needs, a document permission, the caller's address, or a scope "
		"the API key or token lacks (`missing_scope`, with `WWW-Authenticate`).",
		("WWW-Authenticate",),
	),
	404: ("NotFound", "The document an argument names does not exist.", ()),
	405: (
		"MethodNotAllowed",
		"The endpoint does not take this HTTP method; `Allow` lists those it takes.",
		("Allow",),
	),
	409: ("Conflict", "The document changed in a way that conflicts with the request.", ()),
	429: (
		"RateLimited",
		"A rate limit refused the request: wait `Retry-After` seconds.",
		(*RATE_LIMIT_HEADERS, "Retry-After"),
	),
	500: (
		"InternalError",
		"The server failed. The traceback is in the site's Error Log under the request id, never in the "
		"response.",
		(),
	),
}
DEFAULT_ERROR = "Error"


@dataclass(frozen=True)
class WebhookEvent:
	"""An outbound webhook event type: its name, what it means and the JSON Schema of its payload."""

	name: str
	description: str
	payload_schema: Mapping[str, Any]
	summary: str = ""


@dataclass(frozen=True)
class DocumentInfo:
	title: str
	# Empty: the document's contract version (``contract_version``), which names no software.
	version: str = ""
	description: str = ""
	servers: tuple[Mapping[str, str], ...] = ({"url": "/"},)
	# Tag (module dotted path) -> its description (the module docstring).
	tag_descriptions: Mapping[str, str] = field(default_factory=dict)


def build_document(
	specs: Iterable[EndpointSpec], info: DocumentInfo, webhook_events: Iterable[WebhookEvent] = ()
) -> dict:
	"""The OpenAPI 3.1 document of ``specs`` (those declared ``include_in_schema``)."""
	schemas = {**ERROR_SCHEMAS}
	paths = {}
	tags = {}
	for spec in sorted((s for s in specs if s.include_in_schema), key=lambda s: s.path):
		tag = spec.path.rpartition(".")[0]
		tags[tag] = _markdown(info.tag_descriptions.get(tag, ""))
		paths[METHOD_PATH.format(spec.path)] = _path_item(spec, tag, schemas)
	document = {
		"openapi": OPENAPI_VERSION,
		"info": {"title": info.title, "version": info.version},
		"servers": [dict(server) for server in info.servers],
		"tags": [{"name": name, **({"description": text} if text else {})} for name, text in tags.items()],
		"paths": paths,
		"webhooks": {event.name: _webhook(event) for event in sorted(webhook_events, key=lambda e: e.name)},
		"components": {
			"schemas": dict(sorted(schemas.items())),
			"responses": _error_responses(),
			"headers": HEADERS,
			"securitySchemes": SECURITY_SCHEMES,
		},
	}
	if info.description:
		document["info"]["description"] = info.description
	if not info.version:
		document["info"]["version"] = contract_version(document)
	return document


def contract_version(document: Mapping[str, Any]) -> str:
	"""A version that changes exactly when the API's contract does: a digest of the paths,
	webhooks and components (not the title, description or servers, which name the site). It
	tells a client that the document changed without telling anyone which apps, at which
	versions, serve it."""
	contract = {part: document.get(part) for part in ("paths", "webhooks", "components")}
	digest = hashlib.sha256(json.dumps(contract, sort_keys=True, separators=(",", ":")).encode())
	return "sha256:" + digest.hexdigest()[:16]


def _path_item(spec: EndpointSpec, tag: str, schemas: dict) -> dict:
	prefix = spec.path.replace(".", "_")
	input_schema = _hoisted(
		spec.input_model.model_json_schema(ref_template=_ref_template(prefix)), prefix, schemas
	)
	input_schema.pop("title", None)
	data_schema = _returns_schema(spec, prefix, schemas)
	item = {}
	for method in spec.methods:
		operation = {
			"operationId": prefix if len(spec.methods) == 1 else f"{prefix}_{method.lower()}",
			"tags": [tag],
			"summary": _markdown(spec.summary) or spec.path.rpartition(".")[2].replace("_", " "),
			"description": _description(spec),
		}
		if method == "GET":
			parameters = _query_parameters(spec.input_model, input_schema)
			if parameters:
				operation["parameters"] = parameters
		else:
			operation["requestBody"] = {
				"required": bool(input_schema.get("required")),
				"content": {"application/json": {"schema": input_schema}},
			}
		operation["responses"] = _responses(spec, data_schema)
		operation["security"] = _security(spec)
		if spec.allow_guest:
			operation["x-allow-guest"] = True
		if spec.roles:
			operation["x-roles"] = list(spec.roles)
		if spec.permissions:
			operation["x-document-permissions"] = [
				{"doctype": p.doctype, "ptype": p.ptype, "argument": p.argument} for p in spec.permissions
			]
		if spec.rate_limit is not None:
			operation["x-rate-limit"] = {
				"limit": spec.rate_limit.limit,
				"period": spec.rate_limit.period,
				"per": spec.rate_limit.per,
			}
		item[method.lower()] = operation
	return item


def _markdown(docstring_text: str) -> str:
	"""Docstrings quote code reST-style, in double backticks; OpenAPI descriptions are Markdown."""
	return docstring_text.replace("``", "`")


def _ref_template(prefix: str) -> str:
	return SCHEMA_REF.format(prefix + ".{model}")


def _hoisted(schema: dict, prefix: str, schemas: dict) -> dict:
	"""Move the schema's ``$defs`` into ``components.schemas``, named after the endpoint so two
	endpoints' models of the same name never collide."""
	for name, definition in schema.pop("$defs", {}).items():
		schemas[f"{prefix}.{name}"] = definition
	return schema


def _returns_schema(spec: EndpointSpec, prefix: str, schemas: dict) -> dict:
	"""The JSON Schema of ``data``: the return annotation's serialisation schema (toolkit.rules.responses).

	A model (or TypedDict, dataclass) is a component named after it, shared by every endpoint
	that answers it, so a generated client has one class per model; when another endpoint's
	component of that name differs, this endpoint's are named after it (``<prefix>.data.<name>``).
	"""
	for name_prefix in ("", f"{prefix}.data."):
		schema = spec.response.json_schema(SCHEMA_REF.format(name_prefix + "{model}"))
		definitions = {name_prefix + name: item for name, item in schema.pop("$defs", {}).items()}
		if schema.get("type") == "object" and "title" in schema:
			title = name_prefix + schema["title"]
			definitions[title] = schema
			schema = {"$ref": SCHEMA_REF.format(title)}
		if all(schemas.get(name, item) == item for name, item in definitions.items()):
			break
	schemas.update(definitions)
	return schema


def _query_parameters(model: type[BaseModel], schema: dict) -> list[dict]:
	"""One query parameter per argument; lists, dicts and models travel as a JSON string, as the
	toolkit reads them (``tags=["a","b"]``)."""
	required = set(schema.get("required", ()))
	parameters = []
	for name, property_schema in schema.get("properties", {}).items():
		parameter = {"name": name, "in": "query", "required": name in required}
		if property_schema.get("description"):
			parameter["description"] = property_schema["description"]
		if _is_container(model.model_fields[name].annotation):
			parameter["content"] = {"application/json": {"schema": property_schema}}
		else:
			parameter["schema"] = property_schema
		parameters.append(parameter)
	return parameters


def _description(spec: EndpointSpec) -> str:
	lines = [_markdown(spec.description)] if spec.description else []
	if spec.allow_guest:
		lines.append("Guest endpoint: callable without any credential.")
	else:
		lines.append(f"API keys and tokens need the scope `method:{spec.path}` (or a pattern covering it).")
	if spec.roles:
		lines.append(f"Needs one of the roles: {', '.join(spec.roles)}.")
	for p in spec.permissions:
		lines.append(f"Needs `{p.ptype}` permission on the {p.doctype} that `{p.argument}` names.")
	if spec.rate_limit is not None:
		lines.append(
			f"Rate limit: {spec.rate_limit.limit} requests per {spec.rate_limit.period} s "
			f"per {spec.rate_limit.per}."
		)
	return "\n\n".join(lines)


def _responses(spec: EndpointSpec, data_schema: dict) -> dict:
	success_headers = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
	success_headers.update({name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS})
	status = spec.status
	if spec.response.annotation is JobAccepted:  # the toolkit answers a started job with 202 and its Location
		status = 202
		success_headers["Location"] = {
			"description": "The job's status URL (the same as `data.status_url`).",
			"required": True,
			"schema": {"type": "string"},
		}
	responses = {
		str(status): {
			"description": SUCCESS_DESCRIPTIONS[status],
			"headers": success_headers,
			"content": {"application/json": {"schema": _envelope(data_schema)}},
		}
	}
	statuses = [400, 401, 403]
	if spec.permissions:
		statuses.append(404)
	if spec.mutates:
		statuses.append(409)
	statuses += [429, 500]
	for status in statuses:
		responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
	responses["default"] = {"$ref": f"#/components/responses/{DEFAULT_ERROR}"}
	return responses


def _envelope(data_schema: dict) -> dict:
	return {
		"type": "object",
		"description": "Frappe's `message` holds the toolkit's envelope.",
		"required": ["message"],
		"properties": {
			"message": {
				"type": "object",
				"required": ["status", "data"],
				"properties": {"status": {"const": "success"}, "data": data_schema},
			}
		},
	}


def _error_responses() -> dict:
	responses = {}
	for status, (name, description, headers) in ERROR_RESPONSES.items():
		responses[name] = _error_response(f"{status} {description}", headers)
	responses[DEFAULT_ERROR] = _error_response(
		"Any other error an endpoint raises, in the same structured body (e.g. 404 or 409 from the "
		"endpoint's own checks, 503 when rate limiting is configured to fail closed).",
		(),
	)
	return responses


def _error_response(description: str, headers: Iterable[str]) -> dict:
	return {
		"description": description,
		"headers": {name: {"$ref": f"#/components/headers/{name}"} for name in ("X-Request-Id", *headers)},
		"content": {"application/json": {"schema": {"$ref": SCHEMA_REF.format("ErrorBody")}}},
	}


def _security(spec: EndpointSpec) -> list[dict]:
	scopes = [f"method:{spec.path}"]
	requirements = [{name: scopes} for name in _SCOPED_SCHEMES] + [{"FrappeSession": []}]
	return ([{}] if spec.allow_guest else []) + requirements


WEBHOOK_HEADERS = {
	"webhook-id": "Standard Webhooks: the message id, the same on every retry (deduplicate on it).",
	"webhook-timestamp": "Standard Webhooks: Unix seconds when the attempt was signed.",
	"webhook-signature": "Standard Webhooks: `v1,<base64 HMAC-SHA256>`, space separated during a secret's rollover.",
}


def _webhook(event: WebhookEvent) -> dict:
	operation = {
		"summary": event.summary or event.name,
		"description": event.description,
		"operationId": f"webhook_{event.name.replace('.', '_')}",
		"parameters": [
			{
				"name": header,
				"in": "header",
				"required": False,
				"description": text,
				"schema": {"type": "string"},
			}
			for header, text in WEBHOOK_HEADERS.items()
		],
		"requestBody": {
			"required": True,
			"content": {"application/json": {"schema": dict(event.payload_schema)}},
		},
		"responses": {
			"2XX": {"description": "Delivered: any 2xx acknowledges the event."},
			"default": {
				"description": "Not delivered: the event is retried later (Retry-After is honoured)."
			},
		},
	}
	return {"post": operation}
