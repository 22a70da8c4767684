"""Durable webhooks as configured on Frappe's Webhook: checks at save, the signing secrets,
and the cached map of which durable webhooks listen to which DocType.

A durable webhook's Standard Webhooks secrets live in a ``Webhook Signing Secret`` of their
own, not on the Webhook: that DocType grants no role anything and refuses ``get_password``, so
no API (``frappe.client.get_password`` on the Webhook or on it, ``/api/resource``, reports,
exports) gives a secret back. A secret is shown once, in the response of the save that made it
(``__onload.signing_secret``) or of the rotation; the sender reads them here.
"""

import frappe
from frappe import _
from frappe.utils.password import get_decrypted_password

from my_api_app.shared import committed_cache, frappe_compat, request_context
from my_api_app.shared.app_doctypes import SECRET_BEARING
from my_api_app.shared.rules import webhook_signing
from my_api_app.webhooks.rules import address_guard
from my_api_app.webhooks.rules import delivery as webhook_delivery

CACHE_KEY = "my_api_app:durable_webhooks"
SECRETS = "Webhook Signing Secret"
ROTATION_OVERLAP_HOURS = 24


def allowed_networks() -> list[str]:
	"""CIDRs a site allows webhooks to reach although they are internal (site config)."""
	return list(frappe.conf.get("my_api_app_webhook_allowed_networks") or [])


def check_address(url: str) -> list[str]:
	"""The vetted addresses of ``url``; raises address_guard.BlockedAddress."""
	return address_guard.check_url(url, allow=allowed_networks())


def validate_webhook(doc, method=None) -> None:
	"""doc_events Webhook.validate. No webhook, Frappe's or durable, is sent for a DocType that
	carries a secret (``app_doctypes.SECRET_BEARING``): its events would put that secret in a
	payload. Otherwise only durable webhooks are checked here; others are left as Frappe has them."""
	if doc.webhook_doctype in SECRET_BEARING:
		frappe.throw(
			_("{0} documents carry secrets: no webhook is sent for them.").format(_(doc.webhook_doctype)),
			frappe.PermissionError,
			title=_("Not allowed"),
		)
	if doc.get("durable_delivery") and doc.webhook_docevent == "workflow_transition":
		# Frappe 16's workflow tasks send a webhook themselves, whether it is enabled or not
		frappe.throw(_("A durable webhook cannot be sent on a workflow transition."), title=_("Not allowed"))
	if not doc.get("durable_delivery"):
		if doc.has_value_changed("durable_delivery") and not doc.is_new():
			doc.enabled = doc.durable_enabled  # back to Frappe's sender, switched as ours was
		return
	if doc.enabled:  # Frappe's switch moves to ours; Frappe's sender must skip this webhook
		doc.durable_enabled = 1
		doc.enabled = 0
	if doc.durable_enabled and doc.has_value_changed("durable_enabled"):
		doc.durable_exhausted_in_row = 0
		doc.durable_disabled_reason = None
	try:
		webhook_delivery.parse_schedule(doc.durable_retry_schedule)
	except ValueError as e:
		frappe.throw(_("Retry Schedule: {0}").format(e), title=_("Invalid retry schedule"))
	if not doc.is_dynamic_url:
		try:
			check_address(doc.request_url)
		except address_guard.BlockedAddress as e:
			frappe.throw(_("Request URL refused: {0}").format(e), title=_("Address not allowed"))
		except OSError as e:
			frappe.throw(_("Request URL does not resolve: {0}").format(e), title=_("Address not allowed"))


def make_signing_secret(doc, method=None) -> None:
	"""doc_events Webhook on_update: the first save that makes a webhook durable makes its
	signing secret, shown in that save's response only."""
	if not doc.get("durable_delivery") or frappe.db.exists(SECRETS, {"webhook": doc.name}):
		return
	secret = webhook_signing.new_secret()
	frappe.get_doc({"doctype": SECRETS, "webhook": doc.name, "secret": secret}).insert(
		ignore_permissions=True
	)
	doc.flags.new_signing_secret = secret
	show_new_secret(doc)


def show_new_secret(doc, method=None) -> None:
	"""doc_events Webhook onload too: Desk's save empties ``__onload`` and loads it again after
	the save, on the same document; a webhook loaded afresh carries no secret."""
	if doc.flags.new_signing_secret:
		doc.set_onload("signing_secret", doc.flags.new_signing_secret)


def signing_secrets(doc) -> list[str]:
	"""The secrets that sign now: the current one, and the previous one during its overlap."""
	name = frappe.db.get_value(SECRETS, {"webhook": doc.name})
	if not name:
		frappe.throw(
			_("Webhook {0} has no signing secret: rotate it to make one.").format(doc.name),
			frappe.ValidationError,
		)
	secrets = [get_decrypted_password(SECRETS, name, "secret")]
	until = doc.get("durable_previous_secret_until")
	if until and frappe.utils.get_datetime(until) > frappe.utils.now_datetime():
		previous_secret = get_decrypted_password(SECRETS, name, "previous_secret", raise_exception=False)
		if previous_secret:
			secrets.append(previous_secret)
	return secrets


def frappe_secret(doc) -> str | None:
	"""Frappe's own webhook secret, for ``X-Frappe-Webhook-Signature``, when security is on."""
	if not doc.enable_security:
		return None
	return doc.get_password("webhook_secret", raise_exception=False) or None


