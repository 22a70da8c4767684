"""Webhooks sent to this site: the receiving URL of every Webhook Source, and Desk's actions.

Senders POST to ``/api/method/my_api_app.api.inbound.receive?source=<slug>``.
"""

from typing import Annotated, Literal

import frappe
from pydantic import BaseModel, Field

from my_api_app.inbound_webhooks import processing, receiver
from my_api_app.shared import error_response
from my_api_app.shared.rules.errors import MethodNotAllowed
from my_api_app.shared.rules.webhook_signing import new_secret
from my_api_app.toolkit import endpoint

RECEIVE = "my_api_app.api.inbound.receive"
_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


# Not an @endpoint: the signature covers the raw body, which is not arguments to validate
# (Frappe has already parsed a JSON body into form_dict, and its keys are the sender's, not
# ours). The source comes from the query string only, so a body key cannot name another one.
# Every method reaches the function so that a GET gets the structured 405, not Frappe's 403.
@frappe.whitelist(allow_guest=True, methods=_ALL_METHODS)
def receive() -> dict | None:
	"""Verify, store and acknowledge one webhook delivery (202 accepted, 200 duplicate)."""
	request = frappe.request
	try:
		if request.method != "POST":
			raise MethodNotAllowed(request.method, ["POST"])
		status, data = receiver.receive(request.args.get("source"), request)
	except Exception as exc:
		error_response.respond(exc, where=RECEIVE)
		return None
	frappe.local.response["http_status_code"] = status
	return {"status": "success", "data": data}


class SourceSecret(BaseModel):
	"""A new signing secret of a Webhook Source: shown in this answer only."""

	source: str
	row: str = Field(description="The secret's row in the source's secrets table.")
	secret: str = Field(description="The `whsec_…` secret to give the sender.")


class EventQueued(BaseModel):
	"""The event, handed to its handler again."""

	event: str
	status: Literal["Received"]


@endpoint(
	methods="POST",
	roles=["System Manager"],
	permissions=[("Webhook Source", "write", "source")],
	status=201,
)
def generate_secret(
	source: Annotated[str, Field(min_length=1, max_length=140)],
	label: Annotated[str, Field(max_length=140)] = "",
) -> SourceSecret:
	"""Add a new ``whsec_`` secret to a source and return it: the only time it is shown."""
	doc = frappe.get_doc("Webhook Source", source)
	secret = new_secret()
	row = doc.append("secrets", {"secret": secret, "label": label or f"Generated {frappe.utils.now()[:16]}"})
	doc.save()
	return {"source": doc.name, "row": row.name, "secret": secret}


@endpoint(methods="POST", roles=["System Manager"], permissions=[("Inbound Webhook Event", "read", "event")])
def process_again(event: Annotated[str, Field(min_length=1, max_length=140)]) -> EventQueued:
	"""Hand a failed event to its source's handler once more, in a background job."""
	processing.process_again(event)
	return {"event": event, "status": "Received"}
