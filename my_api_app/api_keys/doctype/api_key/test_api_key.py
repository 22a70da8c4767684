# Copyright (c) 2026, my_api_app developers and Contributors
# See license.txt

from my_api_app.shared.frappe_compat import IntegrationTestCase


class TestAPIKey(IntegrationTestCase):
	pass
