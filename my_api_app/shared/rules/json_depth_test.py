"""The depth of a JSON body, read without parsing it, against Python's own parser."""

import json

from hypothesis import given
from hypothesis import strategies as st

from my_api_app.shared.rules.json_depth import depth

_values = st.recursive(
	st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{} \u00e9', max_size=8),
	lambda children: (
		st.lists(children, max_size=3)
		| st.dictionaries(st.text(alphabet='k"[{\\', max_size=4), children, max_size=3)
	),
	max_leaves=20,
)


def nesting(value) -> int:
	if isinstance(value, list):
		return 1 + max((nesting(item) for item in value), default=0)
	if isinstance(value, dict):
		return 1 + max((nesting(item) for item in value.values()), default=0)
	return 0


@given(_values)
def test_depth_is_the_nesting_the_parser_sees(value):
	raw = json.dumps(value).encode()
	assert depth(raw) == nesting(json.loads(raw))


@given(_values)
def test_brackets_and_escapes_inside_strings_do_not_count(value):
	raw = json.dumps({"text": json.dumps(value)}).encode()
	assert depth(raw) == 1


def test_a_deep_body_is_measured_without_recursion_and_can_stop_early():
	raw = b"[" * 100_000 + b"]" * 100_000
	assert depth(raw) == 100_000
	assert depth(raw, stop_at=64) == 65
	assert depth(b'"unterminated [[[') == 0
	assert depth(b"]]]][") == 1
