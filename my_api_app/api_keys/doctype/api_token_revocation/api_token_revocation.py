# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class APITokenRevocation(Document):
	pass
