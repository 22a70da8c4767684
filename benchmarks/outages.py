"""What API clients are answered while the cache Redis or the database is down, measured with
the fault injected for real (not a test: it stops the bench's services).

Three clients poll the served site every 0.2 s: an API key reading /api/resource/ToDo, a session
calling whoami, a guest pinging. After 2 s the cache Redis (``redis-cli -p PORT shutdown``,
restarted from the bench's config) or MariaDB (``mysqladmin shutdown``, restarted with
``service mariadb start``) is stopped for OUTAGE seconds. Every answer is counted by (client,
status, content type, Retry-After). What the app can answer itself is a 503 with ``Retry-After``
and the structured body; where Frappe fails outside every hook (its end-of-request database
sync, its own error page), the WSGI server's bare 500 remains (README, Install: let the proxy map it).

	BENCH_SITE=... BENCH_BENCH=~/frappe-bench python benchmarks/outages.py redis 8
	BENCH_SITE=... BENCH_BENCH=~/frappe-bench python benchmarks/outages.py database 6
"""

import collections
import json
import os
import subprocess
import sys
import threading
import time

from common import DB_HOST, DB_PASSWORD, DB_USER, URL, admin_session, session

BENCH = os.path.expanduser(os.environ.get("BENCH_BENCH", "~/frappe-bench"))
CLIENTS = {
	"api key": "/api/resource/ToDo",
	"session": "/api/method/my_api_app.api.auth.whoami",
	"guest": "/api/method/ping",
}


def main(what: str, outage: float) -> None:
	admin = admin_session()
	key = admin.post(
		f"{URL}/api/method/my_api_app.api.keys.create_key",
		json={"label": "outages", "scopes": ["*"], "user": os.environ.get("BENCH_USER", "Administrator")},
	)
	sessions = {"api key": session(key.json()["message"]["data"]["authorization"]) if key.ok else admin}
	sessions["session"], sessions["guest"] = admin, session()
	answers: collections.Counter = collections.Counter()
	stop = time.monotonic() + outage + 6

	def poll(name: str) -> None:
		while time.monotonic() < stop:
			try:
				r = sessions[name].get(
					URL + CLIENTS[name], headers={"Accept": "application/json"}, timeout=15
				)
				kind = "json" if "json" in r.headers.get("Content-Type", "") else "other"
				answers[name, r.status_code, kind, r.headers.get("Retry-After")] += 1
			except OSError as error:
				answers[name, type(error).__name__, "", None] += 1
			time.sleep(0.2)

	threads = [threading.Thread(target=poll, args=(name,)) for name in CLIENTS]
	for thread in threads:
		thread.start()
	time.sleep(2)
	(stop_redis if what == "redis" else stop_database)(outage)
	for thread in threads:
		thread.join()
	for (name, status, kind, retry_after), count in sorted(answers.items(), key=str):
		print(f"{name:8} {status} {kind:5} Retry-After={retry_after}: {count}")


def stop_redis(outage: float) -> None:
	with open(os.path.join(BENCH, "sites", "common_site_config.json")) as config:
		port = json.load(config)["redis_cache"].rsplit(":", 1)[1].strip("/")
	subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], check=False)
	time.sleep(outage)
	subprocess.run(["redis-server", "config/redis_cache.conf", "--daemonize", "yes"], cwd=BENCH, check=True)


def stop_database(outage: float) -> None:
	subprocess.run(
		["mysqladmin", f"-u{DB_USER}", f"-p{DB_PASSWORD}", f"-h{DB_HOST}", "shutdown"], check=False
	)
	time.sleep(outage)
	subprocess.run(["service", "mariadb", "start"], check=True, capture_output=True)


if __name__ == "__main__":
	main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 6.0)
