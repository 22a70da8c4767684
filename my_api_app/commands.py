"""bench commands of my_api_app (bench picks up ``commands``)."""

import json

import click
import frappe
from frappe.commands import get_site, pass_context


@click.command("export-openapi")
@click.option(
	"--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File to write; default stdout"
)
@click.option("--server-url", default=None, help="The document's server URL; default the site's URL")
@pass_context
def export_openapi(context, output: str | None = None, server_url: str | None = None) -> None:
	"""Write the site's OpenAPI 3.1 document (every toolkit endpoint of its apps) as JSON."""
	from my_api_app.openapi.document import build

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		text = json.dumps(build(server_url or frappe.utils.get_url()), indent=2, ensure_ascii=False) + "\n"
	finally:
		frappe.destroy()
	if output:
		with open(output, "w", encoding="utf-8") as file:
			file.write(text)
		click.echo(f"OpenAPI document of {site} written to {output}", err=True)
	else:
		click.echo(text, nl=False)


@click.group("api")
def api() -> None:
	"""Call endpoints and manage API keys through the real request pipeline."""


@api.command("call")
@click.argument("target")
@click.option("--as", "as_user", default="Administrator", help="The user to call as (Guest: no credential)")
@click.option("--method", default="GET", help="HTTP method; default GET")
@click.option("--data", default=None, help="JSON object: the body of a POST, PUT or PATCH, else the query")
@pass_context
def call(context, target: str, as_user: str, method: str, data: str | None) -> None:
	"""Call TARGET (a dotted method, or a path such as /api/resource/ToDo) and print the status,
	headers and body as JSON; the exit status is 1 for an answer of 400 or more."""
	_run(context, target, as_user=as_user, method=method, data=_object(data))


@api.group("key")
def key() -> None:
	"""API keys, through the app's own endpoints (their checks apply); a secret is shown once."""


@key.command("create")
@click.option("--user", required=True, help="The key's owner")
@click.option("--label", required=True)
@click.option("--scope", "scopes", multiple=True, required=True, help="A scope; repeat for more ('*': all)")
@click.option("--expires-at", default=None, help="When the key expires (site time, YYYY-MM-DD HH:MM:SS)")
@click.option("--never-expires", is_flag=True, default=False)
@click.option("--ip-range", "ip_ranges", multiple=True, help="An address or CIDR range the key is used from")
@click.option("--as", "as_user", default="Administrator", help="Who creates it; default Administrator")
@pass_context
def create_key(context, user, label, scopes, expires_at, never_expires, ip_ranges, as_user) -> None:
	"""Create a key for USER and print it with its secret (shown this once)."""
	data = {"label": label, "scopes": list(scopes), "user": user, "never_expires": never_expires}
	if expires_at:
		data["expires_at"] = expires_at
	if ip_ranges:
		data["allowed_ip_ranges"] = list(ip_ranges)
	_run(context, "my_api_app.api.keys.create_key", as_user=as_user, method="POST", data=data, body_only=True)


@key.command("list")
@click.option("--user", default=None, help="Whose keys; default every user's")
@click.option("--as", "as_user", default="Administrator")
@pass_context
def list_keys(context, user, as_user) -> None:
	"""List keys (never their secrets)."""
	data = {"user": user} if user else None
	_run(context, "my_api_app.api.keys.list_keys", as_user=as_user, data=data, body_only=True)


@key.command("revoke")
@click.argument("api_key")
@click.option("--reason", required=True)
@click.option("--as", "as_user", default="Administrator")
@pass_context
def revoke_key(context, api_key, reason, as_user) -> None:
	"""Revoke API_KEY for good."""
	data = {"api_key": api_key, "reason": reason}
	_run(context, "my_api_app.api.keys.revoke_key", as_user=as_user, method="POST", data=data, body_only=True)


@key.command("roll")
@click.argument("api_key")
@click.option("--overlap-minutes", type=int, default=60, help="How long the old secret still works")
@click.option("--as", "as_user", default="Administrator")
@pass_context
def roll_key(context, api_key, overlap_minutes, as_user) -> None:
	"""Give API_KEY a new secret (printed this once)."""
	data = {"api_key": api_key, "overlap_minutes": overlap_minutes}
	_run(
		context, "my_api_app.api.keys.roll_secret", as_user=as_user, method="POST", data=data, body_only=True
	)


def _object(text: str | None) -> dict | None:
	if text is None:
		return None
	try:
		value = json.loads(text)
	except ValueError as error:
		raise click.BadParameter(f"not JSON: {error}", param_hint="--data") from None
	if not isinstance(value, dict):
		raise click.BadParameter("a JSON object is expected", param_hint="--data")
	return value


def _run(context, target: str, *, body_only: bool = False, **arguments) -> None:
	"""One call on the context's site; prints the answer (or only its body) as JSON."""
	from my_api_app.console import call as call_endpoint

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		answer = call_endpoint(target, **arguments)
	finally:
		frappe.destroy()
	click.echo(json.dumps(answer.body if body_only else answer.as_dict(), indent=1, default=str))
	if answer.status >= 400:
		raise SystemExit(1)


commands = [export_openapi, api]
