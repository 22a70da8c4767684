"""The output half of an endpoint's contract: its return annotation, checked like its input.

The annotation says what ``data`` of the success envelope is: a pydantic model, a
``TypedDict`` (``typing_extensions.TypedDict`` on Python 3.11), a dataclass such as
``JobAccepted``, ``list[Model]``, ``Model | None``, ``None``, or a raw response class the
toolkit passes through untouched (werkzeug's ``Response``). One pydantic ``TypeAdapter`` is
built for it when the module is imported; every answer is validated with it (lax, as Python
values are: a Frappe ``0``/``1`` is a bool, a stored datetime string a datetime) and
serialised from it in JSON mode, so only declared fields leave the server, at every depth.

An annotation that says nothing (none at all, ``Any``, ``object``, a bare ``dict`` or
``list``, or any of these inside a model's fields) is refused at import. An endpoint whose
answer truly has no shape opts out with ``unchecked_response="<why>"``: the reason is
printed in the OpenAPI document and the answer is passed on as it is.

An answer that does not fit its declaration is ``ResponseMismatch``: a 500 whose body is the
usual structured error (no partial data) and whose Error Log entry names the places and
kinds of the mismatch only, never a value (an answer may carry a secret shown once).
"""

import dataclasses
import types
import typing
from collections import abc
from dataclasses import dataclass

import typing_extensions
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.errors import PydanticInvalidForJsonSchema, PydanticSchemaGenerationError, PydanticUserError
from pydantic_core import PydanticSerializationError

from my_api_app.shared.rules.errors import InternalError
from my_api_app.shared.rules.validation import field_path

UNDECLARED = object()  # the function has no return annotation

# Annotations that name a container without saying what it holds.
_BARE = (
	dict,
	list,
	tuple,
	set,
	frozenset,
	typing.Dict,  # noqa: UP006
	typing.List,  # noqa: UP006
	abc.Mapping,
	abc.MutableMapping,
	abc.Sequence,
	abc.MutableSequence,
	abc.Iterable,
	abc.Collection,
)
_SAYS_NOTHING = (typing.Any, object)
MAX_LOGGED_PROBLEMS = 20


class ResponseMismatch(InternalError):
	"""500: the endpoint answered something its declaration does not allow.

	``log_detail`` is what the Error Log records instead of a traceback (whose frames hold the
	answer itself): where and how the answer differs, without any of its values."""

	def __init__(self, declared: str, problems: typing.Sequence[str]):
		self.problems = tuple(problems)
		self.log_detail = f"The answer does not match its declaration {declared}:\n" + "\n".join(
			self.problems
		)
		super().__init__("The server's answer did not match its declared shape.")


@dataclass(frozen=True)
class ResponseContract:
	"""What an endpoint answers. ``adapter`` is None for a raw response (``raw``) or an
	endpoint that opted out (``unchecked_reason``)."""

	annotation: object
	adapter: TypeAdapter | None
	raw: tuple[type, ...] = ()
	unchecked_reason: str = ""

	@property
	def declared(self) -> str:
		return _type_name(self.annotation)

	def dump(self, value: object) -> object:
		"""``value`` validated and serialised to JSON-ready Python, or ``ResponseMismatch``."""
		if self.raw:
			if isinstance(value, self.raw):
				return value
			problems = [f"(answer): {type(value).__name__} instead of {self.declared}"]
		elif self.adapter is None:
			return value
		else:
			try:
				return self.adapter.dump_python(self.adapter.validate_python(value), mode="json")
			except ValidationError as error:
				problems = _problems(error)
			except (PydanticSerializationError, ValueError):  # e.g. bytes that are not UTF-8
				problems = ["(answer): not serialisable as declared"]
		# Raised outside the except clause: the pydantic error (whose text quotes the values) is
		# not chained to it.
		raise ResponseMismatch(self.declared, problems)

	def json_schema(self, ref_template: str) -> dict:
		"""The JSON Schema (2020-12, serialisation mode) of ``data``; ``{}`` (any JSON) for a raw or
		unchecked answer."""
		if self.adapter is None:
			return {"description": self.unchecked_reason} if self.unchecked_reason else {}
		return self.adapter.json_schema(mode="serialization", ref_template=ref_template)


