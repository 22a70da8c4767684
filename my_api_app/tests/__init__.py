def before_tests() -> None:
	"""Frappe's ``before_tests`` hook: while the app's tests run in this process, the test
	suites' endpoints and the examples exist (for this process only; the site's config is left
	as it is)."""
	from my_api_app.examples import EXAMPLES
	from my_api_app.tests.endpoints import TEST_ENDPOINTS
	from my_api_app.toolkit.decorator import enable_in_this_process

	enable_in_this_process(TEST_ENDPOINTS, EXAMPLES)
