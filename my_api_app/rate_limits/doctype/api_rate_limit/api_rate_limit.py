# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Rate Limit: a rule of how many requests of which callers a path admits per period."""

import frappe
from frappe import _
from frappe.model.document import Document

from my_api_app.rate_limits import desk_rules as rules
from my_api_app.rate_limits.rules.gcra import Policy


class APIRateLimit(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		api_key: DF.Link | None
		applies_to: DF.Literal["Everyone", "Guests", "Authenticated", "Role", "User", "API Key"]
		burst: DF.Int
		counted_per: DF.Literal["API key, else user, else IP", "User", "IP address", "Everyone together"]
		enabled: DF.Check
		is_default: DF.Check
		limit: DF.Int
		path_pattern: DF.Data
		period: DF.Int
		role: DF.Link | None
		rule_name: DF.Data
		user: DF.Link | None

	# end: auto-generated types
	def validate(self):
		if None in (self.path_pattern, self.limit, self.period):
			return  # Frappe's mandatory check, which runs after validate, names what is missing
		if not self.path_pattern.startswith("/"):
			frappe.throw(_("The path pattern starts with /, for example /api/*."), frappe.ValidationError)
		try:
			Policy(self.rule_name, self.limit, self.period, self.burst or None)
		except ValueError as error:
			frappe.throw(
				_("Requests and Per Seconds must be at least 1: {0}").format(error), frappe.ValidationError
			)
		for field, applies_to in (("role", "Role"), ("user", "User"), ("api_key", "API Key")):
			if self.applies_to != applies_to:
				self.set(field, None)

	def on_update(self):
		rules.forget()

	def on_trash(self):
		rules.forget()
