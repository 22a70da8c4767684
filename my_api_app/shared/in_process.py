"""Requests through Frappe's real WSGI application, in process: the hooks, authentication, the
toolkit, commit or rollback, on a thread of their own as a web worker serves them, answered as
buffered responses. The console sends its calls this way, and the bench tests theirs
(``my_api_app.testing``). Data a request should see must be committed first."""

import threading

from werkzeug.test import Client, TestResponse


def on_one_thread(requests: list[dict], site: str | None = None) -> list[TestResponse]:
	"""Send requests one after another on one new thread, as a gunicorn worker thread serves
	them (``frappe.local`` is the thread's own; the WSGI app must leave nothing of one request to
	the next). Each item: ``path``, and ``method``, ``headers``, ``remote_addr`` and werkzeug
	``open`` arguments. Pass ``site`` when calling from a thread of the caller's own."""
	import frappe.app

	site = site or frappe.local.site
	outcome: dict = {"responses": []}

	def send():
		client = Client(frappe.app.application, use_cookies=False)  # a Cookie header is sent as given
		try:
			for spec in requests:
				spec = dict(spec)
				headers = {"X-Frappe-Site-Name": site, **(spec.pop("headers", None) or {})}
				outcome["responses"].append(
					client.open(
						spec.pop("path"),
						method=spec.pop("method", "GET"),
						headers=headers,
						environ_base={"REMOTE_ADDR": spec.pop("remote_addr", "127.0.0.1")},
						buffered=True,  # the request ends (and frappe.destroy runs) on that thread
						**spec,
					)
				)
		except BaseException as error:
			outcome["error"] = error

	thread = threading.Thread(target=send)
	thread.start()
	thread.join()
	if "error" in outcome:
		raise outcome["error"]
	return outcome["responses"]


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
	"""One request (``auth``: a Frappe key pair, sent as ``Authorization: token key:secret``)."""
	all_headers = dict(headers or {})
	if auth:
		all_headers["Authorization"] = f"token {auth[0]}:{auth[1]}"
	request = {"method": method, "path": path, "json": json, "data": data, "query_string": query}
	[response] = on_one_thread([{**request, "headers": all_headers, "remote_addr": remote_addr}], site)
	return response
