"""What the request log costs an /api/ request: requests/s with logging on against off, and
whether every request made while it was on was logged.

"On" is System Settings > Log API Requests in API Call Log checked; "off" unchecked (switched
with PUT between measurements; the change applies from the next request). With logging on, every /api/
request builds a record and appends it to a Redis list (one round trip; off, each process's
copy of the switch says so and nothing is built or sent); a flush
writes the records to API Call Log in batches. In production the flush is a background job
(the scheduler every minute, and a job every 5000 records) running beside the requests; here,
during each window with logging on, the benchmark flushes every second (the test-only flush
endpoint, on the same server) while the requests go on, and flushes what is left when the
window's requests end; that last flush counts as part of the window, so the on figure pays for
writing every record it queued. An RQ worker is not needed (if one runs, it may take part of
the writing; its time then falls in the windows it overlaps).

1. Requests/s of GET ping as a guest and of GET whoami with a user's Frappe key. For each
   endpoint, pairs of adjacent windows, one with logging on and one off, in the order on off,
   off on, on off, ... so that the machine's drift hits both states alike: medians, the
   median of the pairs' on / off ratios and the ratio of all requests served on to all served
   off, with its 95 % bootstrap interval over the pairs. Target: on / off >= 0.95.
2. Records: every request carries an X-Request-Id naming the run and the state; after the
   rounds API Call Log is counted: exactly the number of requests sent with logging on, and
   none of those sent with it off.

See benchmarks/common.py for the server (gunicorn, 2 workers). It creates a user, unless
BENCH_USER names one. BENCH_PAIRS sets the pairs of windows per endpoint (default 20, about
four minutes each): the 95 % interval printed with the ratio narrows with more. Logging is
left as it was found.

	python benchmarks/request_log_overhead.py
"""

import json
import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from common import URL, admin_session, bench_user, session, throughput

PING = "/api/method/my_api_app.tests.endpoints.ping"
WHOAMI = "/api/method/my_api_app.api.auth.whoami"
SETTINGS = f"{URL}/api/resource/System Settings/System Settings"
LOG_SWITCH = "my_api_app_log_api_requests"  # my_api_app.request_log.settings.SETTING
FLUSH = f"{URL}/api/method/my_api_app.tests.endpoints.flush_request_log"
PAIRS = int(os.environ.get("BENCH_PAIRS", 20))  # per endpoint: a window with logging on next to one off
SECONDS = 5.0  # per window
CLIENTS = 8
WARM_UP_SECONDS = 1.0
FLUSH_EVERY_SECONDS = 1.0  # while a window with logging on serves


@dataclass
class Target:
	path: str
	make_session: Callable
	request_id: dict = field(default_factory=dict)  # state -> X-Request-Id
	sent: dict = field(default_factory=lambda: {True: 0, False: 0})  # requests answered, by state
	lock: threading.Lock = field(default_factory=threading.Lock)

	def sender(self, on: bool):
		headers = {"X-Request-Id": self.request_id[on]}

		def send(s) -> int:
			status = s.get(f"{URL}{self.path}", headers=headers).status_code
			with self.lock:
				self.sent[on] += 1
			return status

		return send


def main():
	admin = admin_session()
	_, token = bench_user(admin)
	tag = uuid.uuid4().hex[:10]
	targets = {
		"ping as Guest": Target(PING, session),
		"whoami with Frappe key": Target(WHOAMI, lambda: session(token)),
	}
	for i, target in enumerate(targets.values()):
		target.request_id = {True: f"rlbench-{tag}-{i}-on", False: f"rlbench-{tag}-{i}-off"}
	was_on = bool(admin.get(SETTINGS).json()["data"].get(LOG_SWITCH))
	print_configuration()
	try:
		rates = {label: {True: [], False: []} for label in targets}
		# requests/s while serving (the flush after it left out)
		serving = {label: {True: [], False: []} for label in targets}
		stolen = {}  # label -> share of CPU time the hypervisor took while measuring
		for label, target in targets.items():
			for on in (True, False):
				window(admin, target, on, WARM_UP_SECONDS)
			before = cpu_times()
			for i in range(PAIRS):
				for on in (True, False) if i % 2 == 0 else (False, True):
					rate, serving_rate = window(admin, target, on, SECONDS)
					rates[label][on].append(rate)
					serving[label][on].append(serving_rate)
			stolen[label] = steal_share(before, cpu_times())
		for label, target in targets.items():
			report_rates(label, target, rates[label], serving[label])
			if stolen[label] is not None:
				print(f"CPU time taken by the hypervisor (steal) meanwhile: {stolen[label]:.0%}")
		switch(admin, was_on)
		check_records(admin, targets)
	finally:
		switch(admin, was_on)


def window(admin, target: Target, on: bool, seconds: float) -> tuple[float, float]:
	"""(requests/s of one window, requests/s of its serving alone). With logging on, records are
	flushed every second while the window serves, and the flush of what is left after its
	requests end is part of the window's time."""
	switch(admin, on)
	before = target.sent[on]
	started = time.perf_counter()
	with flushing(admin, FLUSH_EVERY_SECONDS) if on else nullcontext():
		throughput(target.sender(on), target.make_session, seconds, CLIENTS)
	served = time.perf_counter()
	if on:
		flush(admin)
	requests = target.sent[on] - before
	return requests / (time.perf_counter() - started), requests / (served - started)


