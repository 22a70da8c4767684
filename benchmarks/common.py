"""Shared by the benchmarks: a site to call and an A/B throughput measurement.

Point them at a running site served by gunicorn with 2 workers, e.g.
	cd ~/frappe-bench/sites && ../env/bin/gunicorn -b 127.0.0.1:8000 -w 2 --threads 4 frappe.app:application
and set BENCH_URL (default http://127.0.0.1:8000), BENCH_SITE, BENCH_ADMIN_PASSWORD; benchmarks that
read MariaDB's status counters also use BENCH_DB_HOST, BENCH_DB_PORT, BENCH_DB_USER, BENCH_DB_PASSWORD
(default root/root on 127.0.0.1:3306).
The benchmark endpoints live in my_api_app.tests.endpoints and exist only while the site config
sets ``my_api_app_test_endpoints`` (and the examples' while ``my_api_app_examples`` is set):
	bench --site SITE set-config my_api_app_test_endpoints 1 --parse
Remove it afterwards (``bench --site SITE set-config my_api_app_test_endpoints None``).
"""

import os
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable

import requests

URL = os.environ.get("BENCH_URL", "http://127.0.0.1:8000")
SITE = os.environ.get("BENCH_SITE", "dev.localhost")
ADMIN_PASSWORD = os.environ.get("BENCH_ADMIN_PASSWORD", "admin")
DB_HOST = os.environ.get("BENCH_DB_HOST", "127.0.0.1")
DB_PORT = int(os.environ.get("BENCH_DB_PORT", "3306"))
DB_USER = os.environ.get("BENCH_DB_USER", "root")
DB_PASSWORD = os.environ.get("BENCH_DB_PASSWORD", "root")


def session(auth: str | None = None) -> requests.Session:
	s = requests.Session()
	s.headers["Host"] = SITE
	if auth:
		s.headers["Authorization"] = auth
	return s


def admin_session() -> requests.Session:
	"""Administrator's session, its password confirmed (a session creates API keys only within
	minutes of confirming it)."""
	s = session()
	s.post(f"{URL}/api/method/login", json={"usr": "Administrator", "pwd": ADMIN_PASSWORD}).raise_for_status()
	s.post(
		f"{URL}/api/method/my_api_app.api.auth.confirm_password", json={"password": ADMIN_PASSWORD}
	).raise_for_status()
	return s


def new_user_token(admin: requests.Session) -> tuple[str, str]:
	"""A new user with a Frappe API key; returns (email, 'token key:secret')."""
	email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
	admin.post(
		f"{URL}/api/resource/User", json={"email": email, "first_name": "Bench", "send_welcome_email": 0}
	).raise_for_status()
	return email, user_token(admin, email)


def bench_user(admin: requests.Session) -> tuple[str, str]:
	"""(email, 'token key:secret') of the user BENCH_USER names, else of a new one (Frappe
	refuses more than 60 new users an hour: set BENCH_USER for repeated runs)."""
	if email := os.environ.get("BENCH_USER"):
		return email, user_token(admin, email)
	return new_user_token(admin)


def user_token(admin: requests.Session, email: str) -> str:
	"""'token key:secret' of a user's Frappe API key; a new secret replaces the user's old one."""
	secret = admin.post(
		f"{URL}/api/method/frappe.core.doctype.user.user.generate_keys", json={"user": email}
	).json()["message"]["api_secret"]
	key = admin.get(f"{URL}/api/resource/User/{email}").json()["data"]["api_key"]
	return f"token {key}:{secret}"


def global_status_reader(names: tuple[str, ...]) -> Callable[[], dict[str, int]]:
	"""A function that reads MariaDB's global status counters ``names`` over TCP: with pymysql
	when it is installed (the bench env has it), otherwise with the ``mysql`` client."""
	query = "SHOW GLOBAL STATUS WHERE Variable_name IN ({})".format(", ".join(f"'{n}'" for n in names))
	try:
		import pymysql
	except ImportError:
		command = ["mysql", "-h", DB_HOST, "-P", str(DB_PORT), "-u", DB_USER, "-N", "-B", "-e", query]
		env = {**os.environ, "MYSQL_PWD": DB_PASSWORD}

		def read() -> dict[str, int]:
			out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
			return {name: int(value) for name, value in (line.split("\t") for line in out.splitlines())}

		return read

	connection = pymysql.connect(
		host=DB_HOST, port=DB_PORT, user=DB_USER, password=DB_PASSWORD, autocommit=True
	)

	def read() -> dict[str, int]:
		with connection.cursor() as cursor:
			cursor.execute(query)
			return {name: int(value) for name, value in cursor.fetchall()}

	return read


