"""JWT access tokens for API keys: signing keys, exchange, verification, revocation.

Tokens are signed with Ed25519 keys kept in the ``API Signing Key`` DocType (the private key
in Frappe's encrypted password store, which no API reads back: ``signing_key`` here is its only
reader). One key signs; keys that stopped signing keep
verifying until every token they signed has expired, then the scheduler retires them. A
token names its signing key in ``kid``, its API key in ``key`` and its scopes in ``scope``.
It stops working when its key is revoked, disabled or expires (checked on every request
against the cached key record), or when its ``jti`` is revoked.

Verification reads only the cache: the public keys and the revoked token ids.
"""

from datetime import datetime, timezone

import frappe
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from frappe.utils import add_to_date, now_datetime
from frappe.utils.data import convert_utc_to_system_timezone
from frappe.utils.password import get_decrypted_password
from jwt.algorithms import OKPAlgorithm

from my_api_app.api_keys import store
from my_api_app.api_keys.principal import Principal
from my_api_app.api_keys.rules import jwt_tokens
from my_api_app.shared import committed_cache
from my_api_app.shared.rules.errors import Unauthenticated
from my_api_app.shared.rules.scopes import ScopeError, ScopeSet, covers
from my_api_app.shared.rules.secret import Secret

DEFAULT_LIFETIME = 15 * 60
MIN_LIFETIME = 60
MAX_LIFETIME = 60 * 60
LEEWAY = 30
VERIFYING_KEYS_CACHE = "my_api_app:jwt_verifying_keys"
REVOKED_CACHE = "my_api_app:jwt_revoked"
INVALID_TOKEN = "The access token is not valid: malformed, expired or revoked."


def issuer() -> str:
	return frappe.conf.get("my_api_app_jwt_issuer") or f"https://{frappe.local.site}"


def audience() -> str:
	return frappe.conf.get("my_api_app_jwt_audience") or f"https://{frappe.local.site}/api"


# Signing keys


def signing_key() -> jwt_tokens.SigningKey:
	"""The key that signs new tokens; the first one is made on first use. The only reader of a
	private key (the DocType refuses ``get_password``)."""
	row = frappe.db.get_value(
		"API Signing Key",
		{"status": "Active"},
		["name", "algorithm", "public_key"],
		order_by="creation desc",
		as_dict=True,
	)
	if not row:
		return rotate()
	return jwt_tokens.SigningKey(
		kid=row.name,
		algorithm=row.algorithm,
		public_key_pem=row.public_key,
		private_key_pem=Secret(get_decrypted_password("API Signing Key", row.name, "private_key")),
	)


def rotate() -> jwt_tokens.SigningKey:
	"""Make a new signing key; the previous ones verify until their tokens have expired."""
	key = jwt_tokens.generate_signing_key()
	retire_after = add_to_date(now_datetime(), seconds=MAX_LIFETIME + LEEWAY)
	# Lock every key row first, in the order the verifying-key loader's locking read takes them:
	# a concurrent load then waits for this commit instead of deadlocking with the update and insert.
	rows = frappe.db.sql(
		"select name, status from `tabAPI Signing Key` order by name for update", as_dict=True
	)
	for name in sorted(row.name for row in rows if row.status == "Active"):
		doc = frappe.get_doc("API Signing Key", name)
		doc.status = "Verify Only"
		doc.retire_after = retire_after
		doc.save(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "API Signing Key",
			"__newname": key.kid,
			"algorithm": key.algorithm,
			"status": "Active",
			"public_key": key.public_key_pem,
			"private_key": key.private_key_pem.reveal(),
		}
	).insert(ignore_permissions=True)
	return key


def retire_expired_signing_keys() -> None:
	"""Scheduler (hourly): keys that no longer sign stop verifying once their tokens expired."""
	for name in frappe.get_all(
		"API Signing Key",
		filters={"status": "Verify Only", "retire_after": ("<", now_datetime())},
		pluck="name",
	):
		doc = frappe.get_doc("API Signing Key", name)
		doc.status = "Retired"
		doc.save(ignore_permissions=True)


def verifying_keys() -> dict[str, jwt_tokens.SigningKey]:
	"""kid -> public key of every key that may verify (cached; dropped when a key changes)."""
	keys = committed_cache.get(VERIFYING_KEYS_CACHE, _load_verifying_keys)
	return {
		kid: jwt_tokens.SigningKey(kid=kid, algorithm=algorithm, public_key_pem=public_key)
		for kid, (algorithm, public_key) in keys.items()
	}


def _load_verifying_keys() -> dict[str, tuple[str, str]]:
	rows = committed_cache.latest_rows(
		"""select name, algorithm, public_key from `tabAPI Signing Key`
		where status in ('Active', 'Verify Only')"""
	)
	return {row.name: (row.algorithm, row.public_key) for row in rows}


