"""An app API Key against the same user's Frappe key: requests/s, database queries per request,
and revocation taking effect on the next request.

1. Requests/s of GET my_api_app.api.auth.whoami and of GET /api/resource/ToDo/<name> (reads a
   document) with ``Authorization: token mak_...:mas_...`` and with ``token <api_key>:<api_secret>``
   of the same user, in alternating rounds. Target: API Key / Frappe key >= 1.0.
2. Database queries per request on a warm cache, from MariaDB's global status counters
   (Com_select, Com_insert, Com_update, Com_delete): their delta over N sequential requests
   divided by N, less what reading the counters costs (an empty interval). Target: 0 for the
   API Key on whoami. The counters count every client of the server and other clients only add
   to them, so each figure is the lowest of several trials; the output says how many agree.
3. Revocation over HTTP: the very next request with the key answers 401, also while other
   clients are using the key when it is revoked.

Reading the counters needs MariaDB's root user (BENCH_DB_*); see benchmarks/common.py for the
setup. The benchmark creates a user, unless BENCH_USER names one to use (Frappe refuses to create
more than 60 users an hour, its ``throttle_user_limit``). Run it with the bench env's python, which
has pymysql (otherwise the ``mysql`` client is used):

	~/frappe-bench/env/bin/python benchmarks/api_key_auth.py
"""

import statistics
import threading
import time

from common import URL, admin_session, bench_user, compare, global_status_reader, session

WHOAMI = f"{URL}/api/method/my_api_app.api.auth.whoami"
CREATE_KEY = f"{URL}/api/method/my_api_app.api.keys.create_key"
REVOKE_KEY = f"{URL}/api/method/my_api_app.api.keys.revoke_key"
COUNTERS = ("Com_select", "Com_insert", "Com_update", "Com_delete")
WARM_UP = 20  # requests per endpoint and credential before counting
REQUESTS_PER_TRIAL = 20
TRIALS = 15
REVOKE_UNDER_LOAD = 5  # keys revoked while clients use them
LOAD_CLIENTS = 6


def main():
	admin = admin_session()
	email, frappe_token = bench_user(admin)
	key = create_key(admin, email)
	todo = admin.post(f"{URL}/api/resource/ToDo", json={"description": "bench", "allocated_to": email})
	todo.raise_for_status()
	endpoints = {"whoami": WHOAMI, "read ToDo": f"{URL}/api/resource/ToDo/{todo.json()['data']['name']}"}
	credentials = {"API Key": key["authorization"], "Frappe key": frappe_token}
	check_identity(email, credentials)

	ratios = {}
	for label, url in endpoints.items():
		print(f"\n== requests/s: GET {url.removeprefix(URL)}")
		ratios[label] = compare(
			"API Key", sender(url, credentials["API Key"]), "Frappe key", sender(url, frappe_token), session
		)
	for label, ratio in ratios.items():
		print(f"target API Key / Frappe key >= 1.0 on {label}: {'met' if ratio >= 1.0 else 'NOT met'}")

	print(f"\n== database queries per request (warm cache, {REQUESTS_PER_TRIAL} sequential requests a trial)")
	per_request = queries_per_request(endpoints, credentials)
	whoami = per_request["whoami", "API Key"]
	print(f"target 0 for the API Key on whoami: {'met' if whoami == 0 else f'NOT met ({whoami:.2f})'}")

	print("\n== revocation")
	check_revocation(admin, key)
	check_revocation_under_load(admin, email)


def create_key(admin, user: str) -> dict:
	created = admin.post(CREATE_KEY, json={"label": "benchmark", "scopes": ["*"], "user": user})
	created.raise_for_status()
	return created.json()["message"]["data"]


def sender(url: str, authorization: str):
	def send(s) -> int:
		return s.get(url, headers={"Authorization": authorization}).status_code

	return send


def get(s, url: str, authorization: str):
	response = s.get(url, headers={"Authorization": authorization})
	if response.status_code != 200:
		raise SystemExit(f"GET {url} failed with HTTP {response.status_code}: {response.text[:300]}")
	return response


def check_identity(email: str, credentials: dict[str, str]):
	"""Both credentials are the same user, each authenticated by its own mechanism."""
	expected = {"API Key": "api_key", "Frappe key": "frappe"}
	for name, authorization in credentials.items():
		who = get(session(), WHOAMI, authorization).json()["message"]["data"]
		print(f"{name}: user {who['user']}, authenticated_by {who['authenticated_by']}")
		if who["user"] != email or who["authenticated_by"] != expected[name]:
			raise SystemExit(f"{name} did not authenticate as {email} by {expected[name]}")


