"""/api-docs in a real browser: Swagger UI, bundled from npm by the bench build, renders the site's
OpenAPI document and lists every endpoint in it, loading nothing from any other host."""

from urllib.parse import urlsplit

from my_api_app.tests.http.e2e_site import skip_unless_live_site

skip_unless_live_site()

from playwright.sync_api import expect

from my_api_app.tests.browser.fixtures import TIMEOUT_MS, VIEWPORT

DOCUMENT = "/api/method/my_api_app.api.openapi.document"


def test_the_docs_page_renders_and_lists_every_endpoint(browser, base_url, guest):
	document = guest.request("GET", DOCUMENT).json()
	expected = {
		(method.upper(), path)
		for path, item in document["paths"].items()
		for method in item
		if method != "parameters"
	}
	assert len(expected) > 10

	context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-US")
	context.set_default_timeout(TIMEOUT_MS)
	requested, errors = [], []
	page = context.new_page()
	page.on("request", lambda request: requested.append(request.url))
	page.on("pageerror", lambda error: errors.append(str(error)))
	try:
		response = page.goto("/api-docs")
		assert response is not None and response.status == 200, response and response.status
		expect(page.locator(".swagger-ui .info .title")).to_contain_text(document["info"]["title"])
		# Swagger UI shows the paths' operations and, below them, the webhooks.
		webhooks = [name for name, item in document["webhooks"].items() for _ in item]
		expect(page.locator(".swagger-ui .opblock")).to_have_count(len(expected) + len(webhooks))
		for name in webhooks:
			expect(page.locator(".swagger-ui .opblock", has_text=name).first).to_be_visible()
		shown = {
			(method.strip().upper(), path)
			for method, path in page.evaluate(
				"""() => [...document.querySelectorAll(".swagger-ui .opblock")].map((block) => [
					block.querySelector(".opblock-summary-method").textContent,
					block.querySelector(".opblock-summary-path").getAttribute("data-path"),
				])"""
			)
		}
		assert {block for block in shown if block[1].startswith("/api/")} == expected

		# One operation opens to its parameters and responses, as a reader would use it.
		hello = page.locator(
			'.opblock-summary-path[data-path="/api/method/my_api_app.examples.public.hello"]'
		)
		hello.click()
		expect(page.locator(".opblock.is-open .responses-table")).to_be_visible()
		expect(page.locator(".opblock.is-open")).to_contain_text("name")
	finally:
		context.close()

	assert not errors, errors
	site_host = urlsplit(base_url).netloc
	foreign = [
		url
		for url in requested
		if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != site_host
	]
	assert not foreign, f"the page loaded from other hosts: {foreign}"
	assert any("/assets/my_api_app/dist/js/api_docs.bundle." in url for url in requested), requested
