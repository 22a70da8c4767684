"""Key ids and secrets: format, checksum, hashing, and which Authorization headers are ours."""

import base64
import hashlib
import re
import time
import zlib

import pytest
from pydantic import TypeAdapter, ValidationError

from my_api_app.shared.rules.api_key_format import (
	BASE62,
	ApiKeyCredentials,
	BearerToken,
	KeyId,
	hash_secret,
	is_key_id,
	is_well_formed_secret,
	new_key_id,
	new_secret,
	parse_authorization,
	secret_hint,
	verify_secret,
)
from my_api_app.shared.rules.secret import Secret

JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def basic(text: str) -> str:
	return "Basic " + base64.b64encode(text.encode()).decode()


def test_new_ids_and_secrets_have_the_documented_shape():
	key_id, secret = new_key_id(), new_secret()
	assert re.fullmatch(r"mak_[0-9A-Za-z]{20}", key_id)
	assert re.fullmatch(r"mas_[0-9A-Za-z]{38}", secret)
	assert is_key_id(key_id) and is_well_formed_secret(secret)


def test_ids_and_secrets_are_random():
	assert len({new_key_id() for _ in range(200)}) == 200
	secrets = [new_secret() for _ in range(200)]
	assert len({s[4:36] for s in secrets}) == 200
	# Every base62 character turns up in the random part: the alphabet is the full 62.
	assert len(set("".join(s[4:36] for s in secrets))) == 62


def test_the_checksum_is_crc32_of_prefix_and_random_part_in_base62():
	body = "mas_" + "a" * 32
	crc, digits = zlib.crc32(body.encode()), ""
	for _ in range(6):
		crc, digit = divmod(crc, 62)
		digits = BASE62[digit] + digits
	assert is_well_formed_secret(body + digits)
	assert not is_well_formed_secret(body + digits[:-1] + ("0" if digits[-1] != "0" else "1"))


def test_a_one_character_typo_fails_the_checksum():
	secret = new_secret()
	for position in (4, 20, 35):
		typo = secret[:position] + ("b" if secret[position] != "b" else "c") + secret[position + 1 :]
		assert not is_well_formed_secret(typo)


@pytest.mark.parametrize(
	"value",
	[
		"",
		"mak_",
		"mak_" + "a" * 19,
		"mak_" + "a" * 21,
		"mak_" + "a" * 19 + "-",
		"mak_" + "a" * 19 + "é",
		"MAK_" + "a" * 20,
		"mas_" + "a" * 20,
		"mak_" + "a" * 20 + "\n",
	],
)
def test_malformed_key_ids(value):
	assert not is_key_id(value)


def test_malformed_secrets():
	secret = new_secret()
	assert not is_well_formed_secret(secret[:-1])
	assert not is_well_formed_secret(secret + "a")
	assert not is_well_formed_secret("mak_" + secret[4:])
	assert not is_well_formed_secret(secret[:10] + "_" + secret[11:])
	assert not is_well_formed_secret("")


def test_hash_is_sha256_hex():
	assert hash_secret("mas_x") == "sha256$" + hashlib.sha256(b"mas_x").hexdigest()


def test_verify_secret():
	secret = new_secret()
	stored = hash_secret(secret)
	assert verify_secret(secret, stored)
	assert not verify_secret(new_secret(), stored)
	assert not verify_secret(secret, hash_secret(secret + "x"))
	assert not verify_secret("", stored)


@pytest.mark.parametrize("stored", [None, ""])
def test_verify_secret_without_a_stored_hash_refuses(stored):
	assert not verify_secret(new_secret(), stored)
	# The dummy it compares against is not the hash of anything a client can send.
	assert not verify_secret("", stored)


def test_unknown_key_costs_about_the_same_as_a_wrong_secret():
	secret, stored = new_secret(), hash_secret(new_secret())

	def timed(stored_hash):
		start = time.perf_counter()
		for _ in range(20000):
			verify_secret(secret, stored_hash)
		return time.perf_counter() - start

	timed(stored)  # warm up
	wrong = min(timed(stored) for _ in range(3))
	unknown = min(timed(None) for _ in range(3))
	assert 0.5 < unknown / wrong < 2


def test_secret_hint_shows_prefix_and_last_four():
	secret = new_secret()
	assert secret_hint(secret) == "mas_…" + secret[-4:]
	assert secret[4:-4] not in secret_hint(secret)


def test_token_scheme_with_our_key():
	key_id, secret = new_key_id(), new_secret()
	for scheme in ("token", "Token", "TOKEN"):
		credentials = parse_authorization(f"{scheme} {key_id}:{secret}")
		assert credentials == ApiKeyCredentials(key_id, Secret(secret))
		assert credentials.well_formed


