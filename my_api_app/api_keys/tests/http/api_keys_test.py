"""API keys and access tokens over HTTP, as an integrator (and an attacker) sees them."""

import base64
import json
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from my_api_app.tests.http.e2e_site import Site
from my_api_app.toolkit.tests.http.toolkit_test import assert_error

CREATE_KEY = "my_api_app.api.keys.create_key"
REVOKE_KEY = "my_api_app.api.keys.revoke_key"
ROLL = "my_api_app.api.keys.roll_secret"
ISSUE = "my_api_app.api.auth.issue_token"
REVOKE_TOKEN = "my_api_app.api.auth.revoke_token"
WHOAMI = "my_api_app.api.auth.whoami"
JWKS = "my_api_app.api.auth.signing_keys"


def create_key(site: Site, scopes=("*",), **fields) -> dict:
	response = site.method("POST", CREATE_KEY, json={"label": "e2e", "scopes": list(scopes), **fields})
	assert response.status_code == 201, response.text
	return response.json()["message"]["data"]


def as_key(data: dict) -> Site:
	return Site(auth=data["authorization"])


def basic(key: str, secret: str) -> str:
	return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def access_token(key_site: Site, **body) -> str:
	response = key_site.method("POST", ISSUE, json=body)
	assert response.status_code == 200, response.text
	return response.json()["message"]["data"]["access_token"]


@pytest.fixture
def key(member) -> dict:
	return create_key(member[1])


def test_create_use_and_see_the_secret_once(member, key):
	email, site = member
	assert key["secret"].startswith("mas_") and key["name"].startswith("mak_")
	body = as_key(key).method("GET", WHOAMI).json()["message"]["data"]
	assert (body["user"], body["authenticated_by"], body["api_key"]) == (email, "api_key", key["name"])
	listed = site.method("GET", "my_api_app.api.keys.list_keys")
	assert key["name"] in listed.text and key["secret"] not in listed.text
	assert key["secret"] not in site.request("GET", f"/api/resource/API Key/{key['name']}").text
	basic_site = Site(auth=basic(key["name"], key["secret"]))
	assert basic_site.request("GET", "/api/resource/ToDo").status_code == 200


def test_the_401s_cannot_be_told_apart(member, key):
	_, site = member
	soon = datetime.now(timezone.utc) + timedelta(seconds=2)  # an aware time; the site's zone may differ
	expiring = create_key(site, expires_at=soon.isoformat())
	revoked = create_key(site)
	assert site.method("POST", REVOKE_KEY, json={"api_key": revoked["name"], "reason": "e2e"}).ok
	time.sleep(3)
	wrong = "mas_" + "A" * 38
	attempts = [
		f"token mak_{'x' * 20}:{key['secret']}",
		f"token {key['name']}:{wrong}",
		f"token {key['name']}:",
		f"token {key['name']}:{key['secret']}:extra",
		expiring["authorization"],
		revoked["authorization"],
		basic(key["name"], wrong),
		"Bearer e30.e30.e30",
	]
	bodies = set()
	for auth in attempts:
		for path in (f"/api/method/{WHOAMI}", "/api/resource/ToDo"):
			response = Site(auth=auth).request("GET", path)
			body = assert_error(response, 401, "unauthenticated")
			assert "WWW-Authenticate" in response.headers
			bodies.add((body["error"]["title"], body["error"]["detail"].split(":")[0], body["exc_type"]))
	assert len(bodies) == 2, bodies  # one for keys, one for tokens; neither says which check failed


def test_frappe_credentials_keep_working(member, admin):
	_, site = member
	assert site.method("GET", WHOAMI).json()["message"]["data"]["authenticated_by"] == "frappe"
	assert admin.method("GET", WHOAMI).json()["message"]["data"]["user"] == "Administrator"
	assert Site(auth="token not-a-key:nope").request("GET", "/api/resource/ToDo").status_code == 401
	assert Site(auth="Bearer opaque-oauth-token").request("GET", "/api/resource/ToDo").status_code == 401


def test_ip_allowlist_is_403_after_a_valid_secret(member):
	_, site = member
	outside = create_key(site, allowed_ip_ranges=["10.0.0.0/8", "2001:db8::/32"])
	response = as_key(outside).method("GET", WHOAMI)
	body = assert_error(response, 403, "forbidden")
	assert "127.0.0.1" in body["error"]["detail"]
	inside = create_key(site, allowed_ip_ranges=["127.0.0.0/8", "::1/128"])
	assert as_key(inside).method("GET", WHOAMI).status_code == 200


