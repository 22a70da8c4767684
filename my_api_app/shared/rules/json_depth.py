"""How deeply a JSON document nests, read from its raw bytes without parsing it.

A body nested thousands of levels deep makes a recursive parser fail (Frappe 15's ``json``
raises RecursionError: a 500) or work hard; the API refuses any body nested deeper than
``errors.MAX_JSON_DEPTH`` with a 400 before anything reads it. The scan skips strings (escapes
included) with one regular expression, so its cost is the body's tokens, not its characters.
"""

import re

_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")


def depth(raw: bytes, *, stop_at: int | None = None) -> int:
	"""The deepest nesting of ``[`` and ``{`` outside strings (0 for a scalar). Stops counting
	once ``stop_at`` is passed. Not a validator: malformed JSON gets a depth too."""
	level = deepest = 0
	for match in _TOKENS.finditer(raw):
		first = match.group()[0]
		if first in _OPEN:
			level += 1
			if level > deepest:
				deepest = level
				if stop_at is not None and deepest > stop_at:
					return deepest
		elif first != 0x22:  # a closing bracket (a string starts with '"')
			level = max(0, level - 1)
	return deepest
