// Copyright (c) 2026, my_api_app developers and contributors
// For license information, please see license.txt

// The secret is in the answer of the endpoint that created or rolled the key, and nowhere else.
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

// Creating or rolling a key from a session needs the password again (as GitHub's sudo mode):
// the server answers 403 reauthentication_required, the user confirms, the call is made again.
function call_key_endpoint(method, args) {
	const call = () =>
		frappe.call({
			method: `my_api_app.api.keys.${method}`,
			args: args,
			freeze: true,
			// answered by the password prompt below, not by Frappe's message (which would cover it)
			error_handlers: { ReauthenticationRequired: () => {} },
		});
	return call().catch((error) => {
		if (error?.responseJSON?.error?.type !== "reauthentication_required") {
			throw error;
		}
		return confirm_password().then(call);
	});
}

function confirm_password() {
	return new Promise((resolve) => {
		frappe.prompt(
			{ fieldname: "password", label: __("Password"), fieldtype: "Password", reqd: 1 },
			(values) =>
				frappe
					.call({
						method: "my_api_app.api.auth.confirm_password",
						args: { password: values.password },
						freeze: true,
					})
					.then(resolve),
			__("Confirm your password to create or roll API keys"),
			__("Confirm")
		);
	});
}

function call_and_reload(frm, method, args, then) {
	call_key_endpoint(method, args).then((r) => {
		frm.reload_doc().then(() => then && then(r.message.data));
	});
}

// A new key is made by create_key, whose answer is the only place its secret ever is.
function create_key(frm) {
	const doc = frm.doc;
	const args = {
		label: doc.label,
		user: doc.user || undefined,
		scopes: (doc.scopes || []).map((row) => scope_text(row)).filter((scope) => scope),
		never_expires: doc.never_expires ? 1 : 0,
		allowed_ip_ranges: (doc.allowed_ip_ranges || "")
			.split("\n")
			.map((line) => line.split("#")[0].trim())
			.filter((line) => line),
	};
	if (!doc.never_expires && doc.expires_at) {
		args.expires_at = doc.expires_at; // the system time zone's, as Desk holds it
	}
	call_key_endpoint("create_key", args).then((r) => {
		const data = r.message.data;
		frm.doc.__unsaved = 0;
		frappe.set_route("Form", "API Key", data.name).then(() => {
			show_secret(cur_frm, data.secret, __("API key created"));
		});
	});
}

function scope_text(row) {
	if (row.scope_type === "All") return "*";
	if (row.scope_type === "Method" && row.method_pattern) return `method:${row.method_pattern.trim()}`;
	if (row.scope_type === "DocType" && row.document_type) {
		return `doctype:${row.document_type}:${row.access || ""}`;
	}
	return row.scope || "";
}

// Usage from the request log (System Settings > Log API Requests in API Call Log): 24 hours and 30 days.
function show_usage(frm) {
	frappe
		.call({ method: "my_api_app.api.usage.key_usage", args: { api_key: frm.doc.name }, type: "GET" })
		.then((r) => {
			const usage = r.message.data;
			const esc = frappe.utils.escape_html;
			const ms = (value) => (value === null || value === undefined ? "–" : `${value} ms`);
			const windows = [
				[__("Last 24 hours"), usage.last_24_hours],
				[__("Last 30 days"), usage.last_30_days],
			]
				.map(
					([label, w]) => `<tr><td>${label}</td><td>${w.requests}</td><td>${w.errors}</td>
					<td>${ms(w.p50_ms)}</td><td>${ms(w.p95_ms)}</td></tr>`
				)
				.join("");
			const paths = usage.top_paths
				.map((p) => `<tr><td>${esc(p.path)}</td><td>${p.requests}</td><td>${p.errors}</td></tr>`)
				.join("");
			const last = usage.last_request
				? __("Last request {0} from {1}: {2} {3}", [
						esc(frappe.datetime.str_to_user(usage.last_request.at)),
						esc(usage.last_request.address || "?"),
						esc(usage.last_request.path),
						usage.last_request.status_code,
				  ])
				: __("No request logged.");
			const note = usage.logging_enabled
				? __("Logged requests appear within a minute; kept {0} days (Log Settings).", [
						usage.retention_days,
				  ])
				: __("Request logging is off (System Settings > Log API Requests in API Call Log).");
			const html = `<div class="api-key-usage">
				<table class="table table-sm table-bordered"><thead><tr><th></th><th>${__("Requests")}</th>
				<th>${__("Errors")}</th><th>p50</th><th>p95</th></tr></thead><tbody>${windows}</tbody></table>
				<div class="api-key-usage-chart"></div>
				<p>${last}</p>
				${paths ? `<table class="table table-sm table-bordered"><thead><tr><th>${__("Top paths (30 days)")}</th>
				<th>${__("Requests")}</th><th>${__("Errors")}</th></tr></thead><tbody>${paths}</tbody></table>` : ""}
				<p class="text-muted small">${note}</p></div>`;
			$(frm.wrapper).find(".api-key-usage").closest(".form-dashboard-section").remove();
			frm.dashboard.add_section(html, __("Usage"));
			frm.dashboard.show();
			new frappe.Chart($(frm.wrapper).find(".api-key-usage-chart")[0], {
				title: __("Requests per day (30 days)"),
				type: "bar",
				height: 180,
				colors: ["#2490EF", "#CB2929"],
				data: {
					labels: usage.per_day.labels.map((day) => frappe.datetime.str_to_user(day)),
					datasets: [
						{ name: __("Requests"), values: usage.per_day.requests },
						{ name: __("Errors"), values: usage.per_day.errors },
					],
				},
			});
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

	refresh(frm) {
		if (frm.is_new()) {
			frm.disable_save();
			frm.page.set_primary_action(__("Create"), () => create_key(frm));
			return;
		}
		show_usage(frm);
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
