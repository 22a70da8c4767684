# Copyright (c) 2026, my_api_app developers and Contributors
# See license.txt

# import frappe
from frappe.tests.utils import FrappeTestCase


class TestAPICallLog(FrappeTestCase):
	pass
