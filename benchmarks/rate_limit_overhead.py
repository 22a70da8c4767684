"""What rate limiting costs an /api/ request: requests/s with a limit on against none, and the
Redis commands each request sends.

"On" is a Desk rule (API Rate Limit) on the endpoint's path allowing 10^9 requests an hour,
counted per user (guests per address), so it never refuses; "off" is the same rule disabled, so no
rule matches. Each endpoint has its own rule, switched with PUT between its on and off
measurements (every change invalidates the rules cache); then a few requests check the
RateLimit-Policy header: exactly this rule when on, none when off. Off still looks the rules up
(in the process's copy, no round trip), as every /api/ request does; on adds the limiter's one
EVALSHA.

The rules match only the ``/api/v1/method/...`` spelling of the endpoints, which Frappe and this
app serve exactly like ``/api/method/...``: the site is shared, and a rule on ``/api/method/...ping``
would also limit other clients of it (the rate limit tests assert the exact headers of ping).

1. Requests/s of GET ping as a guest and of GET whoami with a user's Frappe key, limiter on and off
   in alternating rounds (per endpoint on off, off on, on off, ...): medians and the median of each
   round's on / off. Target: on / off >= 0.95.
2. Redis commands per request, over sequential requests on one connection. The site's cache Redis
   (BENCH_REDIS_URL, default redis://127.0.0.1:13000) serves every server of the site, so its
   INFO commandstats count everyone's traffic: the commands are read with MONITOR and only those
   sent on the Redis connections of the server behind BENCH_URL are counted (its processes are the
   ones listening on BENCH_URL's port, found with ``ss``; so run this on the server's machine).
   Commands the limiter's script runs inside Redis are listed apart: they are no round trips.
   INFO commandstats deltas (not reset: CONFIG RESETSTAT would clear other users' counters) give
   the server-wide EVALSHA/EVAL count as a cross-check. Target: 1 EVALSHA of the limiter (on its
   ``:rl:`` keys) per request with the limiter on, 0 off; the request log's push and, with a
   credential, the brute-force guard's check are scripts of their own in both states.
3. The configuration: the server's gunicorn command line, client threads, rounds, seconds.

Needs ``redis-cli`` and ``ss`` on this machine; see benchmarks/common.py for the server. The rules
it creates are deleted at the end. It creates a user, unless BENCH_USER names one to use.

	python benchmarks/rate_limit_overhead.py
"""

import itertools
import os
import re
import statistics
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from common import URL, admin_session, bench_user, session, throughput

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:13000")
PING = "/api/v1/method/my_api_app.tests.endpoints.ping"
WHOAMI = "/api/v1/method/my_api_app.api.auth.whoami"
RULES = f"{URL}/api/resource/API Rate Limit"
LIMIT = 10**9
PERIOD = 3600
COUNTED_PER = "User"  # guests by address
ROUNDS = 10  # each measures on and off
SECONDS = 3.0  # per round, state and endpoint
CLIENTS = 8
WARM_UP_SECONDS = 1.0
CHECKED_REQUESTS = 10  # after each switch, per endpoint
REDIS_REQUESTS = 100  # sequential, per trial, state and endpoint
REDIS_TRIALS = 4  # per state, alternating
MONITOR_LINE = re.compile(r"^\d+\.\d+ \[\d+ ([^\]]+)\] (.*)")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass
class Target:
	path: str
	make_session: Callable
	rule: str = ""
	on: bool = False  # its rule enabled

	@property
	def url(self) -> str:
		return f"{URL}{self.path}"

	def send(self, s) -> int:
		return s.get(self.url).status_code


def main():
	admin = admin_session()
	_, token = bench_user(admin)
	targets = {
		"ping as Guest": Target(PING, session),
		"whoami with Frappe key": Target(WHOAMI, lambda: session(token)),
	}
	tag = uuid.uuid4().hex[:8]
	try:
		for label, target in targets.items():
			target.rule = create_rule(admin, f"bench-{tag}-{label.split()[0]}", target.path)
		print_configuration(targets)
		for label, target in targets.items():
			switch(admin, label, target, on=False)

		measure_throughput(admin, targets)

		redis = RedisCli(REDIS_URL)
		counts = count_redis_commands(admin, targets, redis)
		for label in targets:
			print()
			print_redis_counts(label, targets[label], counts[label])
	finally:
		for target in targets.values():
			if target.rule:
				admin.delete(f"{RULES}/{target.rule}").raise_for_status()
		print(f"\ndeleted rules {', '.join(t.rule for t in targets.values() if t.rule)}")


