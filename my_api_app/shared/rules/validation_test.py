"""Schema-to-error mapping: what callers are told about their input."""

import datetime
import enum
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, PositiveInt

from my_api_app.shared.rules.errors import InvalidInput
from my_api_app.shared.rules.validation import field_path, input_model_for, validate_input


class Line(BaseModel):
	sku: Annotated[str, Field(pattern=r"^[A-Z]{3}-\d+$")]
	quantity: PositiveInt


class Colour(enum.Enum):
	RED = "red"
	BLUE = "blue"


def order(
	customer: Annotated[str, Field(min_length=1, max_length=10)],
	quantity: PositiveInt,
	price: float,
	express: bool = False,
	colour: Colour = Colour.RED,
	due: datetime.date | None = None,
	lines: Annotated[list[Line], Field(max_length=3)] = [],  # noqa: B006
	size: Literal["S", "M", "L"] = "M",
) -> dict:
	return {}


MODEL = input_model_for(order)


def errors_of(data, *, from_json):
	with pytest.raises(InvalidInput) as caught:
		validate_input(MODEL, data, from_json=from_json)
	return {(f.field, f.type) for f in caught.value.fields}, caught.value


def test_valid_json_input_is_typed():
	args = validate_input(
		MODEL,
		{
			"customer": "ACME",
			"quantity": 3,
			"price": 2,
			"due": "2026-01-31",
			"colour": "blue",
			"lines": [{"sku": "ABC-1", "quantity": 2}],
		},
		from_json=True,
	)
	assert args["quantity"] == 3 and args["price"] == 2.0 and isinstance(args["price"], float)
	assert args["due"] == datetime.date(2026, 1, 31)
	assert args["colour"] is Colour.BLUE
	assert args["lines"] == [Line(sku="ABC-1", quantity=2)]
	assert args["express"] is False and args["size"] == "M"


def test_every_field_error_is_reported_at_once():
	found, error = errors_of({"quantity": 0, "price": "x", "extra": 1, "size": "XL"}, from_json=True)
	assert found == {
		("customer", "missing"),
		("quantity", "greater_than"),
		("price", "float_type"),
		("extra", "extra_forbidden"),
		("size", "literal_error"),
	}
	assert error.status == 400
	assert error.detail.startswith("5 field errors: ")
	assert set(error.detail[16:-1].split(", ")) == {"customer", "quantity", "price", "extra", "size"}


def test_json_is_strict_no_string_to_number_or_bool():
	found, _ = errors_of({"customer": "A", "quantity": "3", "price": 1.5, "express": 1}, from_json=True)
	assert found == {("quantity", "int_type"), ("express", "bool_type")}


def test_json_integral_numbers_are_integers_as_json_schema_says():
	base = {"customer": "ACME", "price": 2.0, "lines": [{"sku": "ABC-1", "quantity": 2.0}]}
	args = validate_input(MODEL, {**base, "quantity": 3.0}, from_json=True)
	assert (args["quantity"], args["price"], args["lines"][0].quantity) == (3, 2.0, 2)
	assert isinstance(args["price"], float)
	assert errors_of({**base, "quantity": 3.5}, from_json=True)[0] == {("quantity", "int_type")}
	assert errors_of({**base, "quantity": 2.0**60}, from_json=True)[0] == {("quantity", "int_type")}


def test_form_strings_are_coerced_by_the_documented_rules():
	args = validate_input(
		MODEL,
		{
			"customer": "A",
			"quantity": "3",
			"price": "2.5",
			"express": "true",
			"lines": '[{"sku": "ABC-7", "quantity": "1"}]',
		},
		from_json=False,
	)
	assert args["quantity"] == 3 and args["price"] == 2.5 and args["express"] is True
	assert args["lines"][0].sku == "ABC-7"


def test_form_strings_that_do_not_fit_are_errors():
	found, _ = errors_of(
		{"customer": "A", "quantity": "3.5", "price": "", "express": "maybe", "lines": "[not json"},
		from_json=False,
	)
	assert found == {
		("quantity", "int_parsing"),
		("price", "float_parsing"),
		("express", "bool_parsing"),
		("lines", "list_type"),
	}


def test_nested_errors_carry_their_path():
	found, error = errors_of(
		{
			"customer": "A" * 11,
			"quantity": 1,
			"price": 1,
			"lines": [{"sku": "ABC-1", "quantity": 1}, {"sku": "bad", "quantity": -1}],
		},
		from_json=True,
	)
	assert found == {
		("customer", "string_too_long"),
		("lines[1].sku", "string_pattern_mismatch"),
		("lines[1].quantity", "greater_than"),
	}
	paths = {f.field: f.path for f in error.fields}
	assert paths["lines[1].sku"] == ("lines", 1, "sku")


def test_list_length_limits():
	found, _ = errors_of(
		{"customer": "A", "quantity": 1, "price": 1, "lines": [{"sku": "ABC-1", "quantity": 1}] * 4},
		from_json=True,
	)
	assert found == {("lines", "too_long")}


def test_field_path_formatting():
	assert field_path(("a", 0, "b", 2)) == "a[0].b[2]"
	assert field_path(()) == ""


def test_unannotated_parameters_are_refused_at_declaration():
	def untyped(name):
		pass

	with pytest.raises(TypeError, match="needs a type annotation"):
		input_model_for(untyped)


def test_var_kwargs_are_refused_at_declaration():
	def loose(**kwargs: str):
		pass

	with pytest.raises(TypeError, match="must be named"):
		input_model_for(loose)