def throughput(send: Callable[[requests.Session], int], make_session, seconds: float, clients: int) -> float:
	"""Requests per second over ``seconds`` with ``clients`` threads; any non-2xx aborts."""
	count, elapsed = send_for(send, make_session, seconds, clients)
	return count / elapsed


def send_for(
	send: Callable[[requests.Session], int], make_session, seconds: float, clients: int
) -> tuple[int, float]:
	"""(requests answered, seconds taken) with ``clients`` threads; any non-2xx aborts."""
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
	return sum(counts), time.perf_counter() - start


# The server side of a request on this machine: the gunicorn bound to BENCH_URL's address
# (its master and workers share the command line), MariaDB and Redis.
SERVER_ADDRESS = URL.split("://", 1)[-1].rstrip("/")
SERVER_PROCESSES = (SERVER_ADDRESS, "mariadbd", "mysqld", "redis-server")


def server_cpu_seconds() -> float | None:
	"""CPU time (user + system, every thread) used so far by the processes that serve a
	request (``SERVER_PROCESSES``: command lines found in /proc); None where /proc cannot tell."""
	ticks = os.sysconf("SC_CLK_TCK")
	total = 0
	found = False
	for pid in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else ()):
		try:
			with open(f"/proc/{pid}/cmdline", "rb") as f:
				command = f.read().replace(b"\0", b" ").decode(errors="replace")
			with open(f"/proc/{pid}/stat") as f:
				fields = f.read().rsplit(")", 1)[1].split()
		except OSError:  # gone meanwhile
			continue
		if any(name in command for name in SERVER_PROCESSES):
			total += int(fields[11]) + int(fields[12])  # utime, stime
			found = True
	return total / ticks if found else None


def compare(name_a: str, send_a, name_b: str, send_b, make_session, *, rounds=6, seconds=3.0, clients=8):
	"""A and B in turn (A B A B ...), so drift of the machine hits both alike; prints medians of
	throughput and, where /proc tells, of the server's CPU time per request (gunicorn, MariaDB,
	Redis: steadier than throughput on a machine whose neighbours take its cores)."""
	throughput(send_a, make_session, 1.0, clients)  # warm both up
	throughput(send_b, make_session, 1.0, clients)
	measured: dict[str, tuple[list[float], list[float]]] = {name_a: ([], []), name_b: ([], [])}
	for _ in range(rounds):
		for name, send in ((name_a, send_a), (name_b, send_b)):
			cpu_before = server_cpu_seconds()
			count, elapsed = send_for(send, make_session, seconds, clients)
			cpu_after = server_cpu_seconds()
			rates, cpu = measured[name]
			rates.append(count / elapsed)
			if cpu_before is not None and cpu_after is not None:
				cpu.append((cpu_after - cpu_before) / count * 1e6)
	(a, cpu_a), (b, cpu_b) = measured[name_a], measured[name_b]
	ratios = [x / y for x, y in zip(a, b, strict=True)]
	print(f"{name_a}: median {statistics.median(a):.1f} req/s  (rounds: {', '.join(f'{x:.0f}' for x in a)})")
	print(f"{name_b}: median {statistics.median(b):.1f} req/s  (rounds: {', '.join(f'{x:.0f}' for x in b)})")
	print(
		f"ratio {name_a}/{name_b}: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
	)
	if cpu_a and cpu_b:
		cpu_ratios = [y / x for x, y in zip(cpu_a, cpu_b, strict=True)]
		print(
			f"server CPU per request: {name_a} median {statistics.median(cpu_a):.0f} us, "
			f"{name_b} median {statistics.median(cpu_b):.0f} us; "
			f"ratio {name_b}/{name_a}: median {statistics.median(cpu_ratios):.3f} "
			f"(min {min(cpu_ratios):.3f}, max {max(cpu_ratios):.3f})"
		)
	return statistics.median(ratios)
