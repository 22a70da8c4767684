// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("API Job", {
	refresh(frm) {
		frm.disable_save();
	},
});
