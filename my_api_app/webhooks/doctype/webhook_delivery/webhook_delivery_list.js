// Copyright (c) 2026, my_api_app developers
// For license information, please see license.txt

frappe.listview_settings["Webhook Delivery"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Pending: "orange", Delivered: "green", Failed: "red", Exhausted: "gray" };
		return [__(doc.status), colors[doc.status], `status,=,${doc.status}`];
	},
};
