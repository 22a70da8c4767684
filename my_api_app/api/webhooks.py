"""Durable webhooks over HTTP (and from Desk): resend deliveries, retry the failed ones, send a
test event, rotate the signing secret. Each needs write permission on the Webhook. A signing
secret is shown once, when made (the first durable save, or a rotation): none of these reads
one back."""

from datetime import datetime
from typing import Literal

import frappe
from frappe import _
from pydantic import BaseModel, Field

from my_api_app.toolkit import Conflict, NotFound, endpoint
from my_api_app.toolkit.response_types import SiteDateTime
from my_api_app.webhooks import config
from my_api_app.webhooks import resend as replay

WEBHOOK_WRITE = [("Webhook", "write", "webhook")]


class DeliveryPending(BaseModel):
	delivery: str = Field(description="The Webhook Delivery, due again now.")
	status: Literal["Pending"]


class DeliveriesResent(BaseModel):
	webhook: str
	resent: int = Field(ge=0)
	deliveries: list[str] = Field(description="The Webhook Deliveries due again now.")


class TestEventQueued(BaseModel):
	webhook: str
	delivery: str = Field(description="The test event's Webhook Delivery: follow it in the delivery log.")


class SigningSecretRotated(BaseModel):
	"""The webhook's new signing secret: shown in this answer only."""

	webhook: str
	secret: str = Field(description="The new `whsec_…` secret.")
	previous_secret_until: SiteDateTime | None = Field(
		description="Until when the previous secret signs too (None: there was none)."
	)


def _durable_webhook(name: str):
	webhook = frappe.get_doc("Webhook", name)
	if not webhook.get("durable_delivery"):
		raise Conflict(_("Webhook {0} does not use durable delivery.").format(name))
	return webhook


@endpoint(methods="POST")
def resend_delivery(delivery: str) -> DeliveryPending:
	"""Send one delivery again (same event id), starting its retry schedule afresh."""
	webhook = frappe.db.get_value("Webhook Delivery", delivery, "webhook")
	if not webhook or not frappe.has_permission("Webhook", "write", webhook):
		raise NotFound(_("Webhook Delivery {0} not found.").format(delivery))
	if not replay.resend([delivery]):
		raise Conflict(_("Delivery {0} is being sent right now; try again in a moment.").format(delivery))
	return {"delivery": delivery, "status": "Pending"}


@endpoint(methods="POST", permissions=WEBHOOK_WRITE)
def retry_failed(webhook: str, since: datetime) -> DeliveriesResent:
	"""Send again every delivery of ``webhook`` created since ``since`` that failed or was
	exhausted."""
	_durable_webhook(webhook)
	names = replay.resend(replay.failed_since(webhook, since.replace(tzinfo=None)))
	return {"webhook": webhook, "resent": len(names), "deliveries": names}


@endpoint(methods="POST", permissions=WEBHOOK_WRITE)  # 200, not 202: Desk's frappe.call needs 200
def send_test_event(webhook: str) -> TestEventQueued:
	"""Queue a ``webhook.test`` event to ``webhook``'s URL; follow it in the delivery log."""
	name = replay.send_test_event(_durable_webhook(webhook))
	return {"webhook": webhook, "delivery": name}


@endpoint(methods="POST", permissions=WEBHOOK_WRITE)
def rotate_signing_secret(webhook: str) -> SigningSecretRotated:
	"""A new signing secret, shown in this answer only; for a day both the new and the old one
	sign every delivery."""
	doc = _durable_webhook(webhook)
	secret = config.rotate_secret(doc)
	return {
		"webhook": webhook,
		"secret": secret,
		"previous_secret_until": doc.durable_previous_secret_until,
	}