def create_rule(admin, name: str, path: str) -> str:
	admin.post(
		RULES,
		json={
			"rule_name": name,
			"enabled": 0,
			"path_pattern": path,
			"applies_to": "Everyone",
			"counted_per": COUNTED_PER,
			"limit": LIMIT,
			"period": PERIOD,
		},
	).raise_for_status()
	return name


def switch(admin, label: str, target: Target, *, on: bool):
	"""Enable or disable the endpoint's rule, then check that it answers under exactly that rule."""
	admin.put(f"{RULES}/{target.rule}", json={"enabled": int(on)}).raise_for_status()
	target.on = on
	expected = f'"{target.rule}";q={LIMIT};w={PERIOD}' if on else None
	s = target.make_session()
	for _ in range(CHECKED_REQUESTS):
		response = s.get(target.url)
		policy = response.headers.get("RateLimit-Policy")
		if response.status_code != 200 or policy != expected:
			raise SystemExit(
				f"{label} with the limiter {'on' if on else 'off'}: HTTP {response.status_code}, "
				f"RateLimit-Policy {policy!r}, expected {expected!r} (another enabled rule matches "
				f"{target.path}?)"
			)


def alternating(admin, targets: dict[str, Target], rounds: int):
	"""(round, label, target, state) for each endpoint: on off, off on, on off, ...; the rule is
	switched (once a round) before the state that needs it, so on and off of a round are adjacent."""
	for i in range(rounds):
		for label, target in targets.items():
			for on in (True, False) if i % 2 == 0 else (False, True):
				if target.on != on:
					switch(admin, label, target, on=on)
				yield i, label, target, on


def measure_throughput(admin, targets: dict[str, Target]) -> dict[str, float]:
	rates = {label: {True: [], False: []} for label in targets}
	for _, _, target, _ in alternating(admin, targets, 1):  # warm up
		throughput(target.send, target.make_session, WARM_UP_SECONDS, CLIENTS)
	for _, label, target, on in alternating(admin, targets, ROUNDS):
		rates[label][on].append(throughput(target.send, target.make_session, SECONDS, CLIENTS))

	ratios = {}
	for label, target in targets.items():
		on, off = rates[label][True], rates[label][False]
		print(f"\n== requests/s: GET {target.path} ({label})")
		for name, values in (("limiter on", on), ("limiter off", off)):
			rounds = ", ".join(f"{x:.0f}" for x in values)
			print(f"{name}: median {statistics.median(values):.1f} req/s  (rounds: {rounds})")
		round_ratios = [a / b for a, b in zip(on, off, strict=True)]
		ratios[label] = statistics.median(round_ratios)
		print(
			f"ratio on/off: median {ratios[label]:.3f} (min {min(round_ratios):.3f}, max {max(round_ratios):.3f})"
		)
		print(f"target on / off >= 0.95: {'met' if ratios[label] >= 0.95 else 'NOT met'}")
	return ratios


class RedisCli:
	def __init__(self, url: str):
		self.command = ["redis-cli", "-u", url]
		self.port = urlsplit(url).port or 6379

	def run(self, *args: str) -> str:
		return subprocess.run([*self.command, *args], capture_output=True, text=True, check=True).stdout

	def command_calls(self) -> Counter:
		"""Calls per command since the server's stats were last reset (INFO commandstats)."""
		calls = Counter()
		for match in re.finditer(r"^cmdstat_([^:]+):calls=(\d+)", self.run("info", "commandstats"), re.M):
			calls[match[1].upper()] = int(match[2])
		return calls

	@contextmanager
	def monitor(self):
		"""Collects (client address, command, its first arguments) of every command Redis runs
		inside the block; the client is "lua" for commands a script runs. The list is complete
		once the block exits."""
		process = subprocess.Popen(
			[*self.command, "monitor"], stdout=subprocess.PIPE, text=True, errors="replace"
		)
		if process.stdout.readline().strip() != "OK":
			raise SystemExit("redis-cli monitor did not start")
		marker = f"bench-marker-{uuid.uuid4().hex}"
		seen: list[tuple[str, str, list[str]]] = []
		done = threading.Event()

		def read():
			for line in process.stdout:
				if marker in line:
					done.set()
					return
				if match := MONITOR_LINE.match(line):
					command, *args = (m[1] for m in itertools.islice(QUOTED.finditer(match[2]), 6))
					seen.append((match[1], command.upper(), args))

		reader = threading.Thread(target=read, daemon=True)
		reader.start()
		try:
			yield seen
		finally:
			self.run("echo", marker)
			reader.join(timeout=30)
			process.terminate()
			process.wait()
		if not done.is_set():
			raise SystemExit("redis-cli monitor: the end marker did not arrive")


