"""The closed world's cost: a scoped API key's list read against a ``*`` key's same read.

A key scoped to ``doctype:ToDo:read`` is checked before Frappe runs anything: the route is
resolved, the DocType's meta read and every argument (``fields``, ``filters``, ``order_by``)
parsed into the closed grammar (``shared.rules.closed_world``). A ``*`` key skips all that. Both read
the same rows of the same user, in alternating rounds on one gunicorn. Target: scoped / ``*``
>= 0.97 (median of the per-round ratios; the server CPU per request is printed too).

	BENCH_SITE=... BENCH_ADMIN_PASSWORD=... ~/frappe-bench/env/bin/python benchmarks/closed_world.py
"""

import json

from common import URL, admin_session, bench_user, compare, session

CREATE_KEY = f"{URL}/api/method/my_api_app.api.keys.create_key"
QUERY = {
	"fields": json.dumps(["name", "description", "status", "priority", "date", "allocated_to"]),
	"filters": json.dumps([["status", "=", "Open"], ["priority", "in", ["Medium", "High"]]]),
	"order_by": "modified desc",
	"limit_page_length": "20",
}


def main():
	admin = admin_session()
	email, _ = bench_user(admin)
	for n in range(40):
		admin.post(
			f"{URL}/api/resource/ToDo",
			json={"description": f"closed world {n}", "allocated_to": email, "priority": "Medium"},
		).raise_for_status()
	scoped = create_key(admin, email, ["doctype:ToDo:read"])
	full = create_key(admin, email, ["*"])
	url = f"{URL}/api/resource/ToDo"
	for authorization in (scoped, full):
		answer = session(authorization).get(url, params=QUERY)
		answer.raise_for_status()
		assert answer.json()["data"], "the read returns rows"
	print(f"== requests/s: GET /api/resource/ToDo with {', '.join(QUERY)}")
	ratio = compare("scoped key", sender(url, scoped), "* key", sender(url, full), session)
	print(f"target scoped / * >= 0.97: {'met' if ratio >= 0.97 else 'NOT met'}")


def create_key(admin, user: str, scopes: list[str]) -> str:
	created = admin.post(CREATE_KEY, json={"label": "closed world benchmark", "scopes": scopes, "user": user})
	created.raise_for_status()
	return created.json()["message"]["data"]["authorization"]


def sender(url: str, authorization: str):
	def send(s) -> int:
		return s.get(url, params=QUERY, headers={"Authorization": authorization}).status_code

	return send


if __name__ == "__main__":
	main()
