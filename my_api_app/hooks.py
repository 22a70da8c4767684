app_name = "my_api_app"
app_title = "My API App"
app_publisher = "my_api_app developers"
app_description = (
	"Secure, fast API building blocks for Frappe: endpoint toolkit, scoped API keys, "
	"rate limits, webhooks, jobs, OpenAPI"
)
app_email = "developers@my-api-app.invalid"
app_license = "mit"

after_install = "my_api_app.install.after_install"

# Request flow (docs/architecture.md): request id and endpoint lookup first, then this app's
# credentials (API keys, JWTs; anything else is left to Frappe), then Frappe authenticates,
# then the endpoint runs; the response gets the request id and error body.
before_request = [
	"my_api_app.toolkit.request_hooks.before_request",
	"my_api_app.api_keys.authentication.authenticate",
]
after_request = ["my_api_app.toolkit.request_hooks.after_request"]
# Inside Frappe's validate_auth, once every kind of credential has set the user.
auth_hooks = ["my_api_app.rate_limits.enforcement.enforce"]

# API Keys are their users' own; DocType scopes of keys and tokens hold for every DocType.
has_permission = {
	"API Key": "my_api_app.api_keys.permissions.api_key_has_permission",
	"*": "my_api_app.api_keys.permissions.scoped_has_permission",
}
permission_query_conditions = {
	"API Key": "my_api_app.api_keys.permissions.api_key_query_conditions",
	"*": "my_api_app.api_keys.permissions.scoped_query_conditions",
}

scheduler_events = {
	"cron": {"* * * * *": ["my_api_app.api_keys.store.flush_last_used"]},
	"hourly": ["my_api_app.api_keys.tokens.retire_expired_signing_keys"],
	"daily": ["my_api_app.api_keys.tokens.delete_expired_revocations"],
}
