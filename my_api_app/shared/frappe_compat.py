"""Frappe's internals as this app uses them, on Frappe 15 and Frappe 16: the one module that
knows where they live and how they differ. Nothing else in the app checks Frappe's version.
"""

from functools import cache, lru_cache

import frappe

FRAPPE_MAJOR = int(frappe.__version__.split(".")[0])

# What a has_permission hook returns for "no opinion: ask the others". Frappe 15 reads None so
# and True as "allowed, ask no one else"; Frappe 16 reads None as a denial and True as "go on".
# The app's hooks deny by raising, so this is all they ever return.
NO_OPINION = None if FRAPPE_MAJOR < 16 else True

# Frappe 16's System Settings field that switches its own API Request Log (Frappe 15 has none).
FRAPPE_API_LOG_SWITCH = "log_api_requests" if FRAPPE_MAJOR >= 16 else None


def __getattr__(name: str):
	"""``IntegrationTestCase``: the base of the app's bench tests, imported only when a test asks
	(``frappe.tests`` is test code). Frappe 15's ``FrappeTestCase``; on Frappe 16, whose test runner
	prepares (``before_tests`` hooks, test records) only ``IntegrationTestCase`` subclasses and
	direct ``FrappeTestCase`` subclasses, ``IntegrationTestCase``."""
	if name != "IntegrationTestCase":
		raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
	if FRAPPE_MAJOR >= 16:
		from frappe.tests import IntegrationTestCase
	else:
		from frappe.tests.utils import FrappeTestCase as IntegrationTestCase
	return IntegrationTestCase


def overridden_method(dotted: str) -> str:
	"""The method Frappe runs for ``dotted``: the last ``override_whitelisted_methods`` entry."""
	overrides = _hook("override_whitelisted_methods", {}).get(dotted)
	return overrides[-1] if overrides else dotted


def _hook(name: str, default):
	"""``frappe.get_hooks(name, default)``, read as Frappe reads it. Frappe 15 copies every hook
	of every app on each call (outside developer mode, from the request's copy of the cached
	hooks); this reads that cached copy itself. Callers must not change what it answers."""
	if FRAPPE_MAJOR >= 16 or frappe.conf.developer_mode:
		return frappe.get_hooks(name, default)
	return frappe.cache.get_value("app_hooks", frappe._load_app_hooks).get(name, default)


def is_server_script_api(dotted: str) -> bool:
	"""Whether a Server Script API method of this name runs instead of any Python function."""
	from frappe.core.doctype.server_script.server_script_utils import get_server_script_map

	return dotted in get_server_script_map().get("_api", {})


def whitelisted_function(dotted: str):
	"""The function Frappe's handler runs for ``dotted`` (``frappe.handler.get_attr``: an
	installed app's function by its dotted path, importing its module as Frappe would a moment
	later; a bare name from ``frappe.handler`` itself), or None when there is none."""
	import frappe.handler

	if "." not in dotted:
		return getattr(frappe.handler, dotted, None)
	try:
		return frappe.get_attr(dotted)
	except Exception:
		return None


def doctype_module(doctype: str) -> str | None:
	"""The dotted path of a DocType's controller module (v2 ``/api/v2/method/<DocType>/<m>``)."""
	from frappe.modules.utils import load_doctype_module

	try:
		return load_doctype_module(doctype).__name__
	except Exception:
		return None


def meta(doctype: str):
	"""The DocType's meta, or None when there is no DocType of that name."""
	try:
		return frappe.get_meta(doctype)
	except frappe.DoesNotExistError:
		return None


def add_cors_headers(response) -> None:
	"""The CORS headers Frappe adds to the responses it builds (site config ``allow_cors``), for
	a response the app answers itself."""
	from frappe.app import set_cors_headers

	set_cors_headers(response)


def count_rows(doctype: str, filters) -> int:
	"""Rows of ``doctype`` matching ``filters`` that the session user may read."""
	if FRAPPE_MAJOR >= 16:
		# Frappe 16's own get_count counts with the caller's permissions (and its query engine
		# refuses SQL functions written as strings)
		from frappe.client import get_count

		return get_count(doctype, filters)
	rows = frappe.get_list(doctype, filters=filters, fields=["count(*) as count"], as_list=True)
	return rows[0][0] if rows else 0


def keep_www_authenticate(response) -> None:
	"""The response keeps the ``WWW-Authenticate`` the app gave it. Frappe 16 replaces it on
	every 401 and 403 after the after_request hooks (OAuth protected-resource metadata), then
	applies ``frappe.local.response_headers``, which therefore keeps the app's value."""
	if FRAPPE_MAJOR < 16 or response.status_code not in (401, 403):
		return
	value = response.headers.get("WWW-Authenticate")
	if value is not None:
		frappe.local.response_headers["WWW-Authenticate"] = value


def rq_job_id(job_id: str) -> str:
	"""The id RQ knows the job ``job_id`` (``frappe.enqueue(job_id=...)``) by: Frappe's own
	``site::id`` (15) or ``site||id`` with ``:`` as ``|`` (16)."""
	from frappe.utils.background_jobs import create_job_id

	return create_job_id(job_id)


def set_test_mode(on: bool) -> None:
	"""Frappe's "tests are running" switch (Frappe 16 reads ``frappe.in_test``, 15 the flag)."""
	frappe.local.flags.in_test = on
	if FRAPPE_MAJOR >= 16:
		frappe.in_test = on


