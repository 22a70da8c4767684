# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class APITokenRevocation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		api_key: DF.Link | None
		expires_at: DF.Datetime | None
		jti: DF.Data | None
		revoked_by: DF.Link | None
	# end: auto-generated types
	pass
