// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

frappe.listview_settings["API Signing Key"] = {
	onload(listview) {
		listview.page.add_inner_button(__("Rotate Signing Key"), () => {
			frappe.confirm(
				__("Sign new tokens with a new key? The current key verifies until its tokens expire."),
				() =>
					frappe
						.call({ method: "my_api_app.api.auth.rotate_signing_key", freeze: true })
						.then(() => listview.refresh())
			);
		});
	},
};
