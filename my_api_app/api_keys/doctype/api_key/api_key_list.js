// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

frappe.listview_settings["API Key"] = {
	add_fields: ["revoked", "enabled", "expires_at", "never_expires"],
	get_indicator(doc) {
		if (doc.revoked) {
			return [__("Revoked"), "red", "revoked,=,1"];
		}
		if (!doc.enabled) {
			return [__("Disabled"), "gray", "enabled,=,0"];
		}
		if (!doc.never_expires && doc.expires_at && doc.expires_at < frappe.datetime.now_datetime()) {
			return [__("Expired"), "orange", "expires_at,<,Today"];
		}
		return [__("Active"), "green", "revoked,=,0"];
	},
};
