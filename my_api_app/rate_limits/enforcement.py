"""Rate limits on every API call, after authentication.

An API call is any /api/ request or a ``cmd`` on any path (``request_context.ApiRequest.call``);
rules match every spelling of the call and of the document access it makes
(``closed_world.Reach.spellings``), so a limit on ``/api/method/<m>`` also counts
``GET /?cmd=<m>``, ``/api/v2/method/<m>`` and any alias of ``<m>``, and a limit on
``/api/resource/<DocType>`` also counts ``frappe.client.get_list`` of that DocType.

It runs from the app's ``auth_hooks`` entry (``request_flow.after_authentication``): Frappe runs
those inside ``validate_auth`` once the session, Frappe's keys, OAuth and this app's keys have
set the user, so limits can be keyed on the caller. (Requests whose credentials Frappe rejects
end in 401 before this runs.)

Every limit that applies (matching Desk rules, or the site default, plus the endpoint's own)
is checked in one Redis round trip (``rate_limits.rules.gcra``); the request is admitted only if all
admit it. Every response under a limit carries the RateLimit headers; a refusal is 429 with
``Retry-After``. If Redis cannot be reached the request goes on (fail-open, the default), or
gets 503 when the site config sets ``my_api_app_rate_limit_fail_closed``.

Frappe writes an Error Log for any exception of status 500 or more, printing every frame's
variables, and an auth hook runs inside ``validate_auth``, whose ``authorization_header``
variable holds the request's Frappe key and secret (or OAuth token) in the clear: Frappe masks
variables by name only. So the 503, and the 500 for an error of the limiter's own, are
``LimiterFailure``s, which Frappe logs nothing for; an unexpected error is logged here, from
this frame down (the warning for an unreachable Redis goes to the log file, without variables).
"""

import frappe
from redis import Redis
from redis.exceptions import RedisError

from my_api_app.rate_limits import desk_rules as rules
from my_api_app.rate_limits.rules.gcra import GcraLimiter, admitted, rate_limit_headers
from my_api_app.shared import request_context
from my_api_app.shared.rules import dispatch
from my_api_app.shared.rules.errors import RETRY_TRANSIENT_AFTER, ApiError, RateLimited

KEY_PREFIX = "my_api_app:rl:"
_limiters: dict[str, GcraLimiter] = {}  # per process, by Redis URL


class LimiterFailure(ApiError, frappe.SecurityException):
	"""The limiter could not decide (503) or failed (500). A ``SecurityException``: Frappe writes
	no Error Log for one (its log would print ``validate_auth``'s frame, see the module docstring)."""


def enforce(state: request_context.ApiRequest) -> None:
	"""The rate limits of the call (run by ``request_flow.after_authentication``); raises
	``RateLimited`` (429) or a ``LimiterFailure``."""
	try:
		_enforce(state)
	except ApiError:
		raise
	except RedisError:  # the rules or the buckets could not be read: Redis is down
		_unreachable()
	except Exception:
		frappe.log_error(title="Rate limiting failed", defer_insert=True)  # the request rolls back
		raise LimiterFailure("Rate limiting failed; retry shortly.", status=500) from None


def _enforce(state: request_context.ApiRequest) -> None:
	call = state.call
	if not call.api or call.kind == dispatch.OPTIONS:
		return
	user = frappe.session.user
	caller = state.principal
	api_key = caller.api_key if caller else None
	policies = rules.matching_policies(
		lambda: state.reach.spellings(call) or (frappe.request.path,), user, api_key
	)
	endpoint = state.endpoint
	if endpoint is not None and endpoint.rate_limit is not None:
		policies.append(endpoint.rate_limit)
	if not policies:
		return
	address = state.client_ip
	prefix = frappe.safe_decode(frappe.cache.make_key(KEY_PREFIX))
	limits = [policy.for_caller(prefix, _identity(policy.per, user, api_key, address)) for policy in policies]
	decisions = _limiter().check_all(limits)
	headers = rate_limit_headers(decisions)
	state.response_headers.update(headers)
	if not admitted(decisions):
		refused = next(decision for decision in decisions if not decision.allowed)
		raise RateLimited(
			f"Rate limit {refused.policy!r} exceeded: {refused.limit} requests per "
			f"{refused.period} seconds. Retry after {headers['Retry-After']} seconds.",
			headers=headers,
		)


def _unreachable() -> None:
	"""Redis cannot be reached: let the request through (fail-open, the default), or answer 503
	when the site config sets ``my_api_app_rate_limit_fail_closed``."""
	frappe.logger("my_api_app").warning("rate limit Redis unreachable", exc_info=True)
	if frappe.conf.get("my_api_app_rate_limit_fail_closed"):
		raise LimiterFailure(
			"Rate limiting is unavailable; retry shortly.",
			status=503,
			headers={"Retry-After": str(RETRY_TRANSIENT_AFTER)},
		)


def _identity(per: str, user: str, api_key: str | None, address: str | None) -> str:
	if per == "everyone":
		return "*"
	if per == "principal" and api_key:
		return f"key:{api_key}"
	if per in ("principal", "user") and user != "Guest":
		return f"user:{user}"
	return f"ip:{address}"


def _limiter() -> GcraLimiter:
	url = frappe.conf.get("my_api_app_rate_limit_redis") or ""
	if url not in _limiters:
		client = (
			Redis.from_url(url, socket_connect_timeout=0.25, socket_timeout=0.25) if url else frappe.cache
		)
		_limiters[url] = GcraLimiter(client)
	return _limiters[url]
