"""The app's tax on Frappe's guest ping, split in two: what the app's own request hooks cost, and
what Frappe charges for an installed app whatever its hooks do.

``app_overhead.py`` measures the tax as the issue judges it (gunicorn, server CPU from /proc), but
on a small shared machine its rounds move by a few per cent. Here one process calls Frappe's WSGI
application directly (no HTTP, no threads, no load generator on the same cores) and counts its own
CPU time per request (``time.thread_time``), alternating three cases in rounds:

- ``without app``: the ping on a site without my_api_app;
- ``app, empty hooks``: the ping on the site with the app, its three request hooks
  (``request_flow``) replaced by functions that do nothing: Frappe's own price of an installed app
  (finding and calling its hooks, its larger cached hooks, its modules in the module map);
- ``app``: the ping on the site with the app as it is.

This CPU is the Frappe process's only; MariaDB and Redis do the same work in all three cases (the
app sends neither a query nor a Redis command on a guest ping). Run it with the bench's Python
from its ``sites`` folder, on the two sites ``app_overhead.py`` describes:

	cd ~/frappe-bench/sites
	../env/bin/python /path/to/benchmarks/app_overhead_in_process.py withapp.localhost noapp.localhost

BENCH_ROUNDS (default 10) rounds of BENCH_CALLS (default 400) pings per case.
"""

import inspect
import os
import statistics
import sys
import time

from frappe.app import application
from werkzeug.test import EnvironBuilder

import my_api_app.request_flow as request_flow

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
CALLS = int(os.environ.get("BENCH_CALLS", "400"))
HOOKS = ("before_request", "after_authentication", "after_request")


def ping(site: str) -> None:
	environ = EnvironBuilder(path="/api/method/ping", headers={"Host": site}).get_environ()
	statuses = []
	body = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
	b"".join(body)
	body.close()
	if not statuses[0].startswith("200"):
		raise SystemExit(f"ping on {site} answered {statuses[0]}")


def empty_hook(*args) -> None:
	"""Does nothing: stands in for each of the app's request hooks in the ``empty hooks`` case."""


# as request_flow does for its hooks: Frappe 15 reads a hook's signature on every call
empty_hook.__signature__ = inspect.signature(empty_hook)


def cpu_per_ping(site: str) -> float:
	started = time.thread_time()
	for _ in range(CALLS):
		ping(site)
	return (time.thread_time() - started) / CALLS * 1e6


def main(site: str, bare_site: str) -> None:
	hooks = {name: getattr(request_flow, name) for name in HOOKS}

	def with_hooks(on: bool) -> None:
		for name in HOOKS:
			setattr(request_flow, name, hooks[name] if on else empty_hook)

	def app_with_empty_hooks() -> float:
		with_hooks(False)
		try:
			return cpu_per_ping(site)
		finally:
			with_hooks(True)

	cases = {
		"without app": lambda: cpu_per_ping(bare_site),
		"app, empty hooks": app_with_empty_hooks,
		"app": lambda: cpu_per_ping(site),
	}
	for measure in cases.values():  # warm up: imports, caches, the first requests' costs
		measure()
	measured: dict[str, list[float]] = {name: [] for name in cases}
	for _ in range(ROUNDS):
		for name, measure in cases.items():
			measured[name].append(measure())
	bare = measured["without app"]
	print(f"guest ping, in process, CPU per request ({ROUNDS} rounds of {CALLS} pings per case)")
	for name, values in measured.items():
		ratios = [value / base for value, base in zip(values, bare, strict=True)]
		print(
			f"{name:>17}: median {statistics.median(values):7.1f} us; "
			f"against without app: median {statistics.median(ratios):.3f} "
			f"(min {min(ratios):.3f}, max {max(ratios):.3f})"
		)


if __name__ == "__main__":
	if len(sys.argv) != 3:
		raise SystemExit("usage: app_overhead_in_process.py SITE_WITH_APP SITE_WITHOUT_APP")
	main(sys.argv[1], sys.argv[2])
