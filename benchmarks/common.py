"""Shared by the benchmarks: a site to call and an A/B throughput measurement.

Point them at a running site served by gunicorn with 2 workers, e.g.
	cd ~/frappe-bench/sites && ../env/bin/gunicorn -b 127.0.0.1:8000 -w 2 --threads 4 frappe.app:application
and set BENCH_URL (default http://127.0.0.1:8000), BENCH_SITE, BENCH_ADMIN_PASSWORD.
The site must have allow_tests set: the benchmark endpoints live in my_api_app.tests.endpoints.
"""

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable

import requests

URL = os.environ.get("BENCH_URL", "http://127.0.0.1:8000")
SITE = os.environ.get("BENCH_SITE", "dev.localhost")
ADMIN_PASSWORD = os.environ.get("BENCH_ADMIN_PASSWORD", "admin")


def session(auth: str | None = None) -> requests.Session:
	s = requests.Session()
	s.headers["Host"] = SITE
	if auth:
		s.headers["Authorization"] = auth
	return s


def admin_session() -> requests.Session:
	s = session()
	s.post(f"{URL}/api/method/login", json={"usr": "Administrator", "pwd": ADMIN_PASSWORD}).raise_for_status()
	return s


def new_user_token(admin: requests.Session) -> tuple[str, str]:
	"""A new user with a Frappe API key; returns (email, 'token key:secret')."""
	email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
	admin.post(
		f"{URL}/api/resource/User", json={"email": email, "first_name": "Bench", "send_welcome_email": 0}
	).raise_for_status()
	secret = admin.post(
		f"{URL}/api/method/frappe.core.doctype.user.user.generate_keys", json={"user": email}
	).json()["message"]["api_secret"]
	key = admin.get(f"{URL}/api/resource/User/{email}").json()["data"]["api_key"]
	return email, f"token {key}:{secret}"


def throughput(send: Callable[[requests.Session], int], make_session, seconds: float, clients: int) -> float:
	"""Requests per second over ``seconds`` with ``clients`` threads; any non-2xx aborts."""
	stop = time.perf_counter() + seconds
	counts = [0] * clients
	failures: list[int] = []

	def run(i: int):
		s = make_session()
		while time.perf_counter() < stop:
			status = send(s)
			if not 200 <= status < 300:
				failures.append(status)
				return
			counts[i] += 1

	threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
	start = time.perf_counter()
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	if failures:
		raise SystemExit(f"benchmark request failed with HTTP {failures[0]}")
	return sum(counts) / (time.perf_counter() - start)


def compare(name_a: str, send_a, name_b: str, send_b, make_session, *, rounds=6, seconds=3.0, clients=8):
	"""A and B in turn (A B A B ...), so drift of the machine hits both alike; prints medians."""
	throughput(send_a, make_session, 1.0, clients)  # warm both up
	throughput(send_b, make_session, 1.0, clients)
	a, b = [], []
	for _ in range(rounds):
		a.append(throughput(send_a, make_session, seconds, clients))
		b.append(throughput(send_b, make_session, seconds, clients))
	ratios = [x / y for x, y in zip(a, b, strict=True)]
	print(f"{name_a}: median {statistics.median(a):.1f} req/s  (rounds: {', '.join(f'{x:.0f}' for x in a)})")
	print(f"{name_b}: median {statistics.median(b):.1f} req/s  (rounds: {', '.join(f'{x:.0f}' for x in b)})")
	print(
		f"ratio {name_a}/{name_b}: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
	)
	return statistics.median(ratios)
