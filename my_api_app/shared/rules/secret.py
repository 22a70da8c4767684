"""``Secret``: a value held in memory that never prints.

Frappe writes the local variables of every frame of a failed request or job into the Error Log
(``frappe.get_traceback(with_context=True)``, through ``traceback_with_variables``). It masks a
variable only by its *name* (one containing ``password``, ``passwd``, ``secret``, ``token``,
``key`` or ``pwd``) and a dict only at such top-level keys; every other value is printed with
``repr``. An object that carries a secret in a field (parsed credentials, a bearer token, a
signing key, a source's decrypted secrets) would print it wherever it sits in a frame, whatever
the variable is called. So such objects hold the secret as a ``Secret``:

- ``repr``, ``str``, ``format`` and f-strings show ``********`` (Frappe's own placeholder);
- ``json.dumps`` (and Frappe's ``json_handler``) refuse it, and so does pickle: a Secret never
  reaches Redis (RQ job arguments, the cache) or a JSON column by accident;
- ``copy``/``deepcopy`` (Frappe's dict printer deep-copies) give the same object back;
- equality is constant-time; it cannot be changed, iterated or concatenated.

The code that needs the value calls ``reveal()`` and passes it on at once, or keeps it in a
variable whose name Frappe masks (``secret``, ``secrets``, ``token``, ``private_key_pem``...).
"""

import hmac

MASK = "********"  # what Frappe prints for a masked variable


class Secret:
	"""A secret string; ``reveal()`` is the only way to read it."""

	__slots__ = ("_value",)

	def __init__(self, value: str) -> None:
		if not isinstance(value, str):
			raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
		object.__setattr__(self, "_value", value)

	def reveal(self) -> str:
		return self._value

	def __repr__(self) -> str:
		return f"Secret('{MASK}')"

	def __str__(self) -> str:
		return MASK

	def __format__(self, format_spec: str) -> str:
		return format(MASK, format_spec)

	def __eq__(self, other: object) -> bool:
		if not isinstance(other, Secret):
			return NotImplemented
		return hmac.compare_digest(self._value.encode(), other._value.encode())

	def __hash__(self) -> int:
		return hash(self._value)

	def __bool__(self) -> bool:
		return bool(self._value)

	def __setattr__(self, name: str, value: object) -> None:
		raise AttributeError("a Secret cannot be changed")

	def __delattr__(self, name: str) -> None:
		raise AttributeError("a Secret cannot be changed")

	def __reduce__(self):
		raise TypeError("a Secret is not pickled: the value would travel in the clear")

	def __copy__(self) -> "Secret":
		return self

	def __deepcopy__(self, memo: dict) -> "Secret":
		return self
