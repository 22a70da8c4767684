"""Input validation for endpoints: a pydantic model built from the function's signature.

Two input shapes reach an endpoint, and each has one documented rule:

- a JSON body is validated in pydantic's *strict* JSON mode: ``"5"`` is not an integer and
  ``1`` is not a boolean; ISO 8601 strings are dates, enum values are enums (what JSON can say).
  ``5.0`` is the integer 5, as JSON Schema (and the OpenAPI document) counts it.
- query strings and form-encoded bodies carry only strings, so they are validated in *lax*
  mode: ``"5"`` -> 5, ``"2.5"`` -> 2.5, ``"true"/"false"/"1"/"0"/"yes"/"no"/"on"/"off"`` -> bool,
  and a parameter whose type is a list, dict or model is read from a JSON string
  (``items=[{"sku": "A"}]``). Anything else that does not fit is an error, never a guess.

Unknown fields are rejected and every field error is reported at once.
"""

import inspect
import json
import types
import typing
from collections.abc import Callable, Collection, Mapping

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from my_api_app.shared.rules.errors import FieldError, InvalidInput

INPUT_MODEL_CONFIG = ConfigDict(extra="forbid", protected_namespaces=())


def input_model_for(fn: Callable) -> type[BaseModel]:
	"""A model whose fields are ``fn``'s parameters; every parameter must be annotated."""
	hints = typing.get_type_hints(fn, include_extras=True)
	fields = {}
	for name, param in inspect.signature(fn).parameters.items():
		if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
			raise TypeError(f"{fn.__qualname__}: endpoint parameters must be named (found {param})")
		if name not in hints:
			raise TypeError(f"{fn.__qualname__}: parameter {name!r} needs a type annotation")
		default = ... if param.default is param.empty else param.default
		fields[name] = (hints[name], default)
	return create_model(f"{fn.__qualname__}.input", __config__=INPUT_MODEL_CONFIG, **fields)


def validate_input(model: type[BaseModel], data: Mapping, *, from_json: bool) -> dict:
	"""Validated keyword arguments for the endpoint, or InvalidInput naming every bad field."""
	try:
		if from_json:
			instance = model.model_validate_json(
				json.dumps(_integral_floats_as_ints(dict(data))), strict=True
			)
		else:
			instance = model.model_validate(_decode_form_containers(model, data))
	except ValidationError as e:
		raise InvalidInput(field_errors(e))
	return {name: getattr(instance, name) for name in model.model_fields}


def field_errors(error: ValidationError) -> list[FieldError]:
	return [
		FieldError(field=field_path(e["loc"]), path=tuple(e["loc"]), message=e["msg"], type=e["type"])
		for e in error.errors(include_url=False)
	]


def field_path(loc: tuple) -> str:
	"""``("items", 0, "sku")`` -> ``"items[0].sku"``; the empty path (the body itself) -> ``""``."""
	out = ""
	for part in loc:
		out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
	return out


def _integral_floats_as_ints(value):
	"""JSON does not tell ``5.0`` from ``5`` and JSON Schema's ``integer`` accepts both (up to 2**53,
	where floats stop being exact integers)."""
	if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
		return int(value)
	if isinstance(value, dict):
		return {key: _integral_floats_as_ints(item) for key, item in value.items()}
	if isinstance(value, list):
		return [_integral_floats_as_ints(item) for item in value]
	return value


def _decode_form_containers(model: type[BaseModel], data: Mapping) -> dict:
	out = dict(data)
	for name, field in model.model_fields.items():
		value = out.get(name)
		if isinstance(value, str) and _is_container(field.annotation):
			try:
				out[name] = json.loads(value)
			except ValueError:
				pass  # left as a string: pydantic reports the type error for this field
	return out


def _is_container(annotation) -> bool:
	origin = typing.get_origin(annotation)
	if origin is typing.Annotated:
		return _is_container(typing.get_args(annotation)[0])
	if origin in (typing.Union, types.UnionType):
		return any(_is_container(arg) for arg in typing.get_args(annotation) if arg is not type(None))
	candidate = origin if origin is not None else annotation
	if not isinstance(candidate, type):
		return False
	if issubclass(candidate, BaseModel):
		return True
	return issubclass(candidate, Collection) and not issubclass(candidate, str | bytes)
