"""What receiving a webhook costs: requests/s of signed deliveries against a guest ping.

A Standard Webhooks source (handler ``discard``, queue ``short``) is created over REST and
deleted at the end, with its events. Three kinds of delivery, each measured against GET ping
(the cheapest guest request of the site) in alternating rounds, medians and per-round ratios:

1. new: a new ``webhook-id`` each time, signed with the ``standardwebhooks`` library: verify,
   insert the event, enqueue the handler job after the commit, answer 202.
2. duplicate: one delivery sent again and again: verify, found ``stored`` in Redis, 200.
3. forged: a wrong signature: verify fails, 401, nothing written.

Run an RQ worker for the ``short`` queue, or the handler jobs pile up in Redis (they are
harmless and run later). See benchmarks/common.py for the server.

	python benchmarks/inbound_receive.py
"""

import json
import os
import uuid
from datetime import datetime, timezone

import standardwebhooks
from common import URL, admin_session, compare, session

RECEIVE = f"{URL}/api/method/my_api_app.api.inbound.receive"
PING = f"{URL}/api/method/my_api_app.tests.endpoints.ping"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
BODY = json.dumps({"type": "invoice.paid", "data": {"amount": 1250, "currency": "EUR"}}).encode()


def signed(webhook: standardwebhooks.Webhook, msg_id: str) -> dict:
	now = datetime.now(tz=timezone.utc)
	return {
		"Content-Type": "application/json",
		"webhook-id": msg_id,
		"webhook-timestamp": str(int(now.timestamp())),
		"webhook-signature": webhook.sign(msg_id, now, BODY.decode()),
	}


def main() -> None:
	admin = admin_session()
	slug = f"bench-{uuid.uuid4().hex[:8]}"
	source = {"slug": slug, "scheme": "Standard Webhooks", "queue": "short"}
	source["handler"] = "my_api_app.inbound_webhooks.tests.handlers.discard"
	admin.post(f"{URL}/api/resource/Webhook Source", json=source).raise_for_status()
	try:
		response = admin.post(
			f"{URL}/api/method/my_api_app.api.inbound.generate_secret", json={"source": slug}
		)
		response.raise_for_status()
		webhook = standardwebhooks.Webhook(response.json()["message"]["data"]["secret"])
		forger = standardwebhooks.Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk=")
		duplicate = signed(webhook, f"msg_{uuid.uuid4().hex}")

		def new(s) -> int:
			return s.post(
				RECEIVE, params={"source": slug}, data=BODY, headers=signed(webhook, uuid.uuid4().hex)
			).status_code

		def again(s) -> int:
			return s.post(RECEIVE, params={"source": slug}, data=BODY, headers=duplicate).status_code

		def forged(s) -> int:
			status = s.post(
				RECEIVE, params={"source": slug}, data=BODY, headers=signed(forger, "x")
			).status_code
			return 200 if status == 401 else status  # the refusal is the expected outcome

		def ping(s) -> int:
			return s.get(PING).status_code

		again(session())  # store it once
		print(f"server {URL}, {CLIENTS} client threads, {ROUNDS} rounds of {SECONDS} s per kind")
		for name, send in (("new (202)", new), ("duplicate (200)", again), ("forged (401)", forged)):
			compare(name, send, "guest ping", ping, session, rounds=ROUNDS, seconds=SECONDS, clients=CLIENTS)
	finally:
		names = admin.get(
			f"{URL}/api/resource/Inbound Webhook Event",
			params={"filters": json.dumps([["source", "=", slug]]), "limit_page_length": 0},
		).json()["data"]
		names = [n["name"] for n in names]
		for i in range(0, len(names), 10):  # Frappe deletes up to 10 at once in the request
			admin.post(
				f"{URL}/api/method/frappe.desk.reportview.delete_items",
				data={"items": json.dumps(names[i : i + 10]), "doctype": "Inbound Webhook Event"},
			).raise_for_status()
		admin.delete(f"{URL}/api/resource/Webhook Source/{slug}").raise_for_status()


if __name__ == "__main__":
	main()
