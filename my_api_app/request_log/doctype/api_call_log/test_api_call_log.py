# Copyright (c) 2026, my_api_app developers and Contributors
# See license.txt

# import frappe
from my_api_app.shared.frappe_compat import IntegrationTestCase


class TestAPICallLog(IntegrationTestCase):
	pass
