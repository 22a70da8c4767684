"""Tokens for API keys: exchange a key for a short-lived JWT, revoke one, publish the
verification keys, and say who the caller is."""

from typing import Annotated, Literal

import frappe
from frappe import _
from pydantic import BaseModel, Field

from my_api_app.api_keys import permissions, principal, reauthentication, store, tokens
from my_api_app.api_keys.rules.jwt_tokens import MAX_TOKEN_LENGTH, TOKEN_PATTERN
from my_api_app.shared.rules.scopes import ScopeText, covers
from my_api_app.toolkit import Forbidden, NotFound, Unauthenticated, endpoint

Jti = Annotated[str, Field(description="The token's id (its `jti` claim).")]
ApiKeyName = Annotated[str, Field(description="The API key's id.", examples=["mak_3fQ8k2Lr9sTn"])]


class AccessToken(BaseModel):
	"""A Bearer access token (OAuth 2.0 token response, RFC 6749 section 5.1)."""

	access_token: str = Field(description="The JWT: send it as `Authorization: Bearer <token>`.")
	token_type: Literal["Bearer"]
	expires_in: int = Field(description="Seconds the token lives.", examples=[900])
	scope: str = Field(description="The token's scopes, space separated, each percent-encoded.")
	expires_at: int = Field(description="When it expires, in Unix seconds.", examples=[1767225600])


class RevokedToken(BaseModel):
	"""The revoked token and the API key it was issued for."""

	revoked: Jti
	api_key: ApiKeyName


class JsonWebKey(BaseModel):
	"""An Ed25519 public key as a JSON Web Key (RFC 8037)."""

	kty: Literal["OKP"]
	crv: Literal["Ed25519"]
	x: str = Field(description="The public key, base64url.")
	kid: str = Field(description="The key id, as in the `kid` header of the tokens it verifies.")
	alg: Literal["EdDSA"]
	use: Literal["sig"]


class JsonWebKeySet(BaseModel):
	"""The keys that verify this site's access tokens (RFC 7517 section 5)."""

	keys: list[JsonWebKey]


class Caller(BaseModel):
	"""Who is calling, and with which credential."""

	user: str = Field(description="The Frappe user the request runs as.", examples=["jane@example.com"])
	authenticated_by: Literal["api_key", "jwt", "frappe"] = Field(
		description="`api_key` or `jwt` for this app's credentials; `frappe` for a session or a "
		"Frappe user's own API key."
	)
	api_key: ApiKeyName | None
	scopes: list[str] | None = Field(description="The credential's scopes (none for `frappe`).")
	token_expires_at: int | None = Field(description="For a token: when it expires, in Unix seconds.")


class PasswordConfirmed(BaseModel):
	"""Until when this session may create and roll API keys."""

	valid_until: int = Field(description="Unix seconds: 5 minutes from now.", examples=[1767225600])


class SigningKeyRotated(BaseModel):
	"""The key that signs new tokens from now on."""

	kid: str


@endpoint(methods="POST")
def issue_token(
	scopes: Annotated[list[ScopeText], Field(min_length=1, max_length=100)] | None = None,
	expires_in: Annotated[
		int, Field(ge=tokens.MIN_LIFETIME, le=tokens.MAX_LIFETIME)
	] = tokens.DEFAULT_LIFETIME,
) -> AccessToken:
	"""Exchange API key credentials (``Authorization: token <key>:<secret>`` or Basic) for a
	Bearer access token (a JWT) that lives ``expires_in`` seconds (default 900).

	The token carries the key's scopes, or the subset named in ``scopes``; never more.
	"""
	caller = principal.current()
	if caller is None or caller.kind != "api_key":
		raise Forbidden(_("Send API key credentials (Authorization: token <key>:<secret>) to get a token."))
	granted = caller.scopes.strings
	if scopes is not None:
		for scope in scopes:
			if not covers(caller.scopes, scope):
				raise principal.missing_scope_error(scope)
		granted = tuple(dict.fromkeys(scopes))
	token, claims = tokens.issue(store.get(caller.api_key), granted, expires_in)
	return {
		"access_token": token,
		"token_type": "Bearer",
		"expires_in": expires_in,
		"scope": " ".join(claims.scopes),
		"expires_at": claims.expires_at,
	}


@endpoint(methods="POST")
def revoke_token(
	token: Annotated[
		str, Field(pattern=TOKEN_PATTERN, max_length=MAX_TOKEN_LENGTH, description="An access token (a JWT).")
	]
	| None = None,
) -> RevokedToken:
	"""Revoke an access token at once: ``token``, or the Bearer token of this request.

	The caller must be able to write the token's API key (its owner, or a System Manager). A
	token that is not this site's (or no longer valid), or none at all, is not found (404).
	"""
	if token is None:
		caller = principal.current()
		if caller is None or caller.kind != "jwt":
			raise NotFound(_("This request carries no token to revoke: name one in token."))
		jti, api_key, expires_at = caller.token_id, caller.api_key, caller.token_expires_at
	else:
		try:
			claims = tokens.decode(token)
		except Unauthenticated:
			raise NotFound(_("No such token.")) from None
		key_user = frappe.db.get_value("API Key", claims.api_key, "user")
		if (
			not key_user
			or not permissions.may_manage_key(key_user)
			or not frappe.has_permission("API Key", "write", claims.api_key)
		):
			raise NotFound(_("No such token."))
		jti, api_key, expires_at = claims.jti, claims.api_key, claims.expires_at
	tokens.revoke(jti, api_key, expires_at)
	return {"revoked": jti, "api_key": api_key}


@endpoint(methods="GET", allow_guest=True)
def signing_keys() -> JsonWebKeySet:
	"""The public keys that verify this site's access tokens, as a JSON Web Key Set."""
	return {"keys": [tokens.public_jwk(key) for key in tokens.verifying_keys().values()]}


@endpoint(methods="GET")
def whoami() -> Caller:
	"""Who the caller is and, for an API key or token, which key and scopes."""
	caller = principal.current()
	return {
		"user": frappe.session.user,
		"authenticated_by": caller.kind if caller else "frappe",
		"api_key": caller.api_key if caller else None,
		"scopes": list(caller.scopes.strings) if caller else None,
		"token_expires_at": caller.token_expires_at if caller else None,
	}


@endpoint(methods="POST")
def confirm_password(password: Annotated[str, Field(min_length=1, max_length=512)]) -> PasswordConfirmed:
	"""Confirm the session user's password: for the next 5 minutes this session may create and
	roll API keys. A wrong password counts as a failed login (the brute-force guard: 429 with
	``Retry-After`` past its limit). Requests authenticated by a key or token need no
	confirmation (403 here)."""
	return {"valid_until": reauthentication.confirm(password)}


@endpoint(methods="POST", roles=["System Manager"])
def rotate_signing_key() -> SigningKeyRotated:
	"""Sign new tokens with a new key; the previous key verifies until its tokens have expired."""
	return {"kid": tokens.rotate().kid}