def listening_pids() -> list[int]:
	"""The processes listening on BENCH_URL's port: gunicorn's master and its workers."""
	port = urlsplit(URL).port or 80
	return sorted({int(pid) for pid in re.findall(r"pid=(\d+)", ss("-ltnpH", f"( sport = :{port} )"))})


def redis_connections(pids: list[int], redis_port: int) -> set[str]:
	"""Local addresses (as MONITOR names clients) of the processes' connections to Redis."""
	out = ss("-tnpH", "state", "established", f"( dport = :{redis_port} )")
	return {
		line.split()[2]
		for line in out.splitlines()
		if any(int(pid) in pids for pid in re.findall(r"pid=(\d+)", line))
	}


def ss(*args: str) -> str:
	try:
		return subprocess.run(["ss", *args], capture_output=True, text=True, check=True).stdout
	except (FileNotFoundError, subprocess.CalledProcessError):
		return ""


def print_configuration(targets: dict[str, Target]):
	print("== configuration")
	pids = listening_pids()
	if pids:
		masters = [pid for pid in pids if parent(pid) not in pids]
		workers = [pid for pid in pids if pid not in masters]
		with open(f"/proc/{masters[0]}/cmdline") as f:
			command = f.read().replace("\0", " ").strip()
		found = {
			name: (match[1] if (match := re.search(rf"(?:{flags})[ =](\d+)", command)) else "?")
			for name, flags in (("workers", "-w|--workers"), ("threads", "--threads"))
		}
		print(
			f"server {URL}: gunicorn with {found['workers']} workers x {found['threads']} threads "
			f"(running: master {', '.join(map(str, masters))}, workers {', '.join(map(str, workers))})"
		)
		print(f"  {command}")
	else:
		print(f"server {URL}: no process on this machine listens on its port")
	print(
		f"client: {CLIENTS} threads, keep-alive sessions; {ROUNDS} rounds, each {SECONDS:g} s per endpoint "
		f"and state (order per endpoint on off, off on, ...); warm-up {WARM_UP_SECONDS:g} s per endpoint "
		f"and state; {CHECKED_REQUESTS} checked requests after each switch of a rule"
	)
	for label, target in targets.items():
		print(
			f"rule {target.rule}: path_pattern {target.path}, applies to Everyone, {LIMIT} per {PERIOD} s, "
			f"counted per {COUNTED_PER} ({label})"
		)
	print(
		f"Redis {REDIS_URL}: {REDIS_REQUESTS} sequential requests on one connection a trial, {REDIS_TRIALS} "
		"trials per state and endpoint (order on/off, off/on, ...)"
	)


def parent(pid: int) -> int:
	with open(f"/proc/{pid}/stat") as f:
		return int(f.read().rsplit(")", 1)[1].split()[1])


def count_redis_commands(admin, targets: dict[str, Target], redis: RedisCli) -> dict:
	"""Per endpoint and state, a list of trials: the commands the server sent, those run inside
	scripts, the server-wide commandstats delta, and whether the server's connections were found."""
	counts = {label: {True: [], False: []} for label in targets}
	pids = listening_pids()
	for _, label, target, on in alternating(admin, targets, REDIS_TRIALS):
		s = target.make_session()
		for _ in range(CHECKED_REQUESTS):
			get(s, target.url)
		before = redis.command_calls()
		with redis.monitor() as seen:
			for _ in range(REDIS_REQUESTS):
				get(s, target.url)
			ours = redis_connections(pids, redis.port)
		wide = redis.command_calls()
		wide.subtract(before)
		sent, inside = attribute(seen, ours)
		if not ours:
			sent = Counter({(command, ""): calls for command, calls in wide.items() if calls})
		counts[label][on].append({"sent": sent, "inside": inside, "wide": wide, "attributed": bool(ours)})
	return counts


def get(s, url: str):
	response = s.get(url)
	if response.status_code != 200:
		raise SystemExit(f"GET {url} failed with HTTP {response.status_code}: {response.text[:300]}")


def attribute(seen: list[tuple[str, str, list[str]]], ours: set[str]) -> tuple[Counter, Counter]:
	"""Commands sent on our connections, by (command, keys), and the commands run by scripts they
	called (MONITOR lists a script's commands, as client "lua", right after the EVALSHA)."""
	sent, inside = Counter(), Counter()
	caller = None
	for client, command, args in seen:
		if client == "lua":
			if caller in ours:
				inside[command] += 1
			continue
		caller = client
		if client in ours:
			sent[command, keys(command, args)] += 1
	return sent, inside


