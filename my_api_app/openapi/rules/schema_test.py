"""The OpenAPI 3.1 document from endpoint declarations alone: no site, no frappe."""

import datetime
import re
from typing import Annotated, Literal

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from my_api_app.jobs.rules.states import JobAccepted
from my_api_app.openapi.rules.schema import DocumentInfo, WebhookEvent, build_document, contract_version
from my_api_app.toolkit.rules.endpoint_spec import build_spec

MODULE = __name__


class Line(BaseModel):
	sku: Annotated[str, Field(min_length=1)]
	quantity: int = 1


class Thing(BaseModel):
	"""A thing as the API shows it."""

	name: str = Field(description="The thing's id.", examples=["THING-0001"])
	title: str


class Greeting(TypedDict):
	greeting: str


def create_thing(
	title: Annotated[str, Field(min_length=1, max_length=140)],
	lines: list[Line],
	priority: Literal["High", "Low"] = "Low",
) -> Thing:
	"""Create a thing.

	Answers 201 with the new thing; ``title`` is 1 to 140 characters.
	"""


def list_things(
	limit: Annotated[int, Field(ge=1, le=100)] = 20,
	tags: list[str] = [],  # noqa: B006
	since: datetime.date | None = None,
) -> list[Thing]:
	"""Things, newest first."""


def hello(name: str = "world") -> Greeting:
	"""Greet."""


def close_thing(name: str) -> None:
	"""Close a thing."""


def admin_only() -> int:
	"""For managers."""


def hidden() -> None:
	"""Not in the document."""


def spec(fn, **options):
	declared = {"methods": "POST", "allow_guest": False, "roles": (), "permissions": (), "status": 200}
	declared.update(options)
	return build_spec(fn, **declared)


