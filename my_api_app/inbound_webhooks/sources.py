"""Webhook Sources as the receiver uses them: configuration, the secrets that verify, the handler.

Secrets are Password fields of the ``Webhook Source Secret`` rows, encrypted in ``__Auth``
with the site's encryption key as Frappe stores every password. The receiver needs every
enabled source's configuration and its secrets' *ciphertexts* on each delivery, so they are
cached together in one committed-cache entry (``shared.committed_cache``: invalidated after a
source's change commits, loaded with locking reads): a delivery reads no table before its
signature is checked, and neither does a flood of forged ones. Secrets are decrypted per
request, for the source named only, into ``shared.rules.secret.Secret``s (which never print: a failed
delivery's Error Log shows ``********``); a plaintext secret is never cached or stored elsewhere.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import frappe
from frappe.utils import now_datetime
from frappe.utils.password import decrypt, get_decrypted_password, remove_encrypted_password

from my_api_app.shared import committed_cache
from my_api_app.shared.rules.secret import Secret
from my_api_app.shared.rules.webhook_signing import DEFAULT_TOLERANCE

SOURCE = "Webhook Source"
SECRET = "Webhook Source Secret"
QUEUES = ("short", "default", "long")
CACHE_KEY = "my_api_app:inbound_sources"
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Source:
	name: str
	scheme: str
	tolerance: int
	handler: str
	queue: str
	secrets: tuple[Secret, ...]  # decrypted; a Secret never prints (shared.rules.secret)


def load(name: str) -> Source | None:
	"""The enabled source ``name`` with its unexpired secrets decrypted, or None."""
	row = committed_cache.get(CACHE_KEY, _load_enabled, expires_in_sec=CACHE_SECONDS).get(name)
	if row is None:
		return None
	now = now_datetime()
	return Source(
		name=name,
		scheme=row["scheme"],
		tolerance=row["tolerance"] or DEFAULT_TOLERANCE,
		handler=row["handler"],
		queue=row["queue"] if row["queue"] in QUEUES else "default",
		secrets=tuple(
			Secret(decrypt(ciphertext, key=f"{SECRET}.{secret}.secret"))
			for secret, expires_at, ciphertext in row["secrets"]
			if expires_at is None or expires_at > now
		),
	)


def forget() -> None:
	"""Sources changed: the cache entry is stale once this transaction commits."""
	committed_cache.invalidate_on_commit(CACHE_KEY)


def _load_enabled() -> dict[str, dict]:
	sources = {
		row.name: {
			"scheme": row.scheme,
			"tolerance": row.tolerance,
			"handler": row.handler,
			"queue": row.queue,
			"secrets": [],
		}
		for row in committed_cache.latest_rows(
			"select name, scheme, tolerance, handler, queue from `tabWebhook Source` where enabled = 1"
		)
	}
	for row in committed_cache.latest_rows(
		"""select secret.parent, secret.name, secret.expires_at, auth.password
		from `tabWebhook Source Secret` secret
		join `__Auth` auth
			on auth.doctype = %s and auth.name = secret.name and auth.fieldname = 'secret'
			and auth.encrypted = 1
		where secret.parenttype = %s
		order by secret.parent, secret.idx""",
		(SECRET, SOURCE),
	):
		if row.parent in sources:
			sources[row.parent]["secrets"].append((row.name, row.expires_at, row.password))
	return sources


def all_secrets(source: str) -> list[str]:
	"""Every secret of the source, expired ones too: what a handler error is scrubbed of."""
	return [
		get_decrypted_password(SECRET, name, "secret", raise_exception=False) or ""
		for name in frappe.get_all(SECRET, filters={"parent": source, "parenttype": SOURCE}, pluck="name")
	]


def resolve_handler(path: str) -> Callable:
	"""The function a dotted path names, in a module of an installed app; ValueError otherwise."""
	module_name, _, attribute = (path or "").strip().rpartition(".")
	if not module_name or not attribute:
		raise ValueError("the handler is a dotted path such as my_app.webhooks.handle_payment")
	if module_name.split(".")[0] not in frappe.get_installed_apps():
		raise ValueError(f"{module_name} is not a module of an installed app")
	try:
		module = importlib.import_module(module_name)
	except ImportError as error:
		raise ValueError(f"{module_name} cannot be imported: {error}") from error
	handler = getattr(module, attribute, None)
	if not callable(handler):
		raise ValueError(f"{path} is not a function")
	return handler


def forget_secrets(rows: set[str]) -> None:
	"""Delete the encrypted secrets of removed rows (Frappe keeps ``__Auth`` rows of deleted
	child rows)."""
	for row in rows:
		remove_encrypted_password(SECRET, row, "secret")
