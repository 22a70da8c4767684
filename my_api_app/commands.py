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


commands = [export_openapi]
