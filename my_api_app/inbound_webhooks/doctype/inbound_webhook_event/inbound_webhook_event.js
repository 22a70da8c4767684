// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Inbound Webhook Event", {
	refresh(frm) {
		if (frm.doc.status === "Failed") {
			frm.add_custom_button(__("Process Again"), () => {
				frappe
					.call({
						method: "my_api_app.api.inbound.process_again",
						args: { event: frm.doc.name },
						freeze: true,
					})
					.then(() => frm.reload_doc());
			});
		}
	},
});
