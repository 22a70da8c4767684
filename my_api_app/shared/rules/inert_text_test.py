"""Inert text: no character HTML gives meaning to survives, and the text comes back whole."""

from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from my_api_app.shared.rules.inert_text import inert


def test_markup_is_percent_encoded_and_plain_text_is_kept():
	assert inert("<img src=x onerror=alert(1)>") == "%3Cimg src=x onerror=alert(1)%3E"
	assert inert("invoice.paid") == "invoice.paid"
	assert inert("a\"b'c&d`e%f\ng") == "a%22b%27c%26d%60e%25f%0Ag"
	assert inert("Café €") == "Café €"


@settings(max_examples=300)
@given(st.text())
def test_inert_text_has_no_markup_and_gives_the_text_back(text):
	stored = inert(text)
	assert not set(stored) & set("<>\"'&`") and all(ord(c) >= 0x20 and c != "\x7f" for c in stored)
	assert unquote(stored) == text
