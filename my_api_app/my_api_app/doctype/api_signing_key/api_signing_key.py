# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Signing Key: an Ed25519 key that signs (Active) or only verifies (Verify Only) access
tokens. Made and rotated by ``my_api_app.api_keys.tokens``; never edited by hand."""

from frappe.model.document import Document

from my_api_app.api_keys import tokens


class APISigningKey(Document):
	def on_update(self):
		tokens.forget_verifying_keys()

	def on_trash(self):
		tokens.forget_verifying_keys()