def public_jwk(key: jwt_tokens.SigningKey) -> dict:
	"""A verifying key as a JSON Web Key (RFC 8037 for Ed25519)."""
	jwk = OKPAlgorithm.to_jwk(load_pem_public_key(key.public_key_pem.encode()), as_dict=True)
	return {**jwk, "kid": key.kid, "alg": key.algorithm, "use": "sig"}


def forget_verifying_keys() -> None:
	committed_cache.invalidate_on_commit(VERIFYING_KEYS_CACHE)


# Tokens


def issue(key: store.KeyRecord, scopes: tuple[str, ...], lifetime: int) -> tuple[str, jwt_tokens.TokenClaims]:
	return jwt_tokens.issue_token(
		signing_key(),
		issuer=issuer(),
		audience=audience(),
		subject=key.user,
		api_key=key.name,
		scopes=scopes,
		lifetime=lifetime,
	)


def decode(token: str) -> jwt_tokens.TokenClaims:
	"""The claims of a token signed by this site, or 401."""
	try:
		return jwt_tokens.verify_token(
			token, verifying_keys(), issuer=issuer(), audience=audience(), leeway=LEEWAY
		)
	except jwt_tokens.InvalidToken as error:
		frappe.logger("my_api_app").info("rejected a bearer token: %s", error.reason)
		raise _invalid() from None


def verify(token: str) -> Principal:
	"""The principal of a Bearer token: valid signature and times, not revoked, and its API
	key still usable; its scopes are those of the token that the key still covers (the rule
	issuing used, ``shared.rules.scopes.covers``), so a narrowed token grants exactly what it names and
	never more than the key holds at this request."""
	claims = decode(token)
	record = store.get(claims.api_key)
	if claims.jti in revoked_token_ids() or not store.active(record) or record.user != claims.subject:
		raise _invalid()
	if record.tokens_valid_after is not None and from_timestamp(claims.issued_at) < record.tokens_valid_after:
		raise _invalid()  # issued before its user's password changed with every session logged out
	return Principal(
		kind="jwt",
		user=record.user,
		api_key=record.name,
		scopes=ScopeSet(_still_covered(claims.scopes, record.scopes)),
		allowed_networks=record.allowed_networks,
		token_id=claims.jti,
		token_expires_at=claims.expires_at,
		expires_at=min(filter(None, (from_timestamp(claims.expires_at), record.expires_at))),
	)


def _still_covered(token_scopes: tuple[str, ...], key_scopes: tuple[str, ...]) -> tuple[str, ...]:
	held = ScopeSet(key_scopes)
	kept = []
	for scope in token_scopes:
		try:
			if covers(held, scope):
				kept.append(scope)
		except ScopeError:  # a scope this version no longer parses grants nothing
			continue
	return tuple(kept)


def _invalid() -> Unauthenticated:
	return Unauthenticated(
		INVALID_TOKEN, headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
	)


# Revocation


def revoke(jti: str, api_key: str, expires_at: int) -> None:
	"""Stop the token ``jti`` at once (remembered until it would have expired anyway). Revoking
	a token twice, or twice at once, is one revocation: one row, inserted or kept, and no
	race between looking and inserting (two requests revoking one token at once deadlocked)."""
	now, user = now_datetime(), frappe.session.user
	frappe.db.sql(
		"""insert into `tabAPI Token Revocation`
			(name, jti, api_key, expires_at, revoked_by, owner, modified_by, creation, modified, docstatus, idx)
		values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0)
		on duplicate key update name = name""",
		(jti, jti, api_key, from_timestamp(expires_at), user, user, user, now, now),
	)
	committed_cache.invalidate_on_commit(REVOKED_CACHE)


def revoke_users_tokens(user: str) -> int:
	"""Every access token of ``user``'s keys issued until now stops working (the keys go on);
	the number of keys whose tokens were cut off."""
	names = frappe.get_all("API Key", filters={"user": user, "revoked": 0}, pluck="name")
	for name in names:
		frappe.get_doc("API Key", name).revoke_tokens()
	return len(names)


def revoked_token_ids() -> frozenset[str]:
	return committed_cache.get(
		REVOKED_CACHE,
		lambda: frozenset(
			row.name
			for row in committed_cache.latest_rows(
				"select name from `tabAPI Token Revocation` where expires_at >= %s", (_now_minus_leeway(),)
			)
		),
	)


def delete_expired_revocations() -> None:
	"""Scheduler (daily): a revoked token that has expired anyway needs no entry."""
	frappe.db.delete("API Token Revocation", {"expires_at": ("<", _now_minus_leeway())})
	committed_cache.invalidate_on_commit(REVOKED_CACHE)


def _now_minus_leeway() -> datetime:
	return add_to_date(now_datetime(), seconds=-LEEWAY)


def from_timestamp(timestamp: int) -> datetime:
	"""A Unix time as Frappe stores datetimes: naive, in the system time zone."""
	utc = datetime.fromtimestamp(timestamp, tz=timezone.utc)
	return convert_utc_to_system_timezone(utc).replace(tzinfo=None)
