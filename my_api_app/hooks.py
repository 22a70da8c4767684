app_name = "my_api_app"
app_title = "My API App"
app_publisher = "my_api_app developers"
app_description = (
	"Secure, fast API building blocks for Frappe: endpoint toolkit, scoped API keys, "
	"rate limits, webhooks, jobs, OpenAPI"
)
app_email = "developers@my-api-app.invalid"
app_license = "mit"
# DocType controllers carry the fields' types, as Frappe writes them when a DocType is saved
export_python_type_annotations = True

after_install = [
	"my_api_app.rate_limits.install.after_install",
	"my_api_app.webhooks.custom_fields.install",
	"my_api_app.request_log.settings.ensure_setting",
]
after_migrate = [
	# Request log: its switch (a Custom Field of System Settings) and its place in Log Settings.
	"my_api_app.request_log.settings.ensure_setting",
	"my_api_app.webhooks.custom_fields.install",
	# OpenAPI: the cached document is rebuilt from the new code on its next request.
	"my_api_app.openapi.document.clear_cache",
]
# While the app's tests run, the test suites' endpoints and the examples exist in that process.
before_tests = ["my_api_app.tests.before_tests"]
before_uninstall = [
	"my_api_app.shared.app_doctypes.delete_stored_secrets",
	"my_api_app.request_log.settings.before_uninstall",
	"my_api_app.webhooks.custom_fields.uninstall",
]

# Request flow (docs/architecture.md, my_api_app/request_flow.py): one hook each way, which
# runs the steps in order (Frappe resolves and inspects every hook function on every request).
before_request = ["my_api_app.request_flow.before_request"]
after_request = ["my_api_app.request_flow.after_request"]
# Inside Frappe's validate_auth, once every kind of credential has set the user.
auth_hooks = ["my_api_app.request_flow.after_authentication"]

# API Keys are their users' own; DocType scopes of keys and tokens hold for every DocType.
has_permission = {
	"API Key": "my_api_app.api_keys.permissions.api_key_has_permission",
	"*": "my_api_app.api_keys.permissions.scoped_has_permission",
}
permission_query_conditions = {
	"API Key": "my_api_app.api_keys.permissions.api_key_query_conditions",
	# rows listed on their own: those of the caller's own keys (a System Manager's: all)
	"API Key Scope": "my_api_app.api_keys.permissions.api_key_scope_query_conditions",
	"*": "my_api_app.api_keys.permissions.scoped_query_conditions",
}
# Frappe 15's get_count and toggle_like check nothing (Frappe 16's get_count checks permissions,
# not what its filters name): here they check for every DocType.
override_whitelisted_methods = {
	"frappe.client.get_count": "my_api_app.toolkit.frappe_methods.get_count",
	"frappe.desk.like.toggle_like": "my_api_app.toolkit.frappe_methods.toggle_like",
	# a password change that logs out every session also stops the user's access tokens
	"frappe.core.doctype.user.user.update_password": "my_api_app.api_keys.password_change.update_password",
}

# Durable webhooks: Webhook's own checks, and every document event may become a delivery.
doc_events = {
	# The app's DocTypes (app_doctypes) are never shared or imported, and their documents are
	# followed by (mailed the changes of) or assigned to (Frappe would share) only readers.
	"DocShare": {"validate": "my_api_app.shared.app_doctypes.refuse_share"},
	"Data Import": {"validate": "my_api_app.shared.app_doctypes.refuse_import"},
	"Document Follow": {"validate": "my_api_app.shared.app_doctypes.refuse_unreadable_reference"},
	"ToDo": {"validate": "my_api_app.shared.app_doctypes.refuse_unreadable_reference"},
	# A saved document's rows are its own (app_doctypes: Frappe updates rows by name alone).
	**{
		doctype: {"before_validate": "my_api_app.shared.app_doctypes.keep_rows_with_their_parent"}
		for doctype in ("API Key", "Webhook Source", "Webhook Delivery")
	},
	# The request log's switch is cached; a change is seen from the next request after commit.
	"System Settings": {"on_update": "my_api_app.request_log.settings.forget"},
	# A new password saved with "Log out from all sessions" stops the user's access tokens.
	"User": {"on_update": "my_api_app.api_keys.password_change.on_user_update"},
	"Webhook": {
		"validate": "my_api_app.webhooks.config.validate_webhook",
		# a durable webhook's signing secret is made at its first durable save, shown in that
		# save's response only (onload: Desk's save loads __onload again after on_update)
		"on_update": [
			"my_api_app.webhooks.config.make_signing_secret",
			"my_api_app.webhooks.config.invalidate",
		],
		"onload": "my_api_app.webhooks.config.show_new_secret",
		"on_trash": [
			"my_api_app.webhooks.config.invalidate",
			"my_api_app.webhooks.config.delete_signing_secret",
			"my_api_app.webhooks.config.delete_deliveries",
		],
	},
	"*": {
		event: "my_api_app.webhooks.events.on_event"
		for event in (
			"after_insert",
			"on_update",
			"on_submit",
			"on_cancel",
			"on_trash",
			"on_update_after_submit",
			"on_change",
		)
	},
}
doctype_js = {"Webhook": "public/js/webhook.js"}
doctype_list_js = {"Webhook": "public/js/webhook_list.js"}
override_doctype_dashboards = {"Webhook": "my_api_app.webhooks.config.dashboard"}
# The OpenAPI document's `webhooks`: the event types durable webhooks send.
api_webhook_events = ["my_api_app.webhooks.config.openapi_events"]
# A Webhook's delivery log goes with it (config.delete_deliveries), so it does not block deleting.
ignore_links_on_delete = ["Webhook Delivery"]

scheduler_events = {
	"cron": {
		"* * * * *": [
			"my_api_app.api_keys.store.flush_last_used",
			"my_api_app.jobs.sweep.sweep_lost_jobs",
			"my_api_app.request_log.buffer.flush",
			"my_api_app.webhooks.sending.dispatch_due",
		],
		"*/5 * * * *": ["my_api_app.inbound_webhooks.processing.requeue_stalled"],
	},
	"hourly": ["my_api_app.api_keys.tokens.retire_expired_signing_keys"],
	"daily": [
		"my_api_app.api_keys.tokens.delete_expired_revocations",
		"my_api_app.api_keys.expiry_notices.send_expiry_notices",
		"my_api_app.jobs.sweep.delete_expired_jobs",
	],
}

# frappe.clear_cache() deletes every key of the site but these: queued request log records
# (and an unfinished batch) must survive it, as Frappe's own deferred inserts do.
# Rate-limit buckets and failed-authentication counts must survive it too, or any caller who
# can trigger a cache clear (any rename does) resets its own limits: the app's, and Frappe's
# own login lockout (LoginAttemptTracker), @rate_limit counters and request-time budget.
# ...and every process drops its copies of committed values (shared.committed_cache).
clear_cache = ["my_api_app.shared.committed_cache.forget_all"]
persistent_cache_keys = [
	"my_api_app:request_log*",
	# a session's password confirmation (minutes long): creating a user clears the whole cache
	"my_api_app:recent_password:*",
	"my_api_app:rl:*",
	"my_api_app:auth_failures:*",
	"login_failed_count",
	"login_failed_time",
	"rl:*",
	"rate-limit-counter-*",
]

# Log Settings clears the request log (days editable there; Frappe's daily clean-up).
default_log_clearing_doctypes = {"API Call Log": 30, "Webhook Delivery": 30, "Inbound Webhook Event": 90}
