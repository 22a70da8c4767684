"""A package's public names, loaded on first use (PEP 562): a capability's frappe-free rules
import without Frappe even when its package hands on names from modules that need it."""

import importlib
from collections.abc import Callable


def names_from(package: str, public: dict[str, str]) -> Callable[[str], object]:
	"""The package's ``__getattr__``: each name of ``public`` from the module it maps to."""

	def load(name: str) -> object:
		if name not in public:
			raise AttributeError(f"module {package!r} has no attribute {name!r}")
		return getattr(importlib.import_module(public[name]), name)

	return load
