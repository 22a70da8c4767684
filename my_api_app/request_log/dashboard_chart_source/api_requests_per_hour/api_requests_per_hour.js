frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["API Requests per Hour"] = {
	method: "my_api_app.request_log.dashboard.requests_per_hour",
	filters: [],
};
