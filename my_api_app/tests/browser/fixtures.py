"""Browser tests: Frappe Desk driven in headless Chromium by Playwright, as a person would use it.

They run against the same live site as the HTTP tests, named by the same variables: MY_API_APP_E2E_URL
(http://127.0.0.1:PORT), MY_API_APP_E2E_SITE (the site's host name) and MY_API_APP_E2E_ADMIN_PASSWORD.
Without them these tests are not collected. With them, a missing Playwright or Chromium is an error,
never a skip, so this tier cannot pass without having run.

The server must serve /assets (Desk's JS and CSS): gunicorn with 'frappe.app:application_with_statics()',
not plain 'frappe.app:application', which answers 404 there and leaves Desk a bare HTML page.

Chromium: MY_API_APP_CHROMIUM, else chromium or chromium-browser on PATH (Debian's package `chromium`).
Screenshots of failed tests go to MY_API_APP_BROWSER_ARTIFACTS, else a new temporary directory; each
failure report names its files. MY_API_APP_BROWSER_HEADED=1 shows the browser (needs a display).
"""

import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from my_api_app.tests.browser.frappe_desk import desk, desk_root
from my_api_app.tests.http.e2e_site import Site

# The HTTP tests' fixtures (admin, member, manager, guest, rq_workers) serve these tests too:
# both fixture modules are plugins of the root conftest.py.
__all__ = ["Site"]

CHROMIUM_ARGS = [
	# Root in a container: no user namespaces for Chromium's sandbox.
	"--no-sandbox",
	"--disable-gpu",
	"--disable-dev-shm-usage",
	# This machine reaches no outside host: keep Chromium from trying at every start.
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-quic",
	"--disable-default-apps",
	"--no-first-run",
	"--no-default-browser-check",
]
VIEWPORT = {"width": 1440, "height": 900}  # Desk shows a form's custom buttons in the page head from 1200 px
TIMEOUT_MS = 20_000


def chromium_path() -> str:
	configured = os.environ.get("MY_API_APP_CHROMIUM")
	if configured:
		if not os.access(configured, os.X_OK):
			pytest.fail(f"MY_API_APP_CHROMIUM={configured} is not an executable file", pytrace=False)
		return configured
	for name in ("chromium", "chromium-browser"):
		found = shutil.which(name)
		if found:
			return found
	pytest.fail(
		"no Chromium: install Debian's package (apt-get install -y chromium) or set MY_API_APP_CHROMIUM; "
		"the browser tier must not pass without a browser",
		pytrace=False,
	)


class SiteAddress:
	"""Where the browser finds the site: its own name, so Frappe picks it by the Host header.

	MY_API_APP_E2E_URL gives the server's address and port, MY_API_APP_E2E_SITE the site's name; a
	host-resolver rule sends that name to the server's address, whatever the name is (Chromium would
	resolve *.localhost to loopback by itself, but not ci.example).
	"""

	def __init__(self, server_url: str, site: str):
		parts = urlsplit(server_url)
		self.server_host = parts.hostname
		self.scheme = parts.scheme
		self.port = parts.port
		self.site = site
		netloc = site if self.port is None else f"{site}:{self.port}"
		self.base_url = f"{self.scheme}://{netloc}"

	def chromium_args(self) -> list[str]:
		if self.site == self.server_host:
			return []
		return [f"--host-resolver-rules=MAP {self.site} {self.server_host}"]


@pytest.fixture(scope="session")
def site_address() -> SiteAddress:
	return SiteAddress(os.environ["MY_API_APP_E2E_URL"], os.environ["MY_API_APP_E2E_SITE"])


@pytest.fixture(scope="session")
def base_url(site_address) -> str:
	"""The site's URL as the browser uses it, e.g. http://dev.localhost:8010."""
	return site_address.base_url


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
	configured = os.environ.get("MY_API_APP_BROWSER_ARTIFACTS")
	if configured:
		path = Path(configured)
		path.mkdir(parents=True, exist_ok=True)
		return path
	return Path(tempfile.mkdtemp(prefix="my_api_app-browser-"))


