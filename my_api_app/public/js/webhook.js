// Durable delivery on Frappe's Webhook form: the delivery log, resend, test event, secret.
frappe.ui.form.on("Webhook", {
	after_save(frm) {
		// The save that made the webhook durable made its signing secret: in this response only.
		const secret = frm.doc.__onload && frm.doc.__onload.signing_secret;
		if (secret) show_secret({ secret });
	},
	refresh(frm) {
		if (frm.is_new() || !frm.doc.durable_delivery) return;
		// Frappe's indicator reads `enabled`, which a durable webhook keeps off.
		frm.page.set_indicator(
			frm.doc.durable_enabled ? __("Durable") : __("Disabled"),
			frm.doc.durable_enabled ? "green" : "gray"
		);
		const group = __("Durable Delivery");
		const call = (method, args) =>
			frappe.call({ method: `my_api_app.api.webhooks.${method}`, args: { webhook: frm.doc.name, ...args } });

		frm.add_custom_button(__("Delivery Log"), () =>
			frappe.set_route("List", "Webhook Delivery", { webhook: frm.doc.name })
		);
		if (!frm.perm[0]?.write) return;
		frm.add_custom_button(
			__("Send Test Event"),
			() =>
				call("send_test_event").then((r) => {
					const delivery = r.message.data.delivery;
					frappe.show_alert({ message: __("Test event {0} queued", [delivery]), indicator: "green" });
				}),
			group
		);
		frm.add_custom_button(
			__("Retry Failed Since…"),
			() =>
				frappe.prompt(
					{ fieldname: "since", fieldtype: "Datetime", label: __("Since"), reqd: 1, default: frappe.datetime.add_days(frappe.datetime.now_datetime(), -1) },
					({ since }) =>
						call("retry_failed", { since }).then((r) =>
							frappe.show_alert({ message: __("{0} deliveries queued again", [r.message.data.resent]), indicator: "green" })
						),
					__("Retry failed deliveries"),
					__("Retry")
				),
			group
		);
		frm.add_custom_button(
			__("Rotate Signing Secret"),
			() =>
				frappe.confirm(__("Make a new signing secret? The current one keeps signing alongside it for a day."), () =>
					call("rotate_signing_secret").then((r) => {
						frm.reload_doc();
						show_secret(r.message.data);
					})
				),
			group
		);
	},
});

// A signing secret is shown once, when it is made; Rotate Signing Secret makes a new one.
function show_secret(data) {
	const dialog = new frappe.ui.Dialog({
		title: __("Signing Secret"),
		fields: [
			{ fieldtype: "HTML", options: `<p class="text-warning">${__("Copy the secret now and give it to the receiver: it cannot be shown again.")}</p>` },
			{ fieldtype: "Code", fieldname: "secret", label: __("Secret (Standard Webhooks)"), read_only: 1, default: data.secret },
			{ fieldtype: "HTML", options: `<p class="text-muted">${__("Receivers verify webhook-signature with this secret.")}</p>` },
		],
		primary_action_label: __("Copy secret"),
		primary_action() {
			frappe.utils.copy_to_clipboard(data.secret);
		},
	});
	dialog.$wrapper.addClass("webhook-signing-secret-dialog");
	dialog.show();
}
