# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""One scope of an API Key: changed only with its key (``app_doctypes.TableRow``), whose save
validates it, checks the caller may grant it and drops the key's cached record."""

from my_api_app.shared.app_doctypes import TableRow


class APIKeyScope(TableRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		access: DF.Literal["", "read", "write", "create", "delete"]
		document_type: DF.Link | None
		method_pattern: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		scope: DF.Data | None
		scope_type: DF.Literal["Method", "DocType", "All"]
	# end: auto-generated types
	pass
