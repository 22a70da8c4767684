// Copyright (c) 2026, my_api_app developers
// For license information, please see license.txt

frappe.ui.form.on("Webhook Delivery", {
	refresh(frm) {
		frm.disable_save();
		if (frm.doc.webhook) {
			frm.add_custom_button(__("Resend"), () =>
				frappe
					.call({ method: "my_api_app.api.webhooks.resend_delivery", args: { delivery: frm.doc.name } })
					.then(() => {
						frappe.show_alert({ message: __("Queued to be sent again"), indicator: "green" });
						frm.reload_doc();
					})
			);
		}
	},
});
