"""The error body's shape is a contract: same keys, same order, stable types."""

from my_api_app.shared.rules.errors import (
	ERROR_KINDS,
	ApiError,
	Conflict,
	FieldError,
	InvalidInput,
	MethodNotAllowed,
	Unauthenticated,
	kind_for_status,
)


def test_error_object_shape():
	error = InvalidInput.for_field("user", "No enabled user has this id.", "unknown_user")
	assert error.as_dict("req-1") == {
		"status": 400,
		"type": "invalid_input",
		"title": "Invalid input",
		"detail": "1 field is invalid: user.",
		"fields": [
			{
				"field": "user",
				"path": ["user"],
				"message": "No enabled user has this id.",
				"type": "unknown_user",
			}
		],
		"request_id": "req-1",
	}


def test_each_class_has_its_status_and_type():
	assert (Unauthenticated().status, Unauthenticated().type) == (401, "unauthenticated")
	assert (Conflict("busy").status, Conflict("busy").detail) == (409, "busy")
	assert Conflict().detail == "Conflict"


def test_method_not_allowed_names_the_allowed_methods():
	error = MethodNotAllowed("GET", ["POST", "DELETE"])
	assert error.status == 405
	assert error.headers == {"Allow": "DELETE, POST"}
	assert error.detail == "GET is not allowed here; use DELETE, POST."


def test_status_override_and_unknown_statuses():
	error = ApiError("gone", status=410)
	assert (error.http_status_code, error.type) == (410, "gone")
	assert kind_for_status(418) == ERROR_KINDS[400]
	assert kind_for_status(599) == ERROR_KINDS[500]


def test_frappe_reads_the_status_from_the_instance():
	# Frappe's handler uses getattr(exc, "http_status_code", 500)
	assert getattr(ApiError("x", status=503), "http_status_code", 500) == 503
	assert getattr(InvalidInput([FieldError("a", ("a",), "m", "t")]), "http_status_code", 500) == 400
