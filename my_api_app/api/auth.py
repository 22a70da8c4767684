"""Tokens for API keys: exchange a key for a short-lived JWT, revoke one, publish the
verification keys, and say who the caller is."""

from typing import Annotated

import frappe
from pydantic import Field

from my_api_app.api_keys import permissions, principal, store, tokens
from my_api_app.core.scopes import covers
from my_api_app.toolkit import Forbidden, InvalidInput, NotFound, Unauthenticated, endpoint


@endpoint(methods="POST")
def issue_token(
	scopes: Annotated[list[str], Field(min_length=1, max_length=100)] | None = None,
	expires_in: Annotated[
		int, Field(ge=tokens.MIN_LIFETIME, le=tokens.MAX_LIFETIME)
	] = tokens.DEFAULT_LIFETIME,
) -> dict:
	"""Exchange API key credentials (``Authorization: token <key>:<secret>`` or Basic) for a
	Bearer access token (a JWT) that lives ``expires_in`` seconds (default 900).

	The token carries the key's scopes, or the subset named in ``scopes``; never more.
	"""
	caller = principal.current()
	if caller is None or caller.kind != "api_key":
		raise Forbidden("Send API key credentials (Authorization: token <key>:<secret>) to get a token.")
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
def revoke_token(token: str | None = None) -> dict:
	"""Revoke an access token at once: ``token``, or the Bearer token of this request.

	The caller must be able to write the token's API key (its owner, or a System Manager).
	"""
	if token is None:
		caller = principal.current()
		if caller is None or caller.kind != "jwt":
			raise InvalidInput.for_field("token", "Name the token to revoke, or call with it.", "missing")
		jti, api_key, expires_at = caller.token_id, caller.api_key, caller.token_expires_at
	else:
		try:
			claims = tokens.decode(token)
		except Unauthenticated:
			raise InvalidInput.for_field(
				"token", "Not a valid token of this site.", "invalid_token"
			) from None
		key_user = frappe.db.get_value("API Key", claims.api_key, "user")
		if (
			not key_user
			or not permissions.may_manage_key(key_user)
			or not frappe.has_permission("API Key", "write", claims.api_key)
		):
			raise NotFound("No such token.")
		jti, api_key, expires_at = claims.jti, claims.api_key, claims.expires_at
	tokens.revoke(jti, api_key, expires_at)
	return {"revoked": jti, "api_key": api_key}


@endpoint(methods="GET", allow_guest=True)
def signing_keys() -> dict:
	"""The public keys that verify this site's access tokens, as a JSON Web Key Set."""
	return {"keys": [tokens.public_jwk(key) for key in tokens.verifying_keys().values()]}


@endpoint(methods="GET")
def whoami() -> dict:
	"""Who the caller is and, for an API key or token, which key and scopes."""
	caller = principal.current()
	return {
		"user": frappe.session.user,
		"authenticated_by": caller.kind if caller else "frappe",
		"api_key": caller.api_key if caller else None,
		"scopes": list(caller.scopes.strings) if caller else None,
		"token_expires_at": caller.token_expires_at if caller else None,
	}


@endpoint(methods="POST", roles=["System Manager"])
def rotate_signing_key() -> dict:
	"""Sign new tokens with a new key; the previous key verifies until its tokens have expired."""
	return {"kid": tokens.rotate().kid}
