"""What the request log costs in CPU time per /api/ request, measured inside one process: a
steadier figure than requests/s on a machine whose throughput swings from minute to minute
(request_log_overhead.py measures requests/s through gunicorn).

Requests go through Frappe's WSGI application in this process (werkzeug's test client: no
network, no server), in blocks with logging on and off in turn (on off, off on, ...). A
block's figure is this thread's CPU time per request; with logging on it includes writing the
block's records to API Call Log (the flush, run here right after the block), and MariaDB's
CPU time in both states when mysqld runs on this machine and its pid file is readable (the
Redis server's CPU is not counted). The flush opens its own database connection per block,
which the on figure pays for too (production writes 1000 records per statement). The ratio
judged is off / on of the medians (the share of throughput a CPU-bound server keeps with
logging on). Target: >= 0.95.

Run it with the bench's Python from the bench's sites folder, on a site with allow_tests:

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/benchmarks/request_log_cpu.py SITE

It uses (and creates once) the user request-log-cpu-bench@example.com with a Frappe API key,
and leaves the switch as it found it.
"""

import os
import statistics
import sys
import time

import frappe
from frappe.app import application
from werkzeug.test import Client

from my_api_app.request_log import settings

USER = "request-log-cpu-bench@example.com"
PING = "/api/method/my_api_app.tests.endpoints.ping"
WHOAMI = "/api/method/my_api_app.api.auth.whoami"
PAIRS = 8
REQUESTS = 300  # per block
WARM_UP = 30  # requests before each block (the switch is read again after a change)
MYSQLD_PID_FILES = ("/run/mysqld/mysqld.pid", "/var/run/mysqld/mysqld.pid")


def main(site: str):
	frappe.init(site, sites_path=".")
	frappe.connect()
	if not frappe.conf.allow_tests:
		raise SystemExit(f"{site} needs allow_tests: the ping endpoint lives in my_api_app.tests")
	token = user_token()
	was_on = switch(site, None)
	frappe.destroy()
	client = Client(application)
	targets = {
		"GET ping as Guest": (PING, {"Host": site}),
		"GET whoami with Frappe key": (WHOAMI, {"Host": site, "Authorization": token}),
	}
	print("== configuration")
	print(
		f"site {site}; per endpoint {PAIRS} pairs of blocks of {REQUESTS} requests (order on off, off on, "
		f"...); MariaDB CPU {'counted' if mysqld_pid() else 'not counted (mysqld not readable here)'}"
	)
	try:
		for label, (path, headers) in targets.items():
			cpu = {True: [], False: []}
			writes = []  # (CPU seconds of the flushes, records they wrote)
			for i in range(PAIRS):
				for on in (True, False) if i % 2 == 0 else (False, True):
					switch(site, on)
					cpu[on].append(block(client, path, headers, site, on, writes))
			report(label, cpu, writes)
	finally:
		switch(site, was_on)


def block(client: Client, path: str, headers: dict, site: str, on: bool, writes: list) -> float:
	"""CPU microseconds per request of one block (and of writing its records, when on)."""
	for _ in range(WARM_UP):
		client.get(path, headers=headers)
	flush(site)  # records of the warm-up: not this block's
	database = mysqld_cpu()
	started = time.thread_time()
	for _ in range(REQUESTS):
		if client.get(path, headers=headers).status_code != 200:
			raise SystemExit(f"{path} did not answer 200")
	if on:
		flush_started, flush_database = time.thread_time(), mysqld_cpu()
		written = flush(site)  # a scheduler's flush may take some of them, not all
		if not written:
			raise SystemExit("logging was on and no record was written")
		writes.append((time.thread_time() - flush_started + mysqld_cpu() - flush_database, written))
	return (time.thread_time() - started + mysqld_cpu() - database) / REQUESTS * 1e6


def report(label: str, cpu: dict, writes: list):
	on, off = statistics.median(cpu[True]), statistics.median(cpu[False])
	write = sum(seconds for seconds, _ in writes) / sum(records for _, records in writes) * 1e6
	print(f"\n== CPU per request: {label}")
	for name, values in (("logging on (with the write)", cpu[True]), ("logging off", cpu[False])):
		blocks = ", ".join(f"{x:.0f}" for x in values)
		print(f"{name}: median {statistics.median(values):.0f} us  (blocks: {blocks})")
	print(f"logging on costs {on - off:+.0f} us per request (the blocks' medians)")
	print(
		f"of which writing a record (the flush: connection, take, INSERT, commit): {write:.0f} us, "
		f"{write / off:.1%} of a request with logging off"
	)
	ratio = off / on
	print(f"throughput kept with logging on (off / on CPU): {ratio:.3f}")
	print(f"target >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'}")


def flush(site: str) -> int:
	with site_context(site):
		from my_api_app.request_log import buffer

		written = 0
		while True:
			result = buffer.flush()
			written += result["written"]
			if not result["locked"]:
				return written
			time.sleep(0.05)  # a worker is flushing: let it finish, then write the rest here


def switch(site: str, on: bool | None) -> bool:
	"""Set the switch (None: leave it); returns what it was."""
	with site_context(site):
		was = bool(frappe.db.get_single_value("System Settings", settings.SETTING))
		if on is not None and on != was:
			system_settings = frappe.get_doc("System Settings")
			system_settings.set(settings.SETTING, int(on))
			system_settings.save(ignore_permissions=True)
			frappe.db.commit()
		return was


def user_token() -> str:
	from frappe.core.doctype.user.user import generate_keys

	frappe.set_user("Administrator")
	if not frappe.db.exists("User", USER):
		frappe.get_doc(
			{"doctype": "User", "email": USER, "first_name": "Bench", "send_welcome_email": 0}
		).insert()
	secret = generate_keys(USER)["api_secret"]
	frappe.db.commit()
	return f"token {frappe.db.get_value('User', USER, 'api_key')}:{secret}"


class site_context:
	"""frappe.init/connect for a moment between requests (the WSGI app destroys its own)."""

	def __init__(self, site: str):
		self.site = site

	def __enter__(self):
		frappe.init(self.site, sites_path=".")
		frappe.connect()
		frappe.set_user("Administrator")

	def __exit__(self, *exc):
		frappe.destroy()


def mysqld_pid() -> int | None:
	for path in MYSQLD_PID_FILES:
		try:
			with open(path) as f:
				return int(f.read().strip())
		except (OSError, ValueError):
			continue
	return None


def mysqld_cpu() -> float:
	"""MariaDB's CPU seconds so far (0 when it cannot be read)."""
	pid = mysqld_pid()
	if pid is None:
		return 0.0
	try:
		with open(f"/proc/{pid}/stat") as f:
			fields = f.read().rsplit(")", 1)[1].split()
	except OSError:
		return 0.0
	return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
	if len(sys.argv) != 2:
		raise SystemExit("usage: request_log_cpu.py SITE  (run from the bench's sites folder)")
	main(sys.argv[1])