@pytest.fixture(scope="session")
def playwright_instance():
	try:
		from playwright.sync_api import sync_playwright
	except ImportError:
		pytest.fail(
			"Playwright is not installed: pip install -r tests/requirements-browser.txt "
			"(the browser tier must not pass without a browser)",
			pytrace=False,
		)
	with sync_playwright() as playwright:
		yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, site_address):
	"""One headless Chromium for the session; each desk_page gets its own context (cookies)."""
	executable = chromium_path()
	browser = playwright_instance.chromium.launch(
		executable_path=executable,
		headless=os.environ.get("MY_API_APP_BROWSER_HEADED") != "1",
		args=CHROMIUM_ARGS + site_address.chromium_args(),
		timeout=60_000,
	)
	yield browser
	browser.close()


INSTALLED_APPS = "/api/resource/Installed Applications/Installed Applications"


def password_session(email: str, password: str) -> Site:
	"""A user's own session over REST: logged in with the password, which it has also confirmed
	(a session creates or rolls API keys only within minutes of confirming it)."""
	site = Site()
	site.request("POST", "/api/method/login", json={"usr": email, "pwd": password}).raise_for_status()
	confirmed = site.method("POST", "my_api_app.api.auth.confirm_password", json={"password": password})
	confirmed.raise_for_status()
	return site


@pytest.fixture(scope="session")
def desk_ready(admin) -> None:
	"""Desk usable: a new site sends every Desk route to the setup wizard until setup is complete.

	The wizard itself is not what these tests are about, so a site that has not had it gets the two
	settings it would set for a bare Frappe site (language, time zone) and is marked complete where
	Frappe looks: System Settings' setup_complete (Frappe 15) or, where the installed apps' rows
	have an is_setup_complete (Frappe 16), the rows of the apps that have a setup wizard.
	"""
	response = admin.request("GET", "/api/resource/System Settings/System Settings")
	response.raise_for_status()
	settings = response.json()["data"]
	response = admin.request("GET", INSTALLED_APPS)
	response.raise_for_status()
	apps = response.json()["data"]["installed_applications"]
	pending = [row for row in apps if row.get("has_setup_wizard") and row.get("is_setup_complete") == 0]
	if settings.get("setup_complete") and not pending:
		return
	response = admin.request(
		"PUT",
		"/api/resource/System Settings/System Settings",
		json={
			"language": settings.get("language") or "en",
			"time_zone": settings.get("time_zone") or "UTC",
			"setup_complete": 1,
		},
	)
	assert response.status_code == 200, f"could not complete the setup wizard: {response.text[:500]}"
	if pending:
		for row in pending:
			row["is_setup_complete"] = 1
		response = admin.request("PUT", INSTALLED_APPS, json={"installed_applications": apps})
		assert response.status_code == 200, f"could not complete the setup wizard: {response.text[:500]}"
	print("browser tier: marked the site's setup as complete (it had not run the setup wizard)")


@pytest.fixture(scope="session")
def make_desk_user(admin):
	"""make_desk_user(roles=("Desk User",)) -> (email, password): a new user who can log in to Desk.

	Unlike tests/e2e's make_user (API keys, no password), this user has a password for /login.
	"""

	def make(roles: tuple[str, ...] = ("Desk User",)) -> tuple[str, str]:
		email = f"browser-{uuid.uuid4().hex[:10]}@example.com"
		password = f"Pw-{uuid.uuid4().hex}-{uuid.uuid4().hex[:6].upper()}!"
		response = admin.request(
			"POST",
			"/api/resource/User",
			json={
				"email": email,
				"first_name": "Browser",
				"send_welcome_email": 0,
				"new_password": password,
				"roles": [{"role": role} for role in roles],
			},
		)
		assert response.status_code == 200, f"could not create {email}: {response.text[:500]}"
		return email, password

	return make


