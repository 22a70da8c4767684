// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

// A generated secret is in the response that made it, and nowhere else.
function show_secret(frm, secret) {
	const dialog = new frappe.ui.Dialog({
		title: __("New webhook secret"),
		fields: [
			{
				fieldtype: "HTML",
				options: `<p class="text-warning">${__(
					"Copy the secret now and give it to the sender: it cannot be shown again."
				)}</p>`,
			},
			{ fieldname: "secret", label: __("Secret"), fieldtype: "Data", read_only: 1 },
		],
		primary_action_label: __("Copy secret"),
		primary_action() {
			frappe.utils.copy_to_clipboard(secret);
		},
	});
	dialog.set_value("secret", secret);
	dialog.$wrapper.addClass("webhook-secret-dialog");
	dialog.show();
}

frappe.ui.form.on("Webhook Source", {
	refresh(frm) {
		if (frm.is_new()) {
			return;
		}
		const url = frappe.urllib.get_full_url(
			`/api/method/my_api_app.api.inbound.receive?source=${encodeURIComponent(frm.doc.name)}`
		);
		frm.set_intro(__("Senders POST to {0}", [`<code>${frappe.utils.escape_html(url)}</code>`]), "blue");
		frm.add_custom_button(__("Generate Secret"), () => {
			frappe
				.call({
					method: "my_api_app.api.inbound.generate_secret",
					args: { source: frm.doc.name },
					freeze: true,
				})
				.then((r) => frm.reload_doc().then(() => show_secret(frm, r.message.data.secret)));
		});
		frm.add_custom_button(__("Events"), () =>
			frappe.set_route("List", "Inbound Webhook Event", { source: frm.doc.name })
		);
	},
});
