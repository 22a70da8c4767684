"""Access tokens: issued and verified round trip, and every forgery we know of refused."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from my_api_app.api_keys.rules.jwt_tokens import (
	ALLOWED_ALGORITHMS,
	MAX_TOKEN_LENGTH,
	REQUIRED_CLAIMS,
	InvalidToken,
	SigningKey,
	TokenClaims,
	generate_signing_key,
	issue_token,
	verify_token,
)
from my_api_app.shared.rules.secret import Secret

ISS, AUD = "https://erp.example.com", "https://erp.example.com/api"
T0 = 1_800_000_000
KEY = generate_signing_key()
OTHER = generate_signing_key()
KEYS = {KEY.kid: KEY}


def public_only(key: SigningKey) -> SigningKey:
	return SigningKey(kid=key.kid, algorithm=key.algorithm, public_key_pem=key.public_key_pem)


def issue(key=KEY, scopes=("method:a.*", "doctype:Sales Invoice:read"), lifetime=900, now=T0):
	return issue_token(
		key,
		issuer=ISS,
		audience=AUD,
		subject="jane@example.com",
		api_key="mak_x",
		scopes=scopes,
		lifetime=lifetime,
		now=now,
	)


def verify(token, keys=KEYS, now=T0 + 1, **kw):
	return verify_token(token, keys, issuer=ISS, audience=AUD, now=now, **kw)


def claims_payload(**changes) -> dict:
	payload = {
		"iss": ISS,
		"aud": AUD,
		"sub": "jane@example.com",
		"iat": T0,
		"nbf": T0,
		"exp": T0 + 900,
		"jti": "j1",
		"key": "mak_x",
		"scope": "method:a.*",
	}
	payload.update(changes)
	return {k: v for k, v in payload.items() if v is not ...}


def sign(payload: dict, key=KEY, headers=None) -> str:
	"""A token signed with our real key, so only the claims decide."""
	return jwt.encode(
		payload,
		serialization.load_pem_private_key(key.private_key_pem.reveal().encode(), None),
		algorithm="EdDSA",
		headers={"kid": key.kid, "typ": "at+jwt", **(headers or {})},
	)


def b64(data: bytes) -> str:
	return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict, payload: dict, signature: bytes = b"") -> str:
	return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def reason(token, **kw) -> str:
	with pytest.raises(InvalidToken) as error:
		verify(token, **kw)
	return error.value.reason


def test_round_trip():
	token, issued = issue()
	claims = verify(token)
	assert claims == issued
	assert claims == TokenClaims(
		subject="jane@example.com",
		api_key="mak_x",
		scopes=("method:a.*", "doctype:Sales Invoice:read"),
		jti=issued.jti,
		issued_at=T0,
		not_before=T0,
		expires_at=T0 + 900,
		issuer=ISS,
		audience=AUD,
	)
	header = jwt.get_unverified_header(token)
	assert header == {"alg": "EdDSA", "kid": KEY.kid, "typ": "at+jwt"}
	payload = jwt.decode(token, options={"verify_signature": False})
	assert payload["scope"] == "method:a.* doctype:Sales%20Invoice:read"
	assert set(payload) == set(REQUIRED_CLAIMS)


def test_verify_needs_only_the_public_key():
	token, _ = issue()
	assert verify(token, keys={KEY.kid: public_only(KEY)}).subject == "jane@example.com"


def test_each_token_has_its_own_jti():
	assert issue()[1].jti != issue()[1].jti


def test_default_clock_is_now():
	token, claims = issue(now=None)
	assert abs(claims.issued_at - time.time()) < 5
	assert verify_token(token, KEYS, issuer=ISS, audience=AUD).jti == claims.jti


def test_generated_keys():
	assert KEY.algorithm == "EdDSA" and KEY.algorithm in ALLOWED_ALGORITHMS
	assert KEY.kid.startswith("msk_") and len(KEY.kid) == 20 and KEY.kid != OTHER.kid
	assert KEY.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
	assert KEY.private_key_pem.reveal().startswith("-----BEGIN PRIVATE KEY-----")


def test_a_signing_key_never_prints_its_private_key():
	"""Frappe's Error Log prints a frame's variables with repr: a key must not show its secret."""
	body = "".join(KEY.private_key_pem.reveal().strip().splitlines()[1:-1])
	for text in (repr(KEY), str(KEY), f"{KEY}", repr(vars(KEY))):
		assert body not in text and "PRIVATE KEY" not in text
		assert KEY.public_key_pem.splitlines()[1] in text  # the public key is no secret


def test_refuses_to_issue_without_a_private_key_or_with_another_algorithm():
	with pytest.raises(ValueError, match="no private key"):
		issue(key=public_only(KEY))
	with pytest.raises(ValueError, match="HS256"):
		issue(key=SigningKey(kid="k", algorithm="HS256", public_key_pem="s", private_key_pem=Secret("s")))
	with pytest.raises(ValueError, match="lifetime"):
		issue(lifetime=0)


def test_alg_none_is_refused():
	token = hand_made({"alg": "none", "kid": KEY.kid, "typ": "at+jwt"}, claims_payload())
	assert "alg 'none'" in reason(token)


def test_eddsa_header_without_a_signature_is_refused():
	token = hand_made({"alg": "EdDSA", "kid": KEY.kid, "typ": "at+jwt"}, claims_payload())
	assert "Signature" in reason(token)


def test_signed_by_another_ed25519_key_under_a_known_kid():
	token, _ = issue(key=SigningKey(KEY.kid, "EdDSA", OTHER.public_key_pem, OTHER.private_key_pem))
	assert "InvalidSignatureError" in reason(token)


def test_hs256_keyed_with_our_public_key_is_refused():
	header = {"alg": "HS256", "kid": KEY.kid, "typ": "at+jwt"}
	signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims_payload()).encode())}"
	mac = hmac.new(KEY.public_key_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
	token = f"{signing_input}.{b64(mac)}"
	assert "alg 'HS256'" in reason(token)
	# Even a key record that claims HS256 is not usable: the algorithm is not allowed.
	hs_key = SigningKey(kid=KEY.kid, algorithm="HS256", public_key_pem=KEY.public_key_pem)
	assert "not allowed" in reason(token, keys={KEY.kid: hs_key})


@pytest.mark.parametrize(
	("alg", "private_key"),
	[
		("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
		("ES256", ec.generate_private_key(ec.SECP256R1())),
	],
)
def test_other_asymmetric_algorithms_with_an_attacker_key(alg, private_key):
	token = jwt.encode(
		claims_payload(), private_key, algorithm=alg, headers={"kid": KEY.kid, "typ": "at+jwt"}
	)
	assert f"alg {alg!r}" in reason(token)


def test_expired():
	token, _ = issue(lifetime=60)
	assert verify(token, now=T0 + 60 + 30).expires_at == T0 + 60  # exactly at exp + leeway
	assert reason(token, now=T0 + 60 + 31) == "expired"
	assert reason(token, now=T0 + 61, leeway=0) == "expired"
	assert verify(token, now=T0 + 60, leeway=0)


def test_not_yet_valid():
	token = sign(claims_payload(iat=T0, nbf=T0 + 100))
	assert verify(token, now=T0 + 70).not_before == T0 + 100  # exactly at nbf - leeway
	assert reason(token, now=T0 + 69) == "not valid yet (nbf)"


def test_issued_in_the_future():
	token = sign(claims_payload(iat=T0 + 100, nbf=T0))
	assert verify(token, now=T0 + 70).issued_at == T0 + 100  # exactly at iat - leeway
	assert reason(token, now=T0 + 69) == "issued in the future (iat)"


def test_wrong_audience_or_issuer():
	token, _ = issue()
	with pytest.raises(InvalidToken, match="InvalidAudienceError"):
		verify_token(token, KEYS, issuer=ISS, audience="https://other.example.com/api", now=T0)
	with pytest.raises(InvalidToken, match="InvalidIssuerError"):
		verify_token(token, KEYS, issuer="https://other.example.com", audience=AUD, now=T0)
	with pytest.raises(InvalidToken):
		verify_token(token, KEYS, issuer=ISS[:-1], audience=AUD, now=T0)


def test_audience_list_is_refused():
	assert "InvalidAudienceError" in reason(sign(claims_payload(aud=[AUD, "https://other.example.com"])))
	assert "InvalidAudienceError" in reason(sign(claims_payload(aud=[AUD])))


def test_tampered_payload_keeps_no_signature():
	token, _ = issue()
	header, payload, signature = token.split(".")
	claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
	claims["scope"] = "*"
	forged = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
	assert "InvalidSignatureError" in reason(forged)


def test_unknown_and_missing_kid():
	token, _ = issue(key=OTHER)
	assert reason(token).startswith("unknown kid")
	no_kid = jwt.encode(
		claims_payload(),
		serialization.load_pem_private_key(KEY.private_key_pem.reveal().encode(), None),
		algorithm="EdDSA",
		headers={"typ": "at+jwt"},
	)
	assert reason(no_kid) == "no kid in the header"


def test_wrong_typ_is_refused():
	assert "typ" in reason(sign(claims_payload(), headers={"typ": "JWT"}))
	assert verify(sign(claims_payload(), headers={"typ": "application/at+jwt"}))


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_every_required_claim_must_be_present(claim):
	assert "MissingRequiredClaimError" in reason(sign(claims_payload(**{claim: ...})))


@pytest.mark.parametrize(
	("claim", "value"),
	[
		("exp", str(T0 + 900)),
		("exp", float(T0 + 900)),
		("iat", True),
		("sub", ""),
		("sub", 5),
		("jti", ["x"]),
		("key", ""),
		("scope", ["method:a.*"]),
	],
)
def test_claims_of_the_wrong_type_are_refused(claim, value):
	reason(sign(claims_payload(**{claim: value})))


def test_rotation():
	old = generate_signing_key()
	new = generate_signing_key()
	old_token, _ = issue(key=old)
	new_token, _ = issue(key=new)
	both = {old.kid: public_only(old), new.kid: public_only(new)}
	assert verify(old_token, keys=both) and verify(new_token, keys=both)
	only_new = {new.kid: public_only(new)}
	assert verify(new_token, keys=only_new)
	assert reason(old_token, keys=only_new).startswith("unknown kid")


def test_oversize_token_is_refused_before_parsing():
	token = "a" * (MAX_TOKEN_LENGTH + 1)
	assert reason(token).startswith("token longer")
	big, _ = issue(scopes=[f"method:a.b{i}" for i in range(2000)])
	assert len(big) > MAX_TOKEN_LENGTH
	assert reason(big).startswith("token longer")


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "....", "eyJhbGciOiJFZERTQSJ9.e30."])
def test_garbage_is_refused(token):
	reason(token)


def test_a_header_that_is_not_an_object_is_refused():
	token = f"{b64(b'[1]')}.{b64(b'{}')}.{b64(b'x')}"
	assert reason(token).startswith("malformed token")