def rotate_secret(doc) -> str:
	"""A new signing secret; the old one keeps signing alongside it for a day. Only the secrets
	and the overlap's end change (a rotation must not fail on the webhook's other settings).
	A webhook without a secret (made behind the hooks' back) gets its first one."""
	secret = webhook_signing.new_secret()
	name = frappe.db.get_value(SECRETS, {"webhook": doc.name})
	if not name:
		frappe.get_doc({"doctype": SECRETS, "webhook": doc.name, "secret": secret}).insert(
			ignore_permissions=True
		)
		return secret
	stored = frappe.get_doc(SECRETS, name)
	stored.previous_secret = get_decrypted_password(SECRETS, name, "secret")
	stored.secret = secret
	stored.save(ignore_permissions=True)
	doc.db_set("durable_previous_secret_until", frappe.utils.add_to_date(None, hours=ROTATION_OVERLAP_HOURS))
	return secret


def invalidate(doc=None, method=None) -> None:
	"""doc_events Webhook on_update / on_trash: the map is reloaded after the change commits, and
	so is Frappe's own map of the webhooks its sender sends (enabled ones: a webhook made durable
	has just been switched off there). Frappe drops its map in on_update, before the commit, so
	a request that reloads it in between caches the old rows, and Frappe would send a durable
	webhook too until the next change."""
	from my_api_app.openapi import document

	committed_cache.invalidate_on_commit(CACHE_KEY)
	_forget_local()
	frappe.db.after_commit.add(_forget_local)
	frappe.db.after_commit.add(frappe_compat.forget_frappe_webhooks)
	frappe.db.after_commit.add(document.clear_cache)  # its webhooks list the event types


def _forget_local() -> None:
	request_context.current().durable_webhooks = None


def delete_signing_secret(doc, method=None) -> None:
	"""doc_events Webhook on_trash: its secrets go with it (``__Auth`` rows too)."""
	for name in frappe.get_all(SECRETS, filters={"webhook": doc.name}, pluck="name"):
		frappe.delete_doc(SECRETS, name, ignore_permissions=True, force=True)


def delete_deliveries(doc, method=None) -> None:
	"""doc_events Webhook on_trash: its delivery log goes with it (undelivered events too: the
	webhook that would send them is gone)."""
	names = frappe.get_all("Webhook Delivery", filters={"webhook": doc.name}, pluck="name")
	for start in range(0, len(names), 500):
		batch = names[start : start + 500]
		frappe.db.delete(
			"Webhook Delivery Attempt", {"parenttype": "Webhook Delivery", "parent": ("in", batch)}
		)
		frappe.db.delete("Webhook Delivery", {"name": ("in", batch)})


def openapi_events() -> list:
	"""hooks api_webhook_events: the event types this site's durable webhooks send, and the test
	event, for the OpenAPI document's ``webhooks`` (no webhook names or URLs: it is public)."""
	from my_api_app.openapi.rules.schema import WebhookEvent

	kinds: dict[str, dict] = {}
	for row in frappe.get_all(
		"Webhook",
		filters={"durable_delivery": 1},
		fields=["webhook_doctype", "webhook_docevent", "durable_event_type", "durable_envelope"],
	):
		name = row.durable_event_type or webhook_delivery.event_type(
			row.webhook_doctype, row.webhook_docevent
		)
		kind = kinds.setdefault(name, {"sources": set(), "envelope": set()})
		kind["sources"].add(f"`{row.webhook_docevent}` of a {row.webhook_doctype}")
		kind["envelope"].add(bool(row.durable_envelope))
	kinds.setdefault("webhook.test", {"sources": {"**Send Test Event** on a webhook"}, "envelope": {True}})
	events = []
	for name, kind in sorted(kinds.items()):
		shapes = [_envelope_schema(name)] if True in kind["envelope"] else []
		if False in kind["envelope"]:
			shapes.append({"type": "object", "description": "The data alone (no envelope)."})
		events.append(
			WebhookEvent(
				name=name,
				summary=name,
				description="Sent on " + ", ".join(sorted(kind["sources"])) + ". Signed with Standard "
				"Webhooks headers; the same `webhook-id` on every retry.",
				payload_schema=shapes[0] if len(shapes) == 1 else {"oneOf": shapes},
			)
		)
	return events


def _envelope_schema(event_type: str) -> dict:
	return {
		"type": "object",
		"required": ["type", "timestamp", "data"],
		"properties": {
			"type": {"const": event_type},
			"timestamp": {"type": "string", "format": "date-time", "description": "When it happened (UTC)."},
			"data": {
				"type": "object",
				"description": "What the webhook's data table or JSON template makes of the document.",
			},
		},
	}


def dashboard(data):
	"""override_doctype_dashboards: the Webhook form's Connections list its deliveries."""
	data.non_standard_fieldnames["Webhook Delivery"] = "webhook"
	data.transactions.append({"label": _("Durable Delivery"), "items": ["Webhook Delivery"]})
	return data


def webhooks_for(doctype: str) -> list[dict]:
	"""The enabled durable webhooks listening to ``doctype``: cached in Redis, and read once per
	request or job (document events fire several times per save)."""
	state = request_context.current()
	by_doctype = state.durable_webhooks
	if by_doctype is None:
		by_doctype = state.durable_webhooks = committed_cache.get(CACHE_KEY, _load)
	return by_doctype.get(doctype, [])


def _load() -> dict[str, list[dict]]:
	by_doctype: dict[str, list[dict]] = {}
	if not frappe.db.has_column("Webhook", "durable_delivery"):
		return by_doctype
	for row in committed_cache.latest_rows(
		"""select name, webhook_doctype, webhook_docevent, `condition`
		from `tabWebhook` where durable_delivery = 1 and durable_enabled = 1 order by name"""
	):
		by_doctype.setdefault(row.webhook_doctype, []).append(dict(row))
	return by_doctype
