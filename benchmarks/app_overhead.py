"""What installing the app costs a request it has nothing to do with: Frappe's own
``/api/method/ping`` on a site with my_api_app against a site without it, on the same gunicorn.

Every request to a site with the app runs its hooks: the resolver (what the request runs), the
request id, the brute-force guard's check, this app's authentication, the rate-limit hook and
the request log. A guest ping costs none of them a Redis round trip: the rules and the log
switch are the process's own copies (shared.rules.local_copies). The two sites are served by one
gunicorn (chosen by the Host header), so both share the same workers and the same machine
drift; the sends alternate in rounds (A B A B …).
Goal: with-app / without-app >= 0.97.

Compare two new sites made the same way, one with the app and one without, and serve both:

	cd ~/frappe-bench
	bench new-site withapp.localhost --admin-password admin --db-root-password root --install-app my_api_app
	bench new-site noapp.localhost --admin-password admin --db-root-password root
	cd sites && ../env/bin/gunicorn -b 127.0.0.1:8000 -w 2 --threads 4 frappe.app:application
	BENCH_SITE=withapp.localhost BENCH_BARE_SITE=noapp.localhost python benchmarks/app_overhead.py

The two sites must differ in nothing but the app: the same site config (developer_mode
especially: with it Frappe reads every app's hooks.py again on each request, and this app's
adds about 45 µs to that) and the same history (a site the test suites have filled is not a
fair partner for an empty one).
BENCH_ROUNDS (default 10) and BENCH_SECONDS (default 3) set the length.
``app_overhead_in_process.py`` splits the tax, on the same two sites, into the app's own hooks and
what Frappe charges for an installed app whose hooks do nothing.

Throughput on a shared machine moves by more than the few per cent measured here, so two
steadier figures follow it: the server's CPU time per request (``common.compare``), and, when
py-spy is installed (``pip install py-spy``; it needs to attach to gunicorn, so run this on the
server's machine as the user running it), the share of the workers' samples that are in this
app's own code during a with-app run of BENCH_PROFILE_SECONDS (default 20). That share leaves
out what Frappe spends finding and calling the app's hooks and loading its hooks.py.
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading

from common import SERVER_ADDRESS, SITE, URL, compare, send_for, session

BARE_SITE = os.environ.get("BENCH_BARE_SITE", "bare.localhost")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
PROFILE_SECONDS = float(os.environ.get("BENCH_PROFILE_SECONDS", "20"))
PING = f"{URL}/api/method/ping"


def on(site: str, url: str):
	def send(s) -> int:
		return s.get(url, headers={"Host": site}).status_code

	return send


def main():
	for site in (SITE, BARE_SITE):
		response = session().get(PING, headers={"Host": site})
		response.raise_for_status()
	print(f"ping on {SITE} (with my_api_app) against ping on {BARE_SITE} (without), same gunicorn")
	compare(
		"with app",
		on(SITE, PING),
		"without app",
		on(BARE_SITE, PING),
		session,
		rounds=ROUNDS,
		seconds=SECONDS,
	)
	profile_share(on(SITE, PING))


def profile_share(send) -> None:
	"""Sample gunicorn (master and workers) with py-spy while pings go to the site with the app;
	print the share of samples with a frame in my_api_app."""
	py_spy = shutil.which("py-spy")
	master = _gunicorn_master()
	if not py_spy or master is None:
		print("app's share of the workers' samples: not measured (needs py-spy and gunicorn on this machine)")
		return
	with tempfile.TemporaryDirectory() as folder:
		output = os.path.join(folder, "samples.txt")
		record = [py_spy, "record", "--pid", str(master), "--subprocesses", "--nonblocking", "--rate", "250"]
		record += ["--duration", str(int(PROFILE_SECONDS)), "--format", "raw", "--output", output]
		load = threading.Thread(target=send_for, args=(send, session, PROFILE_SECONDS + 2, 8))
		load.start()
		subprocess.run(record, capture_output=True, check=True)
		load.join()
		total = in_app = 0
		with open(output) as f:
			for line in f:
				stack, _, count = line.rstrip().rpartition(" ")
				if not count.isdigit():
					continue
				total += int(count)
				if "(my_api_app/" in stack:
					in_app += int(count)
	print(
		f"app's share of the workers' samples (py-spy, {total} samples): {100 * in_app / max(total, 1):.2f} %"
	)


def _gunicorn_master() -> int | None:
	"""The gunicorn master bound to BENCH_URL's address: the one of its processes whose parent
	is not one of them."""
	processes = {}
	for pid in filter(str.isdigit, os.listdir("/proc")):
		try:
			with open(f"/proc/{pid}/cmdline", "rb") as f:
				command = f.read().replace(b"\0", b" ").decode(errors="replace")
			with open(f"/proc/{pid}/stat") as f:
				parent = int(f.read().rsplit(")", 1)[1].split()[1])
		except OSError:
			continue
		if "gunicorn" in command and re.search(re.escape(SERVER_ADDRESS) + r"\b", command):
			processes[int(pid)] = parent
	masters = [pid for pid, parent in processes.items() if parent not in processes]
	return masters[0] if len(masters) == 1 else None


if __name__ == "__main__":
	main()
