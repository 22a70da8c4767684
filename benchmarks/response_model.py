"""Requests/s of an endpoint answering 50 rows through its response model (``list[Todo]``:
validated, filtered and serialised by pydantic) against the same endpoint answering them
unchecked (``unchecked_response``: Frappe serialises the rows as they are). Both read the same
50 ToDos. Target: model / unchecked >= 0.95. See benchmarks/common.py for the setup.

	python benchmarks/response_model.py
"""

from common import URL, admin_session, bench_user, compare, session

MODEL = f"{URL}/api/method/my_api_app.tests.endpoints.fifty_todos"
UNCHECKED = f"{URL}/api/method/my_api_app.tests.endpoints.fifty_todos_unchecked"
ROWS = 50


def main():
	admin = admin_session()
	email, token = bench_user(admin)
	for number in range(ROWS):
		admin.post(
			f"{URL}/api/resource/ToDo",
			json={"description": f"response model bench {number}", "allocated_to": email, "priority": "Low"},
		).raise_for_status()
	rows = session(token).get(MODEL).json()["message"]["data"]
	assert len(rows) == ROWS, len(rows)
	unchecked = session(token).get(UNCHECKED).json()["message"]["data"]
	assert [row["name"] for row in unchecked] == [row["name"] for row in rows]

	def model(s):
		return s.get(MODEL).status_code

	def plain(s):
		return s.get(UNCHECKED).status_code

	compare("response model", model, "unchecked", plain, lambda: session(token))


if __name__ == "__main__":
	main()
