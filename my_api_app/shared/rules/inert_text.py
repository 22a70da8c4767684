"""Text that no HTML view can take for markup.

Desk renders Data fields as HTML, trusting that saved documents were sanitised. Text an outsider
chose and the app stores past that sanitising (rows written with raw SQL), or that must stay
plain text (an inbound event's id and type, where Frappe's sanitiser would keep an image tag),
is stored with HTML's characters and control characters percent-encoded, as a URL carries them:
readable, shown as text everywhere, and ``urllib.parse.unquote`` gives the text back.
"""

import re

_MARKUP = re.compile("[<>\"'&%`\x00-\x1f\x7f]")


def inert(text: str) -> str:
	"""``text`` with markup and control characters percent-encoded."""
	return _MARKUP.sub(lambda match: f"%{ord(match.group()):02X}", text)
