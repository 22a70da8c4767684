"""One request through Frappe's real WSGI application, in process: the hooks, authentication,
the toolkit, commit or rollback, in a thread of its own as a web worker would, answered as a
buffered response. The console sends its calls this way, and the bench tests theirs
(``my_api_app.testing``). Data the request should see must be committed first."""

import threading

import frappe
from werkzeug.test import Client, TestResponse


def api_request(
	method: str,
	path: str,
	*,
	json=None,
	data=None,
	query: dict | None = None,
	headers: dict | None = None,
	auth: tuple[str, str] | None = None,
	remote_addr: str = "127.0.0.1",
	site: str | None = None,
) -> TestResponse:
	import frappe.app

	site = site or frappe.local.site  # pass it when calling from a thread of the test's own
	all_headers = {"X-Frappe-Site-Name": site, **(headers or {})}
	if auth:
		all_headers["Authorization"] = f"token {auth[0]}:{auth[1]}"
	outcome = {}

	def send():
		client = Client(frappe.app.application, use_cookies=False)  # a Cookie header is sent as given
		try:
			outcome["response"] = client.open(
				path,
				method=method,
				json=json,
				data=data,
				query_string=query,
				headers=all_headers,
				environ_base={"REMOTE_ADDR": remote_addr},
				buffered=True,  # the request ends (and frappe.destroy runs) in this thread
			)
		except BaseException as e:
			outcome["error"] = e

	thread = threading.Thread(target=send)
	thread.start()
	thread.join()
	if "error" in outcome:
		raise outcome["error"]
	return outcome["response"]