def test_scopes_name_what_is_missing(member):
	_, site = member
	data = create_key(site, scopes=["method:my_api_app.api.auth.*", "doctype:ToDo:read"])
	scoped = as_key(data)
	assert scoped.method("GET", WHOAMI).status_code == 200
	assert scoped.request("GET", "/api/resource/ToDo").status_code == 200
	for method, path, scope in (
		("GET", "/api/method/my_api_app.examples.public.hello", "method:my_api_app.examples.public.hello"),
		("POST", "/api/resource/ToDo", "doctype:ToDo:create"),
		("GET", "/api/resource/Note", "doctype:Note:read"),
		("GET", "/api/v2/document/ToDo", None),
	):
		response = scoped.request(method, path, json={"description": "x"} if method == "POST" else None)
		if scope is None:
			assert response.status_code == 200, response.text
			continue
		body = assert_error(response, 403, "missing_scope")
		assert scope in body["error"]["detail"]
		assert f'scope="{scope}"' in response.headers["WWW-Authenticate"]


def test_roll_with_overlap(member, key):
	_, site = member
	rolled = site.method("POST", ROLL, json={"api_key": key["name"], "overlap_minutes": 5}).json()["message"][
		"data"
	]
	assert as_key(key).method("GET", WHOAMI).status_code == 200
	assert as_key(rolled).method("GET", WHOAMI).status_code == 200
	site.method("POST", ROLL, json={"api_key": key["name"], "overlap_minutes": 0})
	assert as_key(key).method("GET", WHOAMI).status_code == 401
	assert as_key(rolled).method("GET", WHOAMI).status_code == 401


def test_access_tokens(member, key):
	_, site = member
	token = access_token(as_key(key), expires_in=120)
	bearer = Site(auth=f"Bearer {token}")
	data = bearer.method("GET", WHOAMI).json()["message"]["data"]
	assert (data["authenticated_by"], data["api_key"]) == ("jwt", key["name"])
	claims = jwt.decode(token, options={"verify_signature": False})
	assert claims["exp"] - claims["iat"] == 120
	assert {"exp", "nbf", "iat", "iss", "aud", "jti", "sub"} <= set(claims)
	# the published keys verify it, with the allow-listed algorithm only
	jwks = Site().method("GET", JWKS).json()["message"]["data"]
	jwk = next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"])
	public = jwt.PyJWK(jwk).key
	assert jwt.decode(token, public, algorithms=["EdDSA"], audience=claims["aud"])["sub"] == data["user"]
	# revoke this token: the next request fails, other tokens of the key still work
	other = access_token(as_key(key))
	assert bearer.method("POST", REVOKE_TOKEN, json={}).status_code == 200
	assert_error(bearer.method("GET", WHOAMI), 401, "unauthenticated")
	assert Site(auth=f"Bearer {other}").method("GET", WHOAMI).status_code == 200
	# revoke the key: its tokens stop at once
	site.method("POST", REVOKE_KEY, json={"api_key": key["name"], "reason": "e2e"})
	assert_error(Site(auth=f"Bearer {other}").method("GET", WHOAMI), 401, "unauthenticated")


def test_forged_tokens(member, key):
	token = access_token(as_key(key))
	header = jwt.get_unverified_header(token)
	claims = jwt.decode(token, options={"verify_signature": False})
	jwks = Site().method("GET", JWKS).json()["message"]["data"]
	public_x = next(k for k in jwks["keys"] if k["kid"] == header["kid"])["x"]
	head, payload, signature = token.split(".")

	def b64(data: dict) -> str:
		return jwt.utils.base64url_encode(json.dumps(data).encode()).decode()

	forged = {
		"alg none": f"{b64({'alg': 'none', 'kid': header['kid'], 'typ': 'at+jwt'})}.{payload}.",
		"HS256 with the public key": jwt.api_jws.PyJWS().encode(
			json.dumps(claims).encode(),
			public_x.encode(),
			algorithm="HS256",
			headers={"kid": header["kid"], "typ": "at+jwt"},
		),
		"tampered payload": f"{head}.{b64({**claims, 'scope': '*', 'sub': 'Administrator'})}.{signature}",
		"unknown kid": f"{b64({**header, 'kid': 'msk_unknown'})}.{payload}.{signature}",
		"wrong audience": f"{head}.{b64({**claims, 'aud': 'https://elsewhere'})}.{signature}",
	}
	for name, bad in forged.items():
		response = Site(auth=f"Bearer {bad}").method("GET", WHOAMI)
		assert response.status_code == 401, (name, response.text)