@contextmanager
def flushing(admin, every: float):
	"""Inside the block, a thread flushes the queued records every ``every`` seconds, as the
	flush job does in production while requests go on."""
	flusher = session()
	flusher.cookies.update(admin.cookies)
	stop = threading.Event()

	def run():
		while not stop.wait(every):
			flush(flusher)

	thread = threading.Thread(target=run)
	thread.start()
	try:
		yield
	finally:
		stop.set()
		thread.join()


def flush(admin):
	"""Write every queued record now (waiting for a worker's flush that holds the lock)."""
	deadline = time.monotonic() + 120
	while admin.post(FLUSH).json()["message"]["data"]["locked"]:
		if time.monotonic() > deadline:
			raise SystemExit("the request log flush stayed locked for 2 minutes")
		time.sleep(0.05)


def switch(admin, on: bool):
	current = admin.get(SETTINGS).json()["data"]
	values = {LOG_SWITCH: int(on)}
	# A site whose setup wizard never ran has no language or time zone, which the save requires.
	values.update(
		{
			name: default
			for name, default in (("language", "en"), ("time_zone", "Asia/Kolkata"))
			if not current.get(name)
		}
	)
	admin.put(SETTINGS, json=values).raise_for_status()


def cpu_times() -> list[int] | None:
	"""The machine's CPU time counters (Linux's /proc/stat), or None elsewhere."""
	try:
		with open("/proc/stat") as stat:
			return [int(ticks) for ticks in stat.readline().split()[1:]]
	except OSError:
		return None


def steal_share(before: list[int] | None, after: list[int] | None) -> float | None:
	"""The share of CPU time stolen by the hypervisor between two readings: a run with much of it
	is noisy (a virtual machine's neighbours took the CPU)."""
	if not before or not after or len(before) < 8:
		return None
	spent = [b - a for a, b in zip(before, after, strict=True)]
	return spent[7] / (sum(spent) or 1)


def report_rates(label: str, target: Target, rates: dict, serving: dict):
	on, off = rates[True], rates[False]
	print(f"\n== requests/s: GET {target.path} ({label})")
	for name, values in (("logging on", on), ("logging off", off)):
		rounds = ", ".join(f"{x:.0f}" for x in values)
		print(f"{name}: median {statistics.median(values):.1f} req/s  (rounds: {rounds})")
	ratios = [a / b for a, b in zip(on, off, strict=True)]
	quartiles = statistics.quantiles(ratios, n=4)
	print(
		f"ratio on/off of the pairs: median {quartiles[1]:.3f}, quartiles {quartiles[0]:.3f} to "
		f"{quartiles[2]:.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
	)
	print(
		"ratio on/off of serving alone (the time of the flush after serving left out): "
		f"{sum(serving[True]) / sum(serving[False]):.3f}"
	)
	ratio = sum(on) / sum(off)
	low, high = bootstrap_interval(on, off)
	print(
		f"ratio of all requests served on to all served off: {ratio:.3f} (95 % interval over the pairs "
		f"{low:.3f} to {high:.3f})"
	)
	print(f"target on / off >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'}")


def bootstrap_interval(on: list[float], off: list[float], resamples: int = 5000) -> tuple[float, float]:
	"""The 95 % bootstrap interval of sum(on) / sum(off), resampling whole pairs (fixed seed): how
	far the machine's noise alone could move the judged ratio."""
	rng = random.Random(0)
	pairs = list(zip(on, off, strict=True))
	ratios = sorted(
		sum(a for a, _ in sample) / sum(b for _, b in sample)
		for sample in (rng.choices(pairs, k=len(pairs)) for _ in range(resamples))
	)
	return ratios[int(0.025 * resamples)], ratios[int(0.975 * resamples) - 1]


def check_records(admin, targets: dict[str, Target]):
	"""Flush (every request of the run was answered, so its record is queued), then count."""
	print("\n== records in API Call Log")
	flush(admin)
	all_exact = True
	for label, target in targets.items():
		for on in (True, False):
			count = admin.get(
				f"{URL}/api/method/frappe.client.get_count",
				params={
					"doctype": "API Call Log",
					"filters": json.dumps({"request_id": target.request_id[on]}),
				},
			).json()["message"]
			expected = target.sent[on] if on else 0
			all_exact &= count == expected
			print(
				f"{label}, logging {'on' if on else 'off'}: {count} records for {target.sent[on]} "
				f"requests (expected {expected})"
			)
	print(f"every request logged exactly once while on, none while off: {'yes' if all_exact else 'NO'}")


def print_configuration():
	print("== configuration")
	print(f"server {URL} (see benchmarks/common.py: gunicorn with 2 workers expected)")
	print(
		f"client: {CLIENTS} threads, keep-alive sessions; per endpoint {PAIRS} pairs of {SECONDS:g} s windows "
		f"(order on off, off on, ...) after a {WARM_UP_SECONDS:g} s warm-up in each state; with logging on, "
		f"a flush every {FLUSH_EVERY_SECONDS:g} s while serving and one of the rest after"
	)


if __name__ == "__main__":
	main()
