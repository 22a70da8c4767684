"""An API key's whoami served by this checkout against the same served by another checkout (the
landed main's, to compare the brute-force guard and the request flow with what they replace),
on one site, in alternating rounds. Target: this / baseline >= 0.97.

Both checkouts serve the same site from the same bench, each from a gunicorn of its own; the
baseline's is started with its checkout first on the Python path, and the site needs
developer_mode (Frappe then reads each checkout's hooks.py from its own code instead of the
cached hooks of whichever process wrote them first):

	git worktree add /tmp/landed <landed commit>
	bench --site SITE set-config developer_mode 1
	(cd ~/frappe-bench/sites && PYTHONPATH=/tmp/landed ../env/bin/gunicorn -b 127.0.0.1:8001 -w 2 --threads 4 frappe.app:application)
	(cd ~/frappe-bench/sites && ../env/bin/gunicorn -b 127.0.0.1:8000 -w 2 --threads 4 frappe.app:application)
	BENCH_SITE=SITE BENCH_BASELINE_URL=http://127.0.0.1:8001 ~/frappe-bench/env/bin/python benchmarks/guard_overhead.py

The server CPU figure sums both gunicorns (the idle one adds little).
"""

import os
from urllib.parse import urlsplit

import common
from common import URL, admin_session, bench_user, compare, session

BASELINE_URL = os.environ.get("BENCH_BASELINE_URL", "http://127.0.0.1:8001")
common.SERVER_PROCESSES = (*common.SERVER_PROCESSES, urlsplit(BASELINE_URL).netloc)
WHOAMI = "/api/method/my_api_app.api.auth.whoami"


def main():
	admin = admin_session()
	email, _ = bench_user(admin)
	created = admin.post(
		f"{URL}/api/method/my_api_app.api.keys.create_key",
		json={"label": "guard benchmark", "scopes": ["*"], "user": email},
	)
	created.raise_for_status()
	authorization = created.json()["message"]["data"]["authorization"]
	for base in (URL, BASELINE_URL):
		answer = session(authorization).get(base + WHOAMI)
		answer.raise_for_status()
		assert answer.json()["message"]["data"]["user"] == email, base
	print(f"== requests/s: GET {WHOAMI} with an API key ({URL} against {BASELINE_URL})")
	ratio = compare(
		"this checkout", sender(URL, authorization), "baseline", sender(BASELINE_URL, authorization), session
	)
	print(f"target this / baseline >= 0.97: {'met' if ratio >= 0.97 else 'NOT met'}")


def sender(base: str, authorization: str):
	def send(s) -> int:
		return s.get(base + WHOAMI, headers={"Authorization": authorization}).status_code

	return send


if __name__ == "__main__":
	main()