def queries_per_request(endpoints: dict[str, str], credentials: dict[str, str]) -> dict:
	"""Queries per request of each (endpoint, credential), in turn within each trial."""
	read = global_status_reader(COUNTERS)
	s = session()
	cases = [(endpoint, credential) for endpoint in endpoints for credential in credentials]
	for endpoint, credential in cases:
		for _ in range(WARM_UP):
			get(s, endpoints[endpoint], credentials[credential])
	empty = []
	deltas = {case: [] for case in cases}
	for _ in range(TRIALS):
		before = read()
		empty.append(difference(read(), before))
		for endpoint, credential in cases:
			before = read()
			for _ in range(REQUESTS_PER_TRIAL):
				get(s, endpoints[endpoint], credentials[credential])
			deltas[endpoint, credential].append(difference(read(), before))

	own = min(empty, key=lambda counts: sum(counts.values()))
	print(f"reading the counters costs (empty interval, lowest of {TRIALS}): {describe(own)}")
	print(
		"the counters are server-wide and other clients only add to them: each line is the lowest "
		f"of {TRIALS} trials"
	)
	result = {}
	for case in cases:
		trials = [
			{name: (counts[name] - own[name]) / REQUESTS_PER_TRIAL for name in COUNTERS}
			for counts in deltas[case]
		]
		totals = [sum(trial.values()) for trial in trials]
		lowest = min(range(TRIALS), key=totals.__getitem__)
		agree = sum(total == totals[lowest] for total in totals)
		print(
			f"{case[1]:<10} {case[0]:<9}  {totals[lowest]:.2f} queries/request ({describe(trials[lowest])}); "
			f"{agree}/{TRIALS} trials at this value, median {statistics.median(totals):.2f}"
		)
		result[case] = totals[lowest]
	return result


def difference(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
	return {name: after[name] - before[name] for name in COUNTERS}


def describe(counts: dict) -> str:
	return ", ".join(f"{name.removeprefix('Com_')} {value:g}" for name, value in counts.items())


def revoke(admin, key: dict):
	revoked = admin.post(REVOKE_KEY, json={"api_key": key["name"], "reason": "benchmark"})
	revoked.raise_for_status()
	if not revoked.json()["message"]["data"]["revoked"]:
		raise SystemExit(f"revoke_key did not revoke {key['name']}")


def check_revocation(admin, key: dict):
	"""Revoke, then the very next request (on the same connection), and more on new connections."""
	s = session()
	before = s.get(WHOAMI, headers={"Authorization": key["authorization"]})
	revoke(admin, key)
	after = s.get(WHOAMI, headers={"Authorization": key["authorization"]})
	later = [
		session().get(WHOAMI, headers={"Authorization": key["authorization"]}).status_code for _ in range(10)
	]
	print(f"{key['name']}: HTTP {before.status_code} before revoke_key")
	print(f"next request after revoke_key: HTTP {after.status_code} {after.text}")
	print(f"10 more on new connections: {', '.join(map(str, later))}")
	ok = after.status_code == 401 and set(later) == {401}
	print(f"revocation takes effect on the next request: {'yes' if ok else 'NO'}")


def check_revocation_under_load(admin, email: str):
	"""Revoke keys that clients are using: every request sent after revoke_key answered must be
	401, and stay so once the load has stopped."""
	print(f"revoking {REVOKE_UNDER_LOAD} keys while {LOAD_CLIENTS} clients use each:")
	failed = 0
	for _ in range(REVOKE_UNDER_LOAD):
		key = create_key(admin, email)
		stop = threading.Event()
		revoked_at = [float("inf")]
		accepted_after = []

		def use():
			s = session()
			while not stop.is_set():
				sent = time.perf_counter()
				status = s.get(WHOAMI, headers={"Authorization": key["authorization"]}).status_code
				if status == 200 and sent > revoked_at[0]:
					accepted_after.append(sent)

		clients = [threading.Thread(target=use) for _ in range(LOAD_CLIENTS)]
		for client in clients:
			client.start()
		time.sleep(0.3)
		revoke(admin, key)
		revoked_at[0] = time.perf_counter()
		time.sleep(0.5)
		stop.set()
		for client in clients:
			client.join()
		quiet = [
			session().get(WHOAMI, headers={"Authorization": key["authorization"]}).status_code
			for _ in range(5)
		]
		ok = not accepted_after and set(quiet) == {401}
		failed += not ok
		print(
			f"  {key['name']}: {len(accepted_after)} requests sent after revoke_key answered 200; "
			f"after the load: {', '.join(map(str, quiet))}{'' if ok else '  <- revoked key still accepted'}"
		)
		if not ok:  # deleting the key drops its cached record: leave no usable revoked key behind
			admin.delete(f"{URL}/api/resource/API Key/{key['name']}").raise_for_status()
	print(
		f"revocation under load holds: {'yes' if not failed else f'NO ({failed}/{REVOKE_UNDER_LOAD} keys)'}"
	)


if __name__ == "__main__":
	main()
