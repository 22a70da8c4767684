"""The answer's half of the contract: declared at import, validated and filtered on every call,
a mismatch reported without any of the answer's values."""

import datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from my_api_app.jobs.rules.states import JobAccepted
from my_api_app.toolkit.rules.responses import UNDECLARED, ResponseMismatch, response_contract


class Address(TypedDict):
	city: str


class Key(BaseModel):
	name: str
	enabled: bool
	expires_at: datetime.datetime | None = None
	address: Address | None = None


class Created(Key):
	secret: str = Field(description="Shown once.")


class Raw:
	"""Stands for werkzeug's Response: passed through untouched."""


def contract(annotation, **options):
	return response_contract(annotation, where="tests.endpoint", **options)


def test_only_declared_fields_leave_at_every_depth():
	keys = contract(list[Key])
	answer = [
		{"name": "k1", "enabled": 1, "secret": "mas_x", "address": {"city": "Pune", "street": "hidden"}},
		Created(name="k2", enabled=False, secret="mas_y"),
	]
	assert keys.dump(answer) == [
		{"name": "k1", "enabled": True, "expires_at": None, "address": {"city": "Pune"}},
		{"name": "k2", "enabled": False, "expires_at": None, "address": None},
	]


def test_the_answer_is_json_ready():
	dumped = contract(Key).dump({"name": "k", "enabled": True, "expires_at": "2026-01-02 03:04:05"})
	assert dumped["expires_at"] == "2026-01-02T03:04:05"
	assert contract(JobAccepted).dump(JobAccepted("J1", "/status")) == {
		"job_id": "J1",
		"status_url": "/status",
	}
	assert contract(Key | None).dump(None) is None
	assert contract(None).dump(None) is None
	assert contract(dict[str, int]).dump({"a": 1}) == {"a": 1}


def test_a_mismatch_names_places_and_kinds_never_values():
	with pytest.raises(ResponseMismatch) as caught:
		contract(list[Created]).dump([{"name": "k", "enabled": "perhaps", "secret": 12345678}, {}])
	mismatch = caught.value
	assert mismatch.status == 500 and mismatch.type == "internal_error"
	assert mismatch.problems == (
		"data[0].enabled: bool_parsing",
		"data[0].secret: string_type",
		"data[1].name: missing",
		"data[1].enabled: missing",
		"data[1].secret: missing",
	)
	assert "perhaps" not in mismatch.log_detail and "12345678" not in mismatch.log_detail
	assert "list[" in mismatch.log_detail and "Created" in mismatch.log_detail
	# Nothing chains the pydantic error, whose text quotes the values.
	assert mismatch.__cause__ is None and mismatch.__context__ is None
	assert "perhaps" not in mismatch.detail


def test_a_literal_mismatch_does_not_quote_the_value_either():
	with pytest.raises(ResponseMismatch) as caught:
		contract(Literal["a", "b"]).dump("mas_secret_value")
	assert caught.value.problems == ("data: literal_error",)
	assert "mas_secret_value" not in caught.value.log_detail


def test_many_problems_are_cut_short():
	with pytest.raises(ResponseMismatch) as caught:
		contract(list[int]).dump(["x"] * 30)
	assert len(caught.value.problems) == 21
	assert caught.value.problems[-1] == "... and 10 more"


def test_a_raw_response_passes_through_and_anything_else_is_a_mismatch():
	raw = contract(Raw, raw_types=(Raw,))
	value = Raw()
	assert raw.dump(value) is value
	assert raw.json_schema("#/{model}") == {}
	with pytest.raises(ResponseMismatch, match="declared shape") as caught:
		raw.dump({"not": "raw"})
	assert caught.value.problems == ("(answer): dict instead of Raw",)


def test_an_opt_out_passes_the_answer_on_and_documents_why():
	unchecked = contract(UNDECLARED, unchecked_reason="  Answers the sender's\n own JSON. ")
	value = {"anything": object()}
	assert unchecked.dump(value) is value
	assert unchecked.json_schema("#/{model}") == {"description": "Answers the sender's own JSON."}


class Loose(BaseModel):
	name: str
	extra: dict


class Nested(BaseModel):
	inner: list[Loose]


class AnyTyped(TypedDict):
	value: Any


class Opaque:
	pass


@pytest.mark.parametrize(
	"annotation, message",
	[
		(UNDECLARED, "declare the answer with a return annotation"),
		(Any, "does not say what the answer holds \\(Any\\)"),
		(object, "\\(object\\)"),
		(dict, "a bare dict"),
		(list, "a bare list"),
		(list[dict], "a bare dict"),
		(dict[str, Any], "\\(Any\\)"),
		(Key | dict, "a bare dict"),
		(Loose, "Loose.extra is a bare dict"),
		(Nested, "Loose.extra is a bare dict"),
		(AnyTyped, "AnyTyped.value is Any"),
		(Opaque, "is no schema"),
	],
)
def test_an_answer_that_says_nothing_is_refused_at_import(annotation, message):
	with pytest.raises(TypeError, match=message):
		contract(annotation)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_opt_out_needs_a_reason(reason):
	with pytest.raises(TypeError, match="must say why"):
		contract(UNDECLARED, unchecked_reason=reason)


def test_an_answer_that_validates_but_cannot_be_json_is_a_mismatch():
	with pytest.raises(ResponseMismatch) as caught:
		contract(bytes).dump(b"\xff\xfe not utf-8")
	assert caught.value.problems == ("(answer): not serialisable as declared",)
