"""Saying once that requests arrive through a proxy the site does not trust.

Behind nginx (Frappe's production setup) every request comes from 127.0.0.1 and carries
``X-Forwarded-For``; unless ``my_api_app_trusted_proxies`` names the proxy, every client then
shares its address: one client's failed logins refuse everyone's, and limits per address count
everyone together. The first such request writes one Error Log (and each process remembers it
has), and the API workspace's card shows it until the setting is made.
"""

import frappe

SEEN_KEY = "my_api_app:untrusted_proxy_seen"
_reported: set[str] = set()  # per process: sites whose warning this process has made sure of


def seen(peer: str | None) -> None:
	"""A request from ``peer`` carried X-Forwarded-For with no trusted proxies configured."""
	site = frappe.local.site
	if site in _reported:
		return
	try:
		first = frappe.cache.set(frappe.cache.make_key(SEEN_KEY), peer or "", nx=True)
	except Exception:  # the warning must never fail a request
		return
	_reported.add(site)
	if first:
		frappe.log_error(
			title="my_api_app: requests arrive through a proxy that is not trusted",
			message=(
				f"Requests from {peer} carry X-Forwarded-For, and the site config names no "
				"my_api_app_trusted_proxies. Every client is then seen as the proxy's address: one "
				"client's failed logins refuse all logins, and limits per address count every "
				"client together. Set my_api_app_trusted_proxies to the proxy's address, e.g. "
				"bench --site <site> set-config my_api_app_trusted_proxies '[\"127.0.0.1\"]' --parse"
			),
			defer_insert=True,
		)


def is_reported() -> bool:
	"""Whether such a request has been seen while no trusted proxy is configured."""
	if frappe.conf.get("my_api_app_trusted_proxies"):
		return False
	return bool(frappe.cache.get(frappe.cache.make_key(SEEN_KEY)))
