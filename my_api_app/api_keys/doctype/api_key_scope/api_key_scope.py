# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""One scope of an API Key: changed only with its key (``app_doctypes.TableRow``), whose save
validates it, checks the caller may grant it and drops the key's cached record."""

from my_api_app.shared.app_doctypes import TableRow


class APIKeyScope(TableRow):
	pass