def frappe_webhooks_cache():
	"""Where Frappe keeps ``webhooks``, its map of the enabled webhooks its sender sends: each
	process's ``client_cache`` on Frappe 16 (dropped in the others through Redis), Redis on 15."""
	return frappe.client_cache if FRAPPE_MAJOR >= 16 else frappe.cache


def forget_frappe_webhooks() -> None:
	"""Frappe's sender reloads its map of the webhooks it sends."""
	frappe_webhooks_cache().delete_value("webhooks")


def reread_module_map() -> None:
	"""Frappe keeps each app's modules (from modules.txt) in Redis (and on 16 in each process's
	``client_cache``) and in the process that migrates, read before the migration starts: a patch
	that changes the app's modules has them read again, or the sync looks for the old ones."""
	for key in ("app_modules", "installed_app_modules"):
		frappe.cache.delete_value(key)
		if FRAPPE_MAJOR >= 16:
			frappe.client_cache.delete_value(key)
	frappe.setup_module_map()


def sync_dashboards(app: str) -> None:
	"""Frappe's import of an app's number cards, dashboard charts and dashboards, which ``bench
	migrate`` otherwise runs only after the patches."""
	from frappe.utils.dashboard import sync_dashboards

	sync_dashboards(app)


@cache
def _api_routes():
	"""Frappe's own route map for /api/ (``frappe.api.API_URL_MAP``), bound once per process."""
	import frappe.api

	return frappe.api.API_URL_MAP.bind("localhost")


def second_connection():
	"""A database connection of its own to the site's database, made as ``frappe.connect`` makes
	the request's (Frappe 15 logs in as the database's name; Frappe 16 as ``db_user``, and may
	use a socket)."""
	from frappe.database import get_db

	conf = frappe.local.conf
	login = {"host": conf.db_host, "port": conf.db_port, "password": conf.db_password}
	if FRAPPE_MAJOR >= 16:
		login |= {"socket": conf.db_socket, "user": conf.db_user or conf.db_name}
	else:
		login["user"] = conf.db_name
	return get_db(**login, cur_db_name=conf.db_name)


# Paths up to this long have their match kept (at most MATCHES_KEPT of them, the most recent):
# Frappe's route map is fixed once the process has imported it, so a path matches the same way
# every time, and a request's match is then a dictionary lookup instead of a walk of the map.
MATCH_KEPT_FOR_PATHS_UP_TO = 256
MATCHES_KEPT = 1024


def match_api_route(path: str, method: str) -> tuple[tuple[str, str], dict]:
	"""``shared.rules.dispatch.Match`` over Frappe's own route map: ``((version, endpoint name),
	arguments)``. Endpoints are named by their function; v2's ``run_doc_method`` is a lambda.
	The arguments are shared between the requests of a path: read them, never change them.
	A path that matches no route raises werkzeug's NotFound or MethodNotAllowed, every time."""
	if len(path) > MATCH_KEPT_FOR_PATHS_UP_TO:
		return _match_api_route(path, method)
	return _kept_match(path, method)


@lru_cache(maxsize=MATCHES_KEPT)
def _kept_match(path: str, method: str) -> tuple[tuple[str, str], dict]:
	return _match_api_route(path, method)


def _match_api_route(path: str, method: str) -> tuple[tuple[str, str], dict]:
	rule, arguments = _api_routes().match(path, method, return_rule=True)
	version = "v2" if rule.rule.startswith("/api/v2/") else "v1"
	name = getattr(rule.endpoint, "__name__", "")
	if name == "<lambda>":
		name = rule.rule.rsplit("/", 1)[-1]
	return (version, name), arguments


def send_no_cookies() -> None:
	"""Frappe sets no cookie on this response (its cookie manager writes them after the
	after_request hooks: a session Frappe ended, a cookie it meant to clear)."""
	manager = getattr(frappe.local, "cookie_manager", None)
	if manager is not None:
		manager.cookies = {}
		manager.to_delete = []


def leave_the_session_alone() -> None:
	"""The request runs as the user of the app's credential it presents, whatever session Frappe
	resumed from a cookie or ``sid`` (a browser's, say). ``frappe.set_user`` empties the session's
	data in place, and Frappe then saves that session under the resumed session's id after the
	response (Frappe 16 at once, 15 once ten minutes have passed): the session would be lost, or
	its id would name another user. So the request gets a session of its own to change, and its
	answer sets no cookie."""
	session = frappe.local.session
	frappe.local.session = frappe._dict(session, data=frappe._dict(session.get("data") or {}))
	send_no_cookies()


def login_attempt_tracker(key: str):
	"""Frappe's account lockout state for a user or an address (``LoginAttemptTracker``)."""
	from frappe.auth import get_login_attempt_tracker

	return get_login_attempt_tracker(key, raise_locked_exception=False)


def check_password(user: str, password: str) -> bool:
	"""Whether ``password`` is ``user``'s (Frappe's own check, which also clears its lockout
	cache on success)."""
	from frappe.utils.password import check_password as frappes_check

	try:
		frappes_check(user, password)
	except frappe.AuthenticationError:
		return False
	return True


def new_password_of(user_doc) -> str | None:
	"""The new password a User document is being saved with (Frappe keeps it in a private
	attribute from validate on, after emptying the field)."""
	return getattr(user_doc, "_User__new_password", None)
