"""Per-request state of the API (``ApiRequest``): the call the request makes, what it reaches,
the request id, the toolkit endpoint being called, the caller and the client address.

The state lives in the request's own WSGI environ, so it is made fresh for every request and
no other request can ever read it, whatever Frappe does or fails to do when a request ends
(Frappe 15 skips ``frappe.destroy`` when an error cannot be rendered, and a worker thread's
``frappe.local`` then keeps the last request's attributes).

``ApiRequest.call`` is the one answer to "what does this request run"
(``shared.rules.dispatch``), and ``ApiRequest.reach`` to "what does it reach" (``shared.rules.closed_world``),
each computed once from the request and the ``form_dict`` Frappe built, before any handler can
change ``form_dict``; scopes, rate limits, the request log, the request id and the error bodies
all ask them.

The request id is the client's ``X-Request-Id`` when it is a sane token, otherwise a new one.
It is echoed on the response to every API call (any /api/ path, or ``cmd`` on any path),
carried in every error body and stored as the ``trace_id`` of the Error Log row written for a
500, so one id finds the traceback.
"""

import random
import re
from functools import lru_cache

import frappe

from my_api_app.shared import frappe_compat, untrusted_proxy
from my_api_app.shared.endpoints import endpoint_for_method
from my_api_app.shared.frappe_world import FrappeWorld
from my_api_app.shared.rules import api_key_format, closed_world, dispatch
from my_api_app.shared.rules import client_ip as client_ip_rules
from my_api_app.shared.rules.errors import ApiError

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The inbound webhook receiver's body is the sender's: its before_request hook drops a ``cmd``
# key on this method's path, so the path's call is what runs.
CMD_DROPPED_ON = frozenset({"my_api_app.api.inbound.receive"})


class ApiRequest:
	"""What the app's hooks know of the request being served: one object in the request's WSGI
	environ, made by the first hook that asks (``current()``), so each hook pays for one lookup
	rather than one per fact.

	- ``call``: what the request runs (``shared.rules.dispatch``), resolved on first use;
	- ``reach``: what the call reaches (``shared.rules.closed_world``), analysed on first use;
	- ``request_id``, ``endpoint``, ``response_headers``: set by ``start`` for API calls;
	- ``noted_error``: an error to answer with its structured body (``note_error``);
	- ``refusal``: the response to an error the app's hooks answered themselves;
	- ``principal``: the API key or JWT caller (``api_keys.principal``), None for any other;
	- ``log_started``: the request log's start time;
	- ``credential``: the ``Authorization`` header's credential, parsed once, before this app's
	  authentication consumes the header;
	- ``past_limit``: the brute-force guard refused the password login (its Retry-After);
	- ``copies_caught_up``: the request has read the committed cache's announcements
	  (``committed_cache.get``: once a request);
	- ``durable_webhooks``, ``webhook_sends``: the durable webhooks by DocType, read once, and
	  the sends this transaction queues when it commits (``webhooks.config``, ``webhooks.events``);
	- ``site_zone``: the site's time zone, read once (``toolkit.response_types``);
	- ``api_job``, ``job_progress_db``: in a job's run, its API Job and the connection its
	  progress is written on (``jobs.runner``).

	Outside a request (a job, a console), the state is the call's own ``frappe.local``'s.
	"""

	__slots__ = (
		"_call",
		"_client_ip",
		"_credential",
		"_reach",
		"api_job",
		"copies_caught_up",
		"durable_webhooks",
		"endpoint",
		"job_progress_db",
		"log_started",
		"noted_error",
		"past_limit",
		"principal",
		"refusal",
		"request_id",
		"response_headers",
		"site_zone",
		"webhook_sends",
	)

	def __init__(self) -> None:
		self._call = None
		self._client_ip = _UNKNOWN
		self._reach = None
		self._credential = _UNKNOWN
		self.api_job: str | None = None
		self.copies_caught_up = False
		self.durable_webhooks: dict | None = None
		self.site_zone = None
		self.webhook_sends: set | None = None
		self.job_progress_db = None
		self.endpoint = None  # its toolkit endpoint's spec (shared.endpoints)
		self.log_started: tuple[float, float] | None = None
		self.noted_error: ApiError | None = None
		self.past_limit: int | None = None  # a login refused past the guard's limit: its Retry-After
		self.principal = None
		self.refusal = None  # the response of an error the app's hooks answered (error_response.refuse)
		self.request_id: str | None = None
		self.response_headers: dict[str, str] = {}

	@property
	def call(self) -> dispatch.Call:
		"""What this request runs, computed from the request and the ``form_dict`` Frappe built
		when first asked (by the first before_request hook, or by after_request when Frappe
		failed before any before_request hook ran)."""
		call = self._call
		if call is None:
			request = frappe.local.request
			call = self._call = dispatch.resolve(
				request.method,
				request.path,
				frappe.local.form_dict or {},
				match=frappe_compat.match_api_route,
				cmd_dropped_on=CMD_DROPPED_ON,
			)
		return call

	@property
	def reach(self) -> closed_world.Reach:
		"""What the call reaches (its endpoint, the DocTypes it reads or writes, or why that
		cannot be proven), from the ``form_dict`` Frappe built, before any handler changes it."""
		reach = self._reach
		if reach is None:
			reach = self._reach = closed_world.analyse(self.call, frappe.local.form_dict or {}, FrappeWorld())
		return reach

	@property
	def credential(self) -> api_key_format.Presented | None:
		"""The credential the ``Authorization`` header presents, parsed once (before this app's
		authentication takes the header away): the guard, authentication and the log ask it."""
		credential = self._credential
		if credential is _UNKNOWN:
			secret_header = frappe.local.request.environ.get("HTTP_AUTHORIZATION")  # the header's value
			credential = self._credential = api_key_format.presented(secret_header) if secret_header else None
		return credential

	@property
	def client_ip(self) -> str | None:
		"""The caller's address: ``X-Forwarded-For`` is believed only from the proxies listed in
		the site config's ``my_api_app_trusted_proxies`` (addresses or CIDR ranges)."""
		address = self._client_ip
		if address is _UNKNOWN:
			request = frappe.request
			forwarded_for = request.headers.get("X-Forwarded-For")
			trusted = _trusted_proxies(_config_entries(frappe.conf.get("my_api_app_trusted_proxies")))
			address = self._client_ip = client_ip_rules.client_ip(request.remote_addr, forwarded_for, trusted)
			if forwarded_for and client_ip_rules.behind_an_untrusted_proxy(
				request.remote_addr, forwarded_for, trusted
			):
				untrusted_proxy.seen(request.remote_addr)
		return address


