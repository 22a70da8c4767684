// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

// The secret is in the response that created or rolled the key, and nowhere else.
function show_secret(frm, secret, title) {
	const authorization = `token ${frm.doc.name}:${secret}`;
	const dialog = new frappe.ui.Dialog({
		title: title,
		fields: [
			{
				fieldtype: "HTML",
				options: `<p class="text-warning">${__(
					"Copy the secret now: it is not stored and will not be shown again."
				)}</p>`,
			},
			{ fieldname: "api_key", label: __("API Key"), fieldtype: "Data", read_only: 1 },
			{ fieldname: "secret", label: __("Secret"), fieldtype: "Data", read_only: 1 },
			{
				fieldname: "authorization",
				label: __("Authorization header"),
				fieldtype: "Small Text",
				read_only: 1,
			},
		],
		primary_action_label: __("Copy secret"),
		primary_action() {
			frappe.utils.copy_to_clipboard(secret);
		},
	});
	dialog.set_values({ api_key: frm.doc.name, secret: secret, authorization: authorization });
	dialog.$wrapper.addClass("api-key-secret-dialog");
	dialog.show();
}

function call_and_reload(frm, method, args, then) {
	frappe
		.call({ method: `my_api_app.api.keys.${method}`, args: args, freeze: true })
		.then((r) => {
			frm.reload_doc().then(() => then && then(r.message.data));
		});
}

frappe.ui.form.on("API Key", {
	onload(frm) {
		if (frm.is_new() && !frm.doc.user) {
			frm.set_value("user", frappe.session.user);
		}
		if (frm.is_new() && !frm.doc.expires_at && !frm.doc.never_expires) {
			const in_90_days = moment(frappe.datetime.now_datetime()).add(90, "days");
			frm.set_value("expires_at", in_90_days.format(frappe.defaultDatetimeFormat));
		}
	},

	after_save(frm) {
		const secret = frm.doc.__onload && frm.doc.__onload.secret;
		if (secret) {
			show_secret(frm, secret, __("API key created"));
		}
	},

	refresh(frm) {
		if (frm.is_new()) {
			return;
		}
		if (frm.doc.revoked) {
			frm.page.set_indicator(__("Revoked"), "red");
			frm.set_intro(__("Revoked: this key and its tokens no longer work."), "red");
			return;
		}
		frm.add_custom_button(__("Roll Secret"), () => {
			frappe.prompt(
				{
					fieldname: "overlap_minutes",
					label: __("Old secret keeps working for (minutes)"),
					fieldtype: "Int",
					default: 60,
					description: __("0 stops the old secret at once."),
				},
				(values) =>
					call_and_reload(
						frm,
						"roll_secret",
						{ api_key: frm.doc.name, overlap_minutes: values.overlap_minutes || 0 },
						(data) => show_secret(frm, data.secret, __("New secret"))
					),
				__("Roll Secret"),
				__("Roll")
			);
		});
		frm.add_custom_button(__("Revoke"), () => {
			frappe.prompt(
				{ fieldname: "reason", label: __("Reason"), fieldtype: "Small Text", reqd: 1 },
				(values) =>
					call_and_reload(frm, "revoke_key", { api_key: frm.doc.name, reason: values.reason }),
				__("Revoke API Key"),
				__("Revoke")
			);
		});
	},
});

frappe.ui.form.on("API Key Scope", {
	scope_type(frm, cdt, cdn) {
		frappe.model.set_value(cdt, cdn, "scope", "");
	},
});
