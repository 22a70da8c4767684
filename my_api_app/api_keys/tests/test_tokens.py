"""Bench tests of JWT access tokens: exchange, use, scopes, revocation, signing-key rotation."""

import time

import frappe
import jwt

from my_api_app.api_keys import tokens
from my_api_app.api_keys.tests.test_api_keys import OWNER, WHOAMI, APIKeyTestCase, bearer_header, token_header
from my_api_app.testing import api_request

ISSUE = "/api/method/my_api_app.api.auth.issue_token"


class TestTokens(APIKeyTestCase):
	def exchange(self, key, secret, **body):
		response = api_request("POST", ISSUE, json=body, headers=token_header(key, secret))
		return response, response.get_json()

	def token_for(self, scopes=("*",), **body) -> tuple[str, str, str]:
		key, secret, _ = self.create_key(scopes=scopes)
		response, payload = self.exchange(key, secret, **body)
		self.assertEqual(response.status_code, 200, payload)
		return key, secret, payload["message"]["data"]["access_token"]

	def test_exchange_and_use(self):
		key, _, token = self.token_for(scopes=["method:my_api_app.api.auth.*"])
		claims = jwt.decode(token, options={"verify_signature": False})
		header = jwt.get_unverified_header(token)
		self.assertEqual(header["alg"], "EdDSA")
		self.assertTrue(header["kid"])
		self.assertEqual(claims["sub"], OWNER)
		self.assertEqual(claims["key"], key)
		self.assertEqual(claims["scope"], "method:my_api_app.api.auth.*")
		self.assertAlmostEqual(claims["exp"] - claims["iat"], 900, delta=1)
		response, body = self.call(WHOAMI, bearer_header(token))
		self.assertEqual(response.status_code, 200, body)
		data = body["message"]["data"]
		self.assertEqual((data["user"], data["authenticated_by"], data["api_key"]), (OWNER, "jwt", key))
		response, body = self.call("/api/method/my_api_app.examples.public.hello", bearer_header(token))
		self.assertStructured(response, body, 403, "missing_scope")

	def test_token_may_narrow_but_never_widen_scopes(self):
		key, secret, _ = self.create_key(scopes=["method:my_api_app.api.auth.*", "doctype:ToDo:read"])
		response, body = self.exchange(key, secret, scopes=["doctype:ToDo:read"])
		self.assertEqual(response.status_code, 200, body)
		token = body["message"]["data"]["access_token"]
		self.assertEqual(self.call(WHOAMI, bearer_header(token))[0].status_code, 403)
		self.assertEqual(self.call("/api/resource/ToDo", bearer_header(token))[0].status_code, 200)
		response, body = self.exchange(key, secret, scopes=["doctype:ToDo:write"])
		self.assertStructured(response, body, 403, "missing_scope")

	def test_token_cannot_mint_tokens_and_sessions_cannot_exchange(self):
		_, _, token = self.token_for()
		response = api_request("POST", ISSUE, json={}, headers=bearer_header(token))
		self.assertEqual(response.status_code, 403)
		response = api_request("POST", ISSUE, json={}, auth=self.owner_frappe_key)
		self.assertEqual(response.status_code, 403)

	def test_revoking_the_key_stops_its_tokens(self):
		key, _, token = self.token_for()
		self.assertEqual(self.call(WHOAMI, bearer_header(token))[0].status_code, 200)
		frappe.get_doc("API Key", key).revoke("test")
		frappe.db.commit()
		response, body = self.call(WHOAMI, bearer_header(token))
		self.assertStructured(response, body, 401, "unauthenticated")

	def test_narrowing_the_key_narrows_its_tokens(self):
		key, _, token = self.token_for(scopes=["method:my_api_app.api.auth.*", "doctype:ToDo:read"])
		doc = frappe.get_doc("API Key", key)
		doc.set("scopes", [{"scope": "doctype:ToDo:read"}])
		doc.save(ignore_permissions=True)
		frappe.db.commit()
		self.assertEqual(self.call(WHOAMI, bearer_header(token))[0].status_code, 403)

	def test_revoking_a_token_by_jti(self):
		_, _, token = self.token_for()
		_, _, other = self.token_for()
		response = api_request(
			"POST", "/api/method/my_api_app.api.auth.revoke_token", json={}, headers=bearer_header(token)
		)
		self.assertEqual(response.status_code, 200, response.get_json())
		self.assertEqual(self.call(WHOAMI, bearer_header(token))[0].status_code, 401)
		self.assertEqual(self.call(WHOAMI, bearer_header(other))[0].status_code, 200)
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.auth.revoke_token",
			json={"token": other},
			auth=self.other_frappe_key,
		)
		self.assertEqual(response.status_code, 404)  # not the caller's key: its existence is not told
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.auth.revoke_token",
			json={"token": other},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 200, response.get_json())
		self.assertEqual(self.call(WHOAMI, bearer_header(other))[0].status_code, 401)

	def test_rotation_old_keys_verify_until_retired(self):
		_, _, old_token = self.token_for()
		old_kid = jwt.get_unverified_header(old_token)["kid"]
		response = api_request(
			"POST", "/api/method/my_api_app.api.auth.rotate_signing_key", auth=self.manager_frappe_key
		)
		self.assertEqual(response.status_code, 200, response.get_json())
		new_kid = response.get_json()["message"]["data"]["kid"]
		_, _, new_token = self.token_for()
		self.assertEqual(jwt.get_unverified_header(new_token)["kid"], new_kid)
		self.assertEqual(self.call(WHOAMI, bearer_header(old_token))[0].status_code, 200)
		jwks = api_request("GET", "/api/method/my_api_app.api.auth.signing_keys").get_json()["message"][
			"data"
		]
		self.assertEqual({k["kid"] for k in jwks["keys"]} >= {old_kid, new_kid}, True)
		frappe.db.set_value(
			"API Signing Key", old_kid, "retire_after", frappe.utils.add_to_date(None, seconds=-1)
		)
		tokens.retire_expired_signing_keys()
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("API Signing Key", old_kid, "status"), "Retired")
		self.assertEqual(self.call(WHOAMI, bearer_header(old_token))[0].status_code, 401)
		self.assertEqual(self.call(WHOAMI, bearer_header(new_token))[0].status_code, 200)

	def test_forged_tokens_are_refused(self):
		_key, _, token = self.token_for()
		claims = jwt.decode(token, options={"verify_signature": False})
		header = jwt.get_unverified_header(token)
		public_pem = frappe.db.get_value("API Signing Key", header["kid"], "public_key")
		forged = {
			"alg none": jwt.encode(claims, None, algorithm="none", headers={"kid": header["kid"]}),
			"expired": jwt.encode(
				{**claims, "exp": int(time.time()) - 3600},
				"x" * 32,
				algorithm="HS256",
				headers={"kid": header["kid"]},
			),
			"tampered": token.rsplit(".", 2)[0]
			+ "."
			+ jwt.utils.base64url_encode(
				frappe.as_json({**claims, "sub": "Administrator"}, indent=None).encode()
			).decode()
			+ "."
			+ token.rsplit(".", 1)[1],
		}
		self.assertTrue(public_pem)
		for name, forged_token in forged.items():
			response, body = self.call(WHOAMI, bearer_header(forged_token))
			with self.subTest(name):
				self.assertStructured(response, body, 401, "unauthenticated")