_UNKNOWN = object()


STATE_KEY = "my_api_app.request"


def _environ() -> dict | None:
	"""The WSGI environ of the request being served (None outside a request: a job, a console)."""
	return getattr(getattr(frappe.local, "request", None), "environ", None)


def current() -> ApiRequest:
	"""This request's ``ApiRequest``, made on first ask. Outside a request (an endpoint called
	from Python), a state of the call's own ``frappe.local``."""
	environ = _environ()
	if environ is None:
		state = getattr(frappe.local, "my_api_app_request", None)
		if state is None:
			state = frappe.local.my_api_app_request = ApiRequest()
		return state
	state = environ.get(STATE_KEY)
	if state is None:
		state = environ[STATE_KEY] = ApiRequest()
	return state


def peek() -> ApiRequest | None:
	"""This request's ``ApiRequest`` if a hook made one (None in a job, or before the hooks ran)."""
	environ = _environ()
	if environ is None:
		return getattr(frappe.local, "my_api_app_request", None)
	return environ.get(STATE_KEY)


def start(state: ApiRequest, request) -> None:
	"""An API call: its request id and the toolkit endpoint it calls. A request id names a
	request in logs and is no secret: 128 bits from the process's own generator (reseeded in
	each forked worker), which asks the kernel for nothing."""
	incoming = request.environ.get("HTTP_X_REQUEST_ID", "")
	state.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else f"{random.getrandbits(128):032x}"
	call = state.call
	state.endpoint = endpoint_for_method(call.method) if call.kind == dispatch.METHOD else None


def request_id() -> str | None:
	state = peek()
	return state.request_id if state else None


def current_endpoint():
	state = peek()
	return state.endpoint if state else None


def note_error(error: ApiError) -> None:
	"""An error found in a hook or deep inside Frappe (a failed credential, a scope a
	permission hook denied): if the request ends with its status, ``after_request`` answers it
	with this structured body, whatever the path."""
	current().noted_error = error


def noted_error() -> ApiError | None:
	state = peek()
	return state.noted_error if state else None


def add_response_headers(headers: dict[str, str]) -> None:
	"""Headers for this request's response (sent on API calls)."""
	current().response_headers.update(headers)


def client_ip() -> str | None:
	"""The caller's address (``ApiRequest.client_ip``)."""
	return current().client_ip


def _config_entries(value) -> str | tuple[str, ...]:
	"""The config value in a hashable form: a string (one entry per line) or a list."""
	return value if isinstance(value, str) else tuple(value or ())


@lru_cache(maxsize=8)
def _trusted_proxies(entries: str | tuple[str, ...]) -> tuple:
	return client_ip_rules.parse_networks(entries)
