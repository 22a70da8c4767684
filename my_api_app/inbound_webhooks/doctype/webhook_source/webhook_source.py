# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""Webhook Source: a sender of webhooks to this site, how its deliveries are verified, and the
function that handles them. Only System Managers configure sources; secrets are write-only."""

import re

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils.password import get_decrypted_password

from my_api_app.inbound_webhooks import sources
from my_api_app.inbound_webhooks.rules import verification as inbound_webhooks
from my_api_app.shared.rules.webhook_signing import DEFAULT_TOLERANCE

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
MAX_TOLERANCE = 24 * 3600


class WebhookSource(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from my_api_app.inbound_webhooks.doctype.webhook_source_secret.webhook_source_secret import (
			WebhookSourceSecret,
		)

		description: DF.SmallText | None
		enabled: DF.Check
		handler: DF.Data
		queue: DF.Literal["short", "default", "long"]
		scheme: DF.Literal["Standard Webhooks", "Stripe", "GitHub", "Frappe"]
		secrets: DF.Table[WebhookSourceSecret]
		slug: DF.Data
		tolerance: DF.Int

	# end: auto-generated types
	def validate(self):
		if not SLUG.fullmatch(self.slug or ""):
			frappe.throw(
				_("The slug is 1 to 63 lowercase letters, digits, - and _, starting with a letter or digit."),
				frappe.ValidationError,
			)
		self.tolerance = self.tolerance or DEFAULT_TOLERANCE
		if not 1 <= self.tolerance <= MAX_TOLERANCE:
			frappe.throw(
				_("The timestamp tolerance is 1 to {0} seconds.").format(MAX_TOLERANCE),
				frappe.ValidationError,
			)
		if self.queue not in sources.QUEUES:
			self.queue = "default"
		try:
			sources.resolve_handler(self.handler)
		except ValueError as error:
			frappe.throw(_("Handler: {0}").format(error), frappe.ValidationError)
		self._validate_secrets()

	def _validate_secrets(self):
		for row in self.secrets:
			secret = row.secret
			if secret and row.is_dummy_password(
				secret
			):  # unchanged since it was stored: check it against the scheme
				secret = get_decrypted_password(row.doctype, row.name, "secret", raise_exception=False)
			try:
				inbound_webhooks.check_secret(self.scheme, secret or "")
			except ValueError as error:
				frappe.throw(
					_("Secret in row {0} cannot verify {1} deliveries: {2}").format(
						row.idx, self.scheme, error
					),
					frappe.ValidationError,
				)

	def on_update(self):
		sources.forget()
		before = self.get_doc_before_save()
		if before is not None:
			sources.forget_secrets({row.name for row in before.secrets} - {row.name for row in self.secrets})

	def after_delete(self):
		sources.forget()
		sources.forget_secrets({row.name for row in self.secrets})

	def after_rename(self, old, new, merge=False):
		sources.forget()
