"""Declarations that cannot be served safely fail when the module is imported."""

import pytest

from my_api_app.toolkit.rules.endpoint_spec import DocumentPermission, build_spec


def close(name: str) -> None:
	"""Close a thing.

	Longer description.
	"""


def spec(fn=close, **overrides):
	options = {"methods": ("POST",), "allow_guest": False, "roles": (), "permissions": (), "status": 200}
	options.update(overrides)
	return build_spec(fn, **options)


def test_spec_records_the_declaration():
	s = spec(methods="post", permissions=[("ToDo", "write", "name")], roles=["System Manager"])
	assert s.path == f"{__name__}.close"
	assert s.methods == ("POST",)
	assert s.permissions == (DocumentPermission("ToDo", "write", "name"),)
	assert (s.summary, s.description) == ("Close a thing.", "Longer description.")
	assert list(s.input_model.model_fields) == ["name"]


@pytest.mark.parametrize(
	"overrides, message",
	[
		({"methods": ("GET", "POST"), "status": 201}, "never reachable by GET"),
		({"methods": "GET", "permissions": [("ToDo", "write", "name")]}, "never reachable by GET"),
		({"methods": ("FETCH",)}, "methods must be"),
		({"methods": ()}, "methods must be"),
		({"status": 204}, "status must be"),
		({"allow_guest": True, "roles": ["System Manager"]}, "guest endpoint cannot"),
		({"permissions": [("ToDo", "write", "todo")]}, "names argument 'todo'"),
	],
)
def test_unsafe_declarations_are_refused(overrides, message):
	with pytest.raises(ValueError, match=message):
		spec(**overrides)


def test_read_permissions_may_be_served_by_get():
	s = spec(methods="GET", permissions=[("ToDo", "read", "name")])
	assert not s.mutates
