// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

frappe.query_reports["API Key Usage"] = {
	filters: [
		{
			fieldname: "period",
			label: __("Period"),
			fieldtype: "Select",
			options: ["Last 24 Hours", "Last 7 Days", "Last 30 Days"],
			default: "Last 30 Days",
			reqd: 1,
		},
	],
};
