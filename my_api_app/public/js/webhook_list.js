// Frappe's Webhook list: a durable webhook is on or off by its own switch (durable_enabled).
frappe.listview_settings["Webhook"] = {
	add_fields: ["enabled", "durable_delivery", "durable_enabled"],
	get_indicator(doc) {
		const on = doc.durable_delivery ? doc.durable_enabled : doc.enabled;
		const label = doc.durable_delivery ? __("Durable") : __("Enabled");
		return on ? [label, "green", ""] : [__("Disabled"), "gray", ""];
	},
};
