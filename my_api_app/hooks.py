app_name = "my_api_app"
app_title = "My API App"
app_publisher = "my_api_app developers"
app_description = (
	"Secure, fast API building blocks for Frappe: endpoint toolkit, scoped API keys, "
	"rate limits, webhooks, jobs, OpenAPI"
)
app_email = "developers@my-api-app.invalid"
app_license = "mit"

# Request flow (docs/architecture.md): request id and endpoint lookup first, then Frappe
# authenticates, then the endpoint runs; the response gets the request id and error body.
before_request = ["my_api_app.toolkit.request_hooks.before_request"]
after_request = ["my_api_app.toolkit.request_hooks.after_request"]
