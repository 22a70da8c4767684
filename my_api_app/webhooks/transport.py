"""HTTP for webhook deliveries: one requests session per batch (connections reused), pinned to
the addresses the SSRF guard vetted, so a DNS answer that changes after the check (rebinding)
cannot redirect the request inside the network. Redirects are never followed."""

from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from my_api_app.webhooks.rules.delivery import excerpt

BODY_LIMIT = 64 * 1024  # response bytes read; a longer body is cut and its connection closed
_PINNED_HOST = "X-My-Api-App-Pinned-Host"  # internal, removed before sending


class _PinnedAdapter(HTTPAdapter):
	"""Connects to the IP in the URL while TLS verifies (and SNI names) the original host."""

	def build_connection_pool_key_attributes(self, request, verify, cert=None):
		host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
		host = request.headers.pop(_PINNED_HOST, None)
		if host and host_params["scheme"] == "https":
			pool_kwargs["server_hostname"] = host
			pool_kwargs["assert_hostname"] = host
		return host_params, pool_kwargs


class Response:
	"""What the delivery log keeps of a response."""

	def __init__(self, status_code: int, headers: dict, text: str):
		self.status_code = status_code
		self.headers = headers
		self.text = text


def new_session() -> requests.Session:
	session = requests.Session()
	session.trust_env = False  # no proxies or netrc from the worker's environment
	adapter = _PinnedAdapter(pool_connections=10, pool_maxsize=2, max_retries=0)
	session.mount("http://", adapter)
	session.mount("https://", adapter)
	return session


def pinned_url(url: str, address: str) -> tuple[str, str]:
	"""(the URL with its host replaced by ``address``, the Host header value)."""
	parts = urlsplit(url)
	host_header = parts.netloc.rpartition("@")[2]
	ip = f"[{address}]" if ":" in address else address
	netloc = ip if parts.port is None else f"{ip}:{parts.port}"
	return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header


def send(
	session: requests.Session,
	method: str,
	url: str,
	address: str,
	body: bytes,
	headers: dict[str, str],
	timeout: float,
) -> Response:
	"""One request to ``address`` (vetted) for ``url``; raises requests' exceptions."""
	target, host_header = pinned_url(url, address)
	headers = {**headers, "Host": host_header, _PINNED_HOST: urlsplit(url).hostname}
	with session.request(
		method, target, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
	) as response:
		chunks, size = [], 0
		for chunk in response.iter_content(8192):
			chunks.append(chunk)
			size += len(chunk)
			if size > BODY_LIMIT:
				break
		text = b"".join(chunks)[:BODY_LIMIT].decode(response.encoding or "utf-8", "replace")
		return Response(response.status_code, dict(response.headers), excerpt(text))
