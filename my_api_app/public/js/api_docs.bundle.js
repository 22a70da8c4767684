// The API reference page (/api-docs): Swagger UI from the npm package swagger-ui-dist, bundled by
// `bench build --app my_api_app`, reading the site's OpenAPI document.
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";

function render() {
	const root = document.getElementById("api-docs");
	if (!root) return;
	window.api_docs = SwaggerUIBundle({
		url: root.dataset.specUrl,
		domNode: root,
		deepLinking: true,
		docExpansion: "list",
		defaultModelsExpandDepth: 0,
		tryItOutEnabled: false,
		// Requests from "Try it out" carry the session cookie; Frappe wants its CSRF token with them.
		requestInterceptor: (request) => {
			if (root.dataset.csrfToken && request.method && request.method !== "GET") {
				request.headers["X-Frappe-CSRF-Token"] = root.dataset.csrfToken;
			}
			return request;
		},
	});
}

if (document.readyState === "loading") {
	document.addEventListener("DOMContentLoaded", render);
} else {
	render();
}