def test_basic_scheme_with_our_key():
	key_id, secret = new_key_id(), new_secret()
	credentials = parse_authorization(basic(f"{key_id}:{secret}"))
	assert credentials == ApiKeyCredentials(key_id, Secret(secret))
	assert credentials.well_formed
	assert parse_authorization("basic " + basic(f"{key_id}:{secret}")[6:]) == credentials


@pytest.mark.parametrize(
	"header",
	[
		"token 3f1e2d4c5b6a7980:0a1b2c3d4e5f6a7",  # a Frappe User key and secret
		"token abc",
		"Basic " + base64.b64encode(b"3f1e2d4c5b6a7980:0a1b2c3d4e5f6a7").decode(),
		"Basic !!!not-base64!!!",
		"Basic " + base64.b64encode(b"mak_x:y").decode()[:-1],  # bad padding: not decodable strictly
		"Basic " + base64.b64encode(b"xmak_abc:def").decode(),
		# Lenient base64 (Frappe's) would skip the "*" and decode our prefix; strict does not.
		"Basic *" + base64.b64encode(b"mak_abc:def").decode(),
		"Bearer 2bd0f8f9b0a64a7fa8f4ba2b5d3c7e",  # Frappe OAuth bearer token: no dots
		"Bearer a.b",
		"Bearer a..c",
		"Bearer a.b.",  # alg none style, empty signature: not our shape
		"Bearer a.b.c.d",
		"Bearer a+b.c.d",
		"Digest username=mak_x",
		"mak_abc:def",
		"",
		None,
		"   ",
		"token",
		"sid=abc; mak_x:y",
	],
)
def test_headers_that_are_not_ours(header):
	assert parse_authorization(header) is None


@pytest.mark.parametrize(
	("header", "key_id", "secret"),
	[
		("token mak_abc", "mak_abc", ""),  # no colon
		("token mak_abc:mas_x:y", "mak_abc", "mas_x:y"),  # extra colon
		("token mak_short:mas_short", "mak_short", "mas_short"),
		("token mak_abc:", "mak_abc", ""),
		(basic("mak_abc"), "mak_abc", ""),
		(basic("mak_abc:mas_1:2"), "mak_abc", "mas_1:2"),
	],
)
def test_malformed_credentials_with_our_prefix_are_still_ours(header, key_id, secret):
	credentials = parse_authorization(header)
	assert credentials == ApiKeyCredentials(key_id, Secret(secret))
	assert not credentials.well_formed


def test_a_bad_checksum_is_ours_but_not_well_formed():
	key_id, secret = new_key_id(), new_secret()
	typo = secret[:-1] + ("A" if secret[-1] != "A" else "B")
	credentials = parse_authorization(f"token {key_id}:{typo}")
	assert isinstance(credentials, ApiKeyCredentials)
	assert not credentials.well_formed


def test_basic_with_invalid_utf8_after_our_prefix_is_ours():
	header = "Basic " + base64.b64encode(b"mak_abc:\xff\xfe").decode()
	credentials = parse_authorization(header)
	assert credentials.key_id == "mak_abc"
	assert not credentials.well_formed


def test_bearer_jwt_is_ours():
	assert parse_authorization(f"Bearer {JWT}") == BearerToken(Secret(JWT))
	assert parse_authorization(f"bearer  {JWT} ") == BearerToken(Secret(JWT))


@pytest.mark.parametrize(
	"header",
	[
		f"token {new_key_id()}:{new_secret()}",
		basic(f"{new_key_id()}:{new_secret()}"),
		f"Bearer {JWT}",
	],
)
def test_parsed_credentials_never_print_the_secret(header):
	"""Frappe's Error Log prints a frame's variables with repr: credentials must not show theirs."""
	credentials = parse_authorization(header)
	secret = credentials.token if isinstance(credentials, BearerToken) else credentials.secret
	shown = (repr(credentials), str(credentials), f"{credentials}", repr(vars(credentials)))
	for text in shown:
		assert secret.reveal() not in text
		assert header.partition(" ")[2] not in text
	assert "********" in repr(credentials)


def test_key_id_type_takes_exactly_the_key_ids():
	key_id = TypeAdapter(KeyId)
	for _ in range(20):
		made = new_key_id()
		assert key_id.validate_python(made) == made
	for text in ("mak_short", "mas_" + "a" * 20, new_key_id() + "x", " " + new_key_id()):
		with pytest.raises(ValidationError):
			key_id.validate_python(text)
