"""Requests/s of a toolkit endpoint against a bare @frappe.whitelist doing the same work.

Both read a ToDo after the same checks (length of ``name``, the document exists, read
permission) and answer the same envelope; the toolkit declares them, the bare one writes
them by hand. Target: toolkit / bare >= 0.95. See benchmarks/common.py for the setup.

	python benchmarks/toolkit_overhead.py
"""

from common import URL, admin_session, compare, new_user_token, session

TOOLKIT = f"{URL}/api/method/my_api_app.tests.endpoints.toolkit_read_todo"
BARE = f"{URL}/api/method/my_api_app.tests.endpoints.bare_read_todo"


def main():
	admin = admin_session()
	email, token = new_user_token(admin)
	todo = admin.post(f"{URL}/api/resource/ToDo", json={"description": "bench", "allocated_to": email})
	todo.raise_for_status()
	payload = {"name": todo.json()["data"]["name"]}

	def toolkit(s):
		return s.post(TOOLKIT, json=payload).status_code

	def bare(s):
		return s.post(BARE, json=payload).status_code

	compare("toolkit", toolkit, "bare whitelist", bare, lambda: session(token))


if __name__ == "__main__":
	main()
