"""What installing the app costs a request it has nothing to do with: Frappe's own
``/api/method/ping`` on a site with my_api_app against a site without it, on the same gunicorn.

Every request to a site with the app runs its hooks: the resolver (what the request runs), the
request id, the brute-force guard's check, this app's authentication, the rate-limit hook and
the request log. A guest ping costs none of them a Redis round trip: the rules and the log
switch are the process's own copies (core.local_copies). The two sites are served by one gunicorn (chosen by the Host header), so both
share the same workers and the same machine drift; the sends alternate in rounds (A B A B …).
Goal: with-app / without-app >= 0.97.

Set up a second site without the app, and serve both:

	cd ~/frappe-bench && bench new-site bare.localhost --admin-password admin --db-root-password root
	cd sites && ../env/bin/gunicorn -b 127.0.0.1:8000 -w 2 --threads 4 frappe.app:application
	BENCH_SITE=dev.localhost BENCH_BARE_SITE=bare.localhost python benchmarks/app_overhead.py

Both sites must have the same site config apart from the app (developer_mode especially: it
changes what Frappe itself caches), or the ratio measures the difference between them.
BENCH_ROUNDS (default 10) and BENCH_SECONDS (default 3) set the length.
"""

import os

from common import SITE, URL, compare, session

BARE_SITE = os.environ.get("BENCH_BARE_SITE", "bare.localhost")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
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


if __name__ == "__main__":
	main()
