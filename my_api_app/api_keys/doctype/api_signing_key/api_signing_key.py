# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Signing Key: an Ed25519 key that signs (Active) or only verifies (Verify Only) access
tokens. Made and rotated by ``my_api_app.api_keys.tokens``; never edited by hand.

The private key is a Password field (encrypted in ``__Auth``) that no API gives back: not
``frappe.client.get_password``, not ``doc.get_password`` in a console. Only the signing code
reads it (``tokens.signing_key``, with ``get_decrypted_password``)."""

import frappe
from frappe import _
from frappe.model.document import Document

from my_api_app.api_keys import tokens


class APISigningKey(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		algorithm: DF.Literal["EdDSA"]
		private_key: DF.Password | None
		public_key: DF.SmallText | None
		retire_after: DF.Datetime | None
		status: DF.Literal["Active", "Verify Only", "Retired"]

	# end: auto-generated types
	def get_password(self, fieldname="password", raise_exception=True):
		frappe.throw(_("Signing keys cannot be read back."), frappe.PermissionError)

	def on_update(self):
		tokens.forget_verifying_keys()

	def on_trash(self):
		tokens.forget_verifying_keys()