def keys(command: str, args: list[str]) -> str:
	"""The keys (and hash field) a command names, without the site's prefix ("<db name>|")."""
	if command in ("EVALSHA", "EVAL"):
		named = args[2 : 2 + int(args[1])] if len(args) > 1 and args[1].isdigit() else []
	elif command.startswith("H"):
		named = args[:2]
	elif command in ("MGET", "DEL", "UNLINK", "EXISTS", "TOUCH"):
		named = args
	else:
		named = args[:1]
	return " ".join(re.sub(r"^[^|]*\|", "", key) for key in named)


def print_redis_counts(label: str, target: Target, trials: dict):
	"""Per state the trial with the fewest commands: other clients' writes make Frappe refill
	caches, which only adds commands. A row per command, under it a row per key it names at least
	every other request (the rest, such refills, summed in one row)."""
	n = REDIS_REQUESTS
	print(f"== Redis commands per request: GET {target.path} ({label}), {n} sequential requests a trial")
	counts = {}
	for state, name in ((True, "on"), (False, "off")):
		totals = [sum(trial["sent"].values()) for trial in trials[state]]
		counts[state] = trials[state][totals.index(min(totals))]
		print(
			f"limiter {name}: the lowest of {len(totals)} trials; {totals.count(min(totals))} at its total, "
			f"{min(totals) / n:.3f} commands per request (median {statistics.median(totals) / n:.3f})"
		)
	on, off = counts[True]["sent"], counts[False]["sent"]
	if counts[True]["attributed"] and counts[False]["attributed"]:
		print("sent by this server (round trips), from MONITOR:")
	else:
		print(
			"WARNING: the server's Redis connections were not found; SERVER-WIDE commandstats (everyone's):"
		)
	by_command = {command: [] for command, _ in sorted(on.keys() | off.keys())}
	for command, detail in sorted(on.keys() | off.keys()):
		by_command[command].append(detail)

	def total(counter: Counter, command: str) -> int:
		return sum(counter[command, detail] for detail in by_command[command])

	rows = []
	for command in sorted(by_command, key=lambda c: (-total(on, c) - total(off, c), c)):
		rows.append((command, total(on, command), total(off, command)))
		rare_on = rare_off = 0
		for detail in by_command[command]:
			a, b = on[command, detail], off[command, detail]
			if detail and max(a, b) >= n / 2:
				rows.append((f"{'*' if 'my_api_app:' in detail else ' '} {detail}", a, b))
			else:
				rare_on, rare_off = rare_on + a, rare_off + b
		if (rare_on or rare_off) and len(by_command[command]) > 1:
			rows.append(("  other keys, fewer than 1 in 2 requests", rare_on, rare_off))
	rows.append(("all", sum(on.values()), sum(off.values())))
	width = max(len(row[0]) for row in rows) + 2
	print(f"  {'command, keys':<{width}}{'limiter on':>12}{'limiter off':>13}{'on - off':>11}")
	for name, a, b in rows:
		print(f"  {name:<{width}}{a / n:>12.3f}{b / n:>13.3f}{(a - b) / n:>+11.3f}")
	print("  (* keys of this app: the rules cache and the limiter's counters)")
	for name, state in (("on", counts[True]), ("off", counts[False])):
		inside = ", ".join(f"{c} {k / n:.3f}" for c, k in state["inside"].most_common()) or "none"
		print(f"run inside Redis by the script (no round trips), limiter {name}: {inside}")
	for name, state in (("on", counts[True]), ("off", counts[False])):
		wide = state["wide"]
		print(
			f"INFO commandstats delta, limiter {name} (server-wide, all clients): EVALSHA "
			f"{wide['EVALSHA'] / n:.3f}, EVAL {wide['EVAL'] / n:.3f}, all commands "
			f"{sum(wide.values()) / n:.1f} per request"
		)
	# Other features run scripts of their own on every request (the request log's push, the
	# brute-force guard's check when a credential is sent): only the limiter's count here.
	limiter_on = sum(
		k for (command, named), k in on.items() if command in ("EVALSHA", "EVAL") and ":rl:" in named
	)
	limiter_off = sum(
		k for (command, named), k in off.items() if command in ("EVALSHA", "EVAL") and ":rl:" in named
	)
	met = limiter_on == n and limiter_off == 0
	print(
		f"target 1 limiter EVALSHA/EVAL per request on, 0 off: {'met' if met else 'NOT met'} "
		f"({limiter_on / n:.3f} on, {limiter_off / n:.3f} off)"
	)


if __name__ == "__main__":
	main()