SPECS = [
	spec(create_thing, status=201),
	spec(list_things, methods=("GET", "POST")),
	spec(hello, methods="GET", allow_guest=True, rate_limit=(10, 60)),
	spec(close_thing, permissions=[("ToDo", "write", "name")]),
	spec(admin_only, roles=["System Manager"]),
	spec(hidden, include_in_schema=False),
]
EVENT = WebhookEvent(
	name="thing.created",
	description="A thing was created.",
	payload_schema={"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
)
INFO = DocumentInfo(
	title="Test API", version="1.0", tag_descriptions={MODULE: "Things."}, description="All of it."
)


@pytest.fixture(scope="module")
def document():
	return build_document(SPECS, INFO, [EVENT])


def operation(document, fn, method="post"):
	return document["paths"][f"/api/method/{MODULE}.{fn.__name__}"][method]


def resolve(document, ref: str) -> dict:
	node = document
	for part in ref.removeprefix("#/").split("/"):
		node = node[part]
	return node


def test_the_document_is_valid_openapi_3_1(document):
	assert document["openapi"] == "3.1.0"
	validate(document)  # raises on any violation of the OpenAPI 3.1 schema


def test_every_declared_endpoint_and_method_is_a_path_and_hidden_ones_are_not(document):
	assert sorted(document["paths"]) == sorted(
		f"/api/method/{MODULE}.{name}"
		for name in ("create_thing", "list_things", "hello", "close_thing", "admin_only")
	)
	assert set(document["paths"][f"/api/method/{MODULE}.list_things"]) == {"get", "post"}
	assert set(document["paths"][f"/api/method/{MODULE}.hello"]) == {"get"}
	ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
	assert len(ids) == len(set(ids))
	assert operation(document, list_things, "get")["operationId"].endswith("_get")


def test_a_json_body_is_the_input_model_json_schema(document):
	op = operation(document, create_thing)
	body = op["requestBody"]
	assert body["required"] is True
	schema = body["content"]["application/json"]["schema"]
	assert schema["type"] == "object"
	assert schema["additionalProperties"] is False  # unknown fields are rejected
	assert schema["required"] == ["title", "lines"]
	assert schema["properties"]["title"] | {} == {
		"maxLength": 140,
		"minLength": 1,
		"title": "Title",
		"type": "string",
	}
	assert schema["properties"]["priority"]["enum"] == ["High", "Low"]
	assert schema["properties"]["priority"]["default"] == "Low"
	# Nested models become shared components, named after the endpoint so they never collide.
	ref = schema["properties"]["lines"]["items"]["$ref"]
	assert ref == f"#/components/schemas/{MODULE.replace('.', '_')}_create_thing.Line"
	assert resolve(document, ref)["required"] == ["sku"]


def test_get_arguments_are_query_parameters_and_containers_travel_as_json(document):
	parameters = {p["name"]: p for p in operation(document, list_things, "get")["parameters"]}
	assert parameters["limit"] == {
		"name": "limit",
		"in": "query",
		"required": False,
		"schema": {"default": 20, "maximum": 100, "minimum": 1, "title": "Limit", "type": "integer"},
	}
	assert "schema" not in parameters["tags"]
	assert parameters["tags"]["content"]["application/json"]["schema"]["type"] == "array"
	assert parameters["since"]["schema"]["anyOf"] == [{"format": "date", "type": "string"}, {"type": "null"}]
	assert "requestBody" not in operation(document, list_things, "get")
	assert "parameters" not in operation(document, list_things, "post")


def test_the_success_response_is_frappes_message_around_the_envelope(document):
	created = operation(document, create_thing)["responses"]
	assert "200" not in created
	envelope = created["201"]["content"]["application/json"]["schema"]
	assert envelope["required"] == ["message"]
	message = envelope["properties"]["message"]
	assert message["required"] == ["status", "data"]
	assert message["properties"]["status"] == {"const": "success"}
	assert message["properties"]["data"] == {"$ref": "#/components/schemas/Thing"}
	thing = document["components"]["schemas"]["Thing"]
	assert thing["description"] == "A thing as the API shows it."
	assert thing["required"] == ["name", "title"]
	assert thing["properties"]["name"]["examples"] == ["THING-0001"]
	listed = operation(document, list_things, "get")["responses"]["200"]["content"]["application/json"]
	assert listed["schema"]["properties"]["message"]["properties"]["data"] == {
		"type": "array",
		"items": {"$ref": "#/components/schemas/Thing"},
	}
	greeting = operation(document, hello, "get")["responses"]["200"]["content"]["application/json"]
	assert greeting["schema"]["properties"]["message"]["properties"]["data"] == {
		"$ref": "#/components/schemas/Greeting"
	}
	assert document["components"]["schemas"]["Greeting"]["required"] == ["greeting"]
	closed = operation(document, close_thing)["responses"]["200"]["content"]["application/json"]
	assert closed["schema"]["properties"]["message"]["properties"]["data"] == {"type": "null"}
	headers = created["201"]["headers"]
	assert headers["X-Request-Id"] == {"$ref": "#/components/headers/X-Request-Id"}
	assert resolve(document, headers["X-Request-Id"]["$ref"])["required"] is True
	assert "RateLimit" in headers and "X-RateLimit-Remaining" in headers


def test_error_responses_are_shared_components_in_the_toolkits_shape(document):
	responses = document["components"]["responses"]
	assert set(responses) == {
		"InvalidInput",
		"Unauthenticated",
		"Forbidden",
		"NotFound",
		"MethodNotAllowed",
		"Conflict",
		"RateLimited",
		"InternalError",
		"Error",
	}
	for response in responses.values():
		assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
		assert "X-Request-Id" in response["headers"]
	assert set(responses["RateLimited"]["headers"]) >= {"Retry-After", "RateLimit", "RateLimit-Policy"}
	assert "Allow" in responses["MethodNotAllowed"]["headers"]
	assert "WWW-Authenticate" in responses["Unauthenticated"]["headers"]
	error = document["components"]["schemas"]["ErrorObject"]
	assert error["required"] == ["status", "type", "title", "detail", "fields", "request_id"]
	field = document["components"]["schemas"]["FieldError"]
	assert field["required"] == ["field", "path", "message", "type"]


def test_each_operation_lists_the_errors_its_declaration_can_cause(document):
	def statuses(fn, method="post"):
		return set(operation(document, fn, method)["responses"])

	common = {"400", "401", "403", "429", "500", "default"}
	assert statuses(hello, "get") == common | {"200"}
	assert statuses(close_thing) == common | {"200", "404", "409"}  # permissions: missing, and a write
	assert statuses(create_thing) == common | {"201", "409"}


def test_security_schemes_and_required_scopes(document):
	assert set(document["components"]["securitySchemes"]) == {
		"ApiKeyToken",
		"ApiKeyBasic",
		"BearerJWT",
		"FrappeSession",
	}
	scheme = document["components"]["securitySchemes"]
	assert (scheme["ApiKeyToken"]["in"], scheme["ApiKeyToken"]["name"]) == ("header", "Authorization")
	assert scheme["BearerJWT"]["bearerFormat"] == "JWT"
	assert (scheme["FrappeSession"]["in"], scheme["FrappeSession"]["name"]) == ("cookie", "sid")
	scope = f"method:{MODULE}.create_thing"
	assert operation(document, create_thing)["security"] == [
		{"ApiKeyToken": [scope]},
		{"ApiKeyBasic": [scope]},
		{"BearerJWT": [scope]},
		{"FrappeSession": []},
	]


def test_guest_endpoints_accept_no_credential(document):
	op = operation(document, hello, "get")
	assert op["security"][0] == {}
	assert op["x-allow-guest"] is True
	assert "x-allow-guest" not in operation(document, create_thing)


def test_roles_permissions_and_limits_are_described(document):
	admin = operation(document, admin_only)
	assert admin["x-roles"] == ["System Manager"]
	assert "System Manager" in admin["description"]
	closing = operation(document, close_thing)
	assert closing["x-document-permissions"] == [{"doctype": "ToDo", "ptype": "write", "argument": "name"}]
	assert "`write` permission on the ToDo that `name` names" in closing["description"]
	assert operation(document, hello, "get")["x-rate-limit"] == {
		"limit": 10,
		"period": 60,
		"per": "principal",
	}


def test_descriptions_come_from_docstrings_and_tags_from_modules(document):
	op = operation(document, create_thing)
	assert op["summary"] == "Create a thing."
	assert op["description"].startswith("Answers 201 with the new thing; `title` is 1 to 140 characters.")
	assert op["tags"] == [MODULE]
	assert document["tags"] == [{"name": MODULE, "description": "Things."}]
	assert document["info"] == {"title": "Test API", "version": "1.0", "description": "All of it."}
	assert document["servers"] == [{"url": "/"}]


def test_webhook_event_types_are_3_1_webhooks(document):
	webhook = document["webhooks"]["thing.created"]["post"]
	assert webhook["description"] == "A thing was created."
	assert webhook["requestBody"]["content"]["application/json"]["schema"] == EVENT.payload_schema
	assert {p["name"] for p in webhook["parameters"]} == {
		"webhook-id",
		"webhook-timestamp",
		"webhook-signature",
	}


def test_the_document_is_the_same_for_the_same_declarations():
	assert build_document(SPECS, INFO, [EVENT]) == build_document(list(reversed(SPECS)), INFO, [EVENT])


def test_without_a_version_the_document_carries_its_contract_digest_and_names_no_software():
	unversioned = DocumentInfo(title="site-a API", description="All of it.")
	document = build_document(SPECS, unversioned, [EVENT])
	validate(document)
	version = document["info"]["version"]
	assert version == contract_version(document) and re.fullmatch(r"sha256:[0-9a-f]{16}", version)
	# the same contract on another site (title, servers) is the same version...
	elsewhere = DocumentInfo(title="site-b API", servers=({"url": "https://b.example"},))
	assert build_document(SPECS, elsewhere, [EVENT])["info"]["version"] == version
	# ...and any change to it (an endpoint, a webhook event type) is another
	assert build_document(SPECS[:-2], unversioned, [EVENT])["info"]["version"] != version
	assert build_document(SPECS, unversioned)["info"]["version"] != version


def opaque() -> None:
	"""Answers whatever its caller sent it."""


def test_an_endpoint_that_opted_out_answers_any_json_and_says_why():
	document = build_document([spec(opaque, unchecked_response="Echoes the caller's own JSON.")], INFO)
	validate(document)
	data = operation(document, opaque)["responses"]["200"]["content"]["application/json"]["schema"]
	assert data["properties"]["message"]["properties"]["data"] == {
		"description": "Echoes the caller's own JSON."
	}


class Order(BaseModel):
	lines: list[Line]


def make_order(order: Order) -> Order:
	"""Echo an order."""


def test_models_in_and_out_get_their_own_components():
	document = build_document([spec(make_order)], INFO)
	validate(document)
	prefix = f"{MODULE.replace('.', '_')}_make_order"
	schemas = document["components"]["schemas"]
	assert {f"{prefix}.Order", f"{prefix}.Line", "Order", "Line"} <= set(schemas)
	body = operation(document, make_order)["requestBody"]["content"]["application/json"]["schema"]
	assert body["properties"]["order"] == {"$ref": f"#/components/schemas/{prefix}.Order"}
	data = operation(document, make_order)["responses"]["200"]["content"]["application/json"]["schema"]
	assert data["properties"]["message"]["properties"]["data"] == {"$ref": "#/components/schemas/Order"}
	assert schemas["Order"]["properties"]["lines"]["items"] == {"$ref": "#/components/schemas/Line"}


def other_order() -> "OtherOrder":
	"""An answer whose model has the same name as make_order's, and other fields."""


class OtherOrder(BaseModel):
	total: float


OtherOrder.__name__ = OtherOrder.__qualname__ = "Order"


def test_answers_of_different_models_with_one_name_get_their_endpoints_components():
	document = build_document([spec(make_order), spec(other_order)], INFO)
	validate(document)
	schemas = document["components"]["schemas"]
	prefix = f"{MODULE.replace('.', '_')}_other_order"
	assert schemas["Order"]["required"] == ["lines"]
	assert schemas[f"{prefix}.data.Order"]["required"] == ["total"]
	data = operation(document, other_order)["responses"]["200"]["content"]["application/json"]["schema"]
	assert data["properties"]["message"]["properties"]["data"] == {
		"$ref": f"#/components/schemas/{prefix}.data.Order"
	}


def start_job() -> JobAccepted:
	"""Start a job."""


def test_an_endpoint_that_starts_a_job_answers_202_with_its_location():
	document = build_document([spec(start_job)], INFO)
	validate(document)
	accepted = operation(document, start_job)["responses"]["202"]
	assert accepted["headers"]["Location"]["required"] is True
	data = accepted["content"]["application/json"]["schema"]["properties"]["message"]["properties"]["data"]
	assert data == {"$ref": "#/components/schemas/JobAccepted"}
	assert document["components"]["schemas"]["JobAccepted"]["required"] == ["job_id", "status_url"]