def response_contract(
	annotation: object,
	*,
	where: str,
	raw_types: tuple[type, ...] = (),
	unchecked_reason: str | None = None,
) -> ResponseContract:
	"""The contract of an endpoint's answer, or ``TypeError`` when the annotation cannot be one."""
	if unchecked_reason is not None:
		if not isinstance(unchecked_reason, str) or not unchecked_reason.strip():
			raise TypeError(f"{where}: unchecked_response must say why the answer has no declared shape")
		return ResponseContract(annotation, None, unchecked_reason=" ".join(unchecked_reason.split()))
	if annotation is UNDECLARED:
		raise TypeError(
			f"{where}: declare the answer with a return annotation (a pydantic model, TypedDict, "
			"list[Model], None...), or opt out with unchecked_response='<why>'"
		)
	if isinstance(annotation, type) and raw_types and issubclass(annotation, raw_types):
		return ResponseContract(annotation, None, raw=raw_types)
	vague = _says_nothing(annotation, set())
	if vague is not None:
		raise TypeError(
			f"{where}: the return annotation {_type_name(annotation)} does not say what the answer "
			f"holds ({vague}); declare a model or TypedDict, or opt out with unchecked_response='<why>'"
		)
	try:
		adapter = TypeAdapter(annotation)
		adapter.json_schema(mode="serialization")
	except (PydanticSchemaGenerationError, PydanticInvalidForJsonSchema, PydanticUserError) as error:
		raise TypeError(
			f"{where}: the return annotation {_type_name(annotation)} is no schema: {error}"
		) from None
	return ResponseContract(annotation, adapter)


def _says_nothing(annotation: object, seen: set) -> str | None:
	"""The part of ``annotation`` that says nothing of its contents, or None."""
	if any(annotation is vague for vague in _SAYS_NOTHING):
		return _type_name(annotation)
	if any(annotation is bare for bare in _BARE):
		return f"a bare {_type_name(annotation)}"
	origin = typing.get_origin(annotation)
	if origin is typing.Annotated:
		return _says_nothing(typing.get_args(annotation)[0], seen)
	if origin is not None:
		for arg in typing.get_args(annotation):
			if arg is not Ellipsis:
				found = _says_nothing(arg, seen)
				if found is not None:
					return found
		return None
	if not isinstance(annotation, type) or annotation in seen:
		return None
	seen.add(annotation)
	if issubclass(annotation, BaseModel):
		fields = {name: info.annotation for name, info in annotation.model_fields.items()}
	elif typing_extensions.is_typeddict(annotation) or dataclasses.is_dataclass(annotation):
		fields = typing.get_type_hints(annotation)
	else:
		return None
	for name, field_annotation in fields.items():
		found = _says_nothing(field_annotation, seen)
		if found is not None:
			return f"{annotation.__name__}.{name} is {found}"
	return None


def _problems(error: ValidationError) -> list[str]:
	"""``data[0].total: float_type``: each mismatch's place and pydantic's type, no input value
	(``include_input`` off) and no message (some messages quote the input)."""
	problems = []
	for detail in error.errors(include_url=False, include_context=False, include_input=False):
		place = field_path(("data", *detail["loc"]))
		problems.append(f"{place}: {detail['type']}")
	if len(problems) > MAX_LOGGED_PROBLEMS:
		problems = [*problems[:MAX_LOGGED_PROBLEMS], f"... and {len(problems) - MAX_LOGGED_PROBLEMS} more"]
	return problems


def _type_name(annotation: object) -> str:
	if isinstance(annotation, type) and not isinstance(annotation, types.GenericAlias):
		return annotation.__qualname__
	return repr(annotation).replace("typing.", "")
