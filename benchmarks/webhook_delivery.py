"""Webhook deliveries per second with 2 RQ workers: this app's durable webhooks against Frappe's
built-in Webhook, on the same events, in one run.

Each round creates one webhook (durable, or Frappe's own) on ToDo after_insert pointing at a
local receiver (127.0.0.1, answers 200 at once). With 2 workers (``bench worker``) started and
suspended (RQ's ``rq:suspended`` key), it inserts N ToDos over HTTP (each insert its own
request and transaction, so each event is its own job, as in production), then resumes the
workers and times until the receiver has N requests. Rounds alternate Frappe / durable; medians and the per-pair ratio are
printed. Durable deliveries also store the event and every attempt in MariaDB and sign it;
Frappe's write a Webhook Request Log per request. Frappe runs one RQ job per event (each job
forks a work horse and connects to the site); durable webhooks queue at most one waiting job
per webhook, which sends every due delivery over one kept-alive connection.

Run it against a served site (benchmarks/common.py: BENCH_URL, BENCH_SITE, ...) whose config
allows 127.0.0.1 (``my_api_app_webhook_allowed_networks``), with NO other RQ worker of the bench
running (they would take the jobs); it needs the bench directory (BENCH_DIR, default
~/frappe-bench):

	python benchmarks/webhook_delivery.py
"""

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from common import SITE, URL, admin_session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from my_api_app.jobs.rq_workers import RQWorkers
from my_api_app.webhooks.local_receiver import Receiver

EVENTS = int(os.environ.get("BENCH_EVENTS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SUSPENDED = "rq:suspended"  # RQ's switch: workers take no job while it is set
BENCH_DIR = os.environ.get("BENCH_DIR", str(Path.home() / "frappe-bench"))


# Both webhooks compared: a JSON body for each new ToDo; only the delivery differs.
ON_EACH_NEW_TODO = {
	"webhook_doctype": "ToDo",
	"webhook_docevent": "after_insert",
	"request_structure": "JSON",
	"webhook_json": '{"name": "{{ doc.name }}", "description": "{{ doc.description }}"}',
	"enabled": 1,
}


def make_webhook(admin, url: str, durable: bool) -> str:
	name = f"bench-{'durable' if durable else 'frappe'}-{uuid.uuid4().hex[:6]}"
	fields = {"__newname": name, "request_url": url, "durable_delivery": int(durable)}
	response = admin.post(f"{URL}/api/resource/Webhook", json=ON_EACH_NEW_TODO | fields)
	response.raise_for_status()
	return name


def round_(admin, receiver: Receiver, durable: bool) -> float:
	webhook = make_webhook(admin, receiver.url, durable)
	receiver.received.clear()
	workers = RQWorkers(BENCH_DIR)
	workers.redis.set(SUSPENDED, 1)
	try:
		workers.start()
		workers.start()
		for i in range(EVENTS):
			admin.post(f"{URL}/api/resource/ToDo", json={"description": f"bench {i}"}).raise_for_status()
		started = time.monotonic()
		workers.redis.delete(SUSPENDED)
		while len(receiver.received) < EVENTS:
			if time.monotonic() - started > 600:
				raise TimeoutError(f"{len(receiver.received)} of {EVENTS} delivered in 600 s")
			time.sleep(0.05)
		elapsed = time.monotonic() - started
	finally:
		workers.redis.delete(SUSPENDED)
		workers.stop_all()
		admin.delete(f"{URL}/api/resource/Webhook/{webhook}").raise_for_status()
	return EVENTS / elapsed


def main() -> None:
	admin = admin_session()
	receiver = Receiver().start()
	results: dict[str, list[float]] = {"frappe": [], "durable": []}
	try:
		for _ in range(ROUNDS):
			for kind in ("frappe", "durable"):
				rate = round_(admin, receiver, durable=kind == "durable")
				results[kind].append(rate)
				print(f"{kind:8} {rate:7.1f} deliveries/s", flush=True)
	finally:
		receiver.stop()
	ratios = [d / f for f, d in zip(results["frappe"], results["durable"], strict=True)]
	print(f"site {SITE} at {URL}; {EVENTS} events per round, {ROUNDS} rounds, 2 workers")
	print(f"Frappe's webhook: median {statistics.median(results['frappe']):.1f} deliveries/s")
	print(f"durable webhook:  median {statistics.median(results['durable']):.1f} deliveries/s")
	print(
		f"durable / Frappe: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
	)


if __name__ == "__main__":
	main()
