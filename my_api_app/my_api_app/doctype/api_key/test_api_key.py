# Copyright (c) 2026, my_api_app developers and Contributors
# See license.txt

from frappe.tests.utils import FrappeTestCase


class TestAPIKey(FrappeTestCase):
	pass
