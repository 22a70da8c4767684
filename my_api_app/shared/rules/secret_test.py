"""``Secret``: no way of printing, serialising or pickling one shows its value; ``reveal()`` does."""

import copy
import json
import logging
import pickle
import traceback
from dataclasses import asdict, dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from my_api_app.shared.rules.secret import MASK, Secret

VALUE = "mas_0123456789abcdefghijklmnopqrstuvWXYZ"


def test_reveal_gives_the_value():
	assert Secret(VALUE).reveal() == VALUE


def test_repr_str_format_and_f_strings_show_the_mask():
	secret = Secret(VALUE)
	assert repr(secret) == f"Secret('{MASK}')"
	assert str(secret) == MASK
	assert f"{secret}" == MASK
	assert f"{secret!r}" == repr(secret)
	assert f"{secret:>10}" == f"{MASK:>10}"
	assert "%s %r" % (secret, secret) == f"{MASK} Secret('{MASK}')"  # noqa: UP031
	assert "{}".format(secret) == MASK  # noqa: UP032 (str.format is a spelling of its own)
	assert repr([secret, {"a": secret}, (secret,)]).count(MASK) == 3


@given(st.text())
def test_what_prints_is_the_same_whatever_the_value(value):
	def shown(secret: Secret) -> tuple[str, ...]:
		return (repr(secret), str(secret), f"{secret}", f"{secret:>20}", "%s" % secret, repr({"k": [secret]}))  # noqa: UP031

	assert shown(Secret(value)) == shown(Secret(VALUE))


def test_json_refuses_it_without_showing_it():
	with pytest.raises(TypeError) as raised:
		json.dumps({"secret": Secret(VALUE)})
	assert VALUE not in str(raised.value)
	# an encoder that falls back to repr (as Frappe's json_handler words its error) shows the mask
	assert VALUE not in json.dumps({"secret": Secret(VALUE)}, default=repr)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_refuses_it_so_it_never_reaches_redis(protocol):
	with pytest.raises(TypeError, match="not pickled") as raised:
		pickle.dumps({"kwargs": {"secret": Secret(VALUE)}}, protocol=protocol)
	assert VALUE not in str(raised.value)


def test_copies_are_the_same_object_and_a_dataclass_holding_one_prints_the_mask():
	@dataclass(frozen=True)
	class Credentials:
		key_id: str
		secret: Secret

	secret = Secret(VALUE)
	assert copy.copy(secret) is secret and copy.deepcopy(secret) is secret
	credentials = Credentials("mak_x", secret)
	for text in (repr(credentials), str(asdict(credentials)), repr(copy.deepcopy(vars(credentials)))):
		assert VALUE not in text and MASK in text


def test_equality_is_by_value_and_hashing_follows_it():
	assert Secret(VALUE) == Secret(VALUE)
	assert Secret(VALUE) != Secret(VALUE + "x")
	assert Secret(VALUE) != VALUE  # never equal to the plain string
	assert len({Secret(VALUE), Secret(VALUE)}) == 1
	assert bool(Secret(VALUE)) and not bool(Secret(""))


def test_it_cannot_be_changed_iterated_concatenated_or_made_of_anything_but_str():
	secret = Secret(VALUE)
	with pytest.raises(AttributeError):
		secret._value = "other"
	with pytest.raises(AttributeError):
		del secret._value
	with pytest.raises(AttributeError):
		secret.extra = 1
	with pytest.raises(TypeError):
		iter(secret)
	with pytest.raises(TypeError):
		"Bearer " + secret
	with pytest.raises(TypeError):
		vars(secret)
	with pytest.raises(TypeError):
		Secret(VALUE.encode())
	assert secret.reveal() == VALUE


def test_a_traceback_with_locals_and_a_log_record_show_the_mask():
	"""What Frappe's Error Log does to a failing frame: every local printed with repr."""

	def fails(credentials: Secret) -> None:
		raise RuntimeError("database went away")

	try:
		fails(Secret(VALUE))
	except RuntimeError as error:
		text = "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
	assert "credentials = Secret('********')" in text
	assert VALUE not in text
	record = logging.LogRecord("t", logging.ERROR, __file__, 1, "key %s and %r", (Secret(VALUE),) * 2, None)
	assert VALUE not in record.getMessage()