@pytest.fixture
def desk_page(request, browser, base_url, desk_ready, artifacts_dir):
	"""desk_page(user, password, path=desk()) -> a Playwright Page, logged in through /login's form.

	Each call opens a new browser context, so several users can be logged in at once in one test.
	The page is left on `path` (or where Desk sends it, e.g. desk("todo/new-todo-1") for
	desk("todo/new")) with Desk booted: frappe.boot loaded, no frappe.call in flight.
	"""
	contexts = []
	request.node._desk_pages = []
	request.node._desk_artifacts = artifacts_dir

	def open_page(user: str = "Administrator", password: str | None = None, path: str | None = None):
		if password is None:
			if user != "Administrator":
				raise ValueError("pass the password of a user other than Administrator")
			password = os.environ["MY_API_APP_E2E_ADMIN_PASSWORD"]
		context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-US")
		context.set_default_timeout(TIMEOUT_MS)
		contexts.append(context)
		page = context.new_page()
		console = []
		page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
		page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
		request.node._desk_pages.append((page, console))
		login(page, user, password, path or desk())
		return page

	yield open_page
	for context in contexts:
		context.close()


def login(page, user: str, password: str, path: str) -> None:
	"""Log in through the real form at /login, then land on `path` with Desk booted."""
	response = page.goto(f"/login?redirect-to={quote(path, safe='/')}")
	assert response is not None and response.ok, f"/login answered {response and response.status}"
	page.wait_for_load_state("load")
	if not page.evaluate("() => Boolean(window.frappe && frappe.utils)"):
		raise AssertionError(
			"/login has no Frappe JavaScript: does the server serve /assets? Serve the site with gunicorn "
			"'frappe.app:application_with_statics()' (plain frappe.app:application answers 404 there), "
			"and build the assets (bench build)"
		)
	email = page.locator("#login_email")
	email.fill(user)
	page.locator("#login_password").fill(password)
	page.locator("form.form-login .btn-login").click()
	page.wait_for_url(re.compile(re.escape(desk_root()) + r"(/|\?|$)"))
	wait_for_desk(page)
	if not urlsplit(page.url).path.startswith(path):
		page.goto(path)
		wait_for_desk(page)


def wait_for_desk(page, timeout_ms: int = TIMEOUT_MS) -> None:
	"""Desk booted and quiet: frappe.boot is there and no frappe.call is in flight."""
	page.wait_for_function(
		"""() => document.readyState === "complete" && window.frappe && frappe.boot && frappe.boot.user
			&& frappe.request && !frappe.request.ajax_count""",
		timeout=timeout_ms,
	)
	if page.evaluate(
		"""(wizard) => location.pathname.startsWith(wizard) && !frappe.boot.setup_complete""",
		desk("setup-wizard"),
	):
		raise AssertionError("Desk shows the setup wizard: the site's setup is not complete")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
	"""On a failure, a full-page screenshot of every page the test opened, named in the report."""
	outcome = yield
	report = outcome.get_result()
	if report.when not in ("setup", "call") or not report.failed:
		return
	pages = getattr(item, "_desk_pages", [])
	if not pages:
		return
	stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-120:]
	lines = []
	for index, (page, console) in enumerate(pages):
		if page.is_closed():
			continue
		path = item._desk_artifacts / f"{stem}-{index}-{time.strftime('%H%M%S')}.png"
		try:
			page.screenshot(path=str(path), full_page=True, timeout=10_000)
			lines.append(f"page {index} at {page.url}: {path}")
		except Exception as e:
			lines.append(f"page {index} at {page.url}: no screenshot ({e})")
		if console:
			lines.append("  its last console lines:\n    " + "\n    ".join(console[-15:]))
	report.sections.append(("browser screenshots", "\n".join(lines)))
