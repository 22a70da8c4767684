"""pytest's setup for the tiers it runs: the frappe-free rules (``*/rules/*_test.py``) and,
against a live site, the HTTP (``*/tests/http/``) and browser (``*/tests/browser/``) tests. The
bench's own runner takes the ``test_*.py`` files (``bench run-tests --app my_api_app``).

The fixtures live beside the tests that use them; the live site's tests are collected only
when one is configured (``my_api_app.tests.http.e2e_site``)."""

from my_api_app.tests.http.e2e_site import live_site_configured

pytest_plugins = ["my_api_app.tests.pytest_redis"]

if live_site_configured():
	pytest_plugins += ["my_api_app.tests.http.fixtures", "my_api_app.tests.browser.fixtures"]
else:
	collect_ignore_glob = ["my_api_app/*tests/http", "my_api_app/*tests/browser"]  # * spans folders
