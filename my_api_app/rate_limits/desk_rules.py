"""The Desk rules (API Rate Limit) as the request hook reads them: cached, matched per request."""

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

import frappe

from my_api_app.rate_limits.rules.gcra import Policy
from my_api_app.shared import committed_cache

CACHE_KEY = "my_api_app:rate_limit_rules"
COUNTED_PER = {
	"API key, else user, else IP": "principal",
	"User": "user",
	"IP address": "ip",
	"Everyone together": "everyone",
}


@dataclass(frozen=True)
class Rule:
	policy: Policy
	path_pattern: str
	applies_to: str
	role: str | None
	user: str | None
	api_key: str | None
	is_default: bool

	def matches(self, paths: tuple[str, ...]) -> bool:
		"""Whether the pattern matches any spelling of the call."""
		return any(fnmatchcase(path, self.path_pattern) for path in paths)

	def applies(self, user: str, api_key: str | None, roles: list[str]) -> bool:
		match self.applies_to:
			case "Guests":
				return user == "Guest"
			case "Authenticated":
				return user != "Guest"
			case "Role":
				return self.role in roles
			case "User":
				return self.user == user
			case "API Key":
				return self.api_key == api_key
		return True  # Everyone


def enabled_rules() -> list[Rule]:
	"""Every enabled rule (cached in Redis; reloaded once a change to any rule commits). The
	rules are built once per loaded rows: the committed cache hands out the same rows object
	while its copy stands, and ``_built`` holds the rows it was built from."""
	global _built
	rows = committed_cache.get(CACHE_KEY, _load)
	if _built[0] is not rows:
		_built = (rows, [_rule(row) for row in rows])
	return _built[1]


_built: tuple[list[dict] | None, list[Rule]] = (None, [])  # per process: (rows, their rules)


def _load() -> list[dict]:
	return [
		dict(row)
		for row in committed_cache.latest_rows(
			"""select rule_name, path_pattern, applies_to, role, user, api_key, is_default, counted_per,
				`limit`, period, burst
			from `tabAPI Rate Limit` where enabled = 1 order by rule_name"""
		)
	]


def _rule(row: dict) -> Rule:
	return Rule(
		policy=Policy(
			name=row["rule_name"],
			limit=row["limit"],
			period=row["period"],
			burst=row["burst"] or None,
			per=COUNTED_PER[row["counted_per"]],
		),
		path_pattern=row["path_pattern"],
		applies_to=row["applies_to"],
		role=row["role"],
		user=row["user"],
		api_key=row["api_key"],
		is_default=bool(row["is_default"]),
	)


def matching_policies(
	spellings: Callable[[], tuple[str, ...]], user: str, api_key: str | None
) -> list[Policy]:
	"""The policies of the rules whose pattern matches one of the call's spellings (computed
	only when a rule is enabled); the site default ones only when no other rule matches."""
	enabled = enabled_rules()
	if not enabled:
		return []
	paths = spellings()
	candidates = [rule for rule in enabled if rule.matches(paths)]
	if not candidates:
		return []
	roles = frappe.get_roles(user) if any(rule.applies_to == "Role" for rule in candidates) else []
	matched = [rule for rule in candidates if rule.applies(user, api_key, roles)]
	specific = [rule.policy for rule in matched if not rule.is_default]
	return specific or [rule.policy for rule in matched if rule.is_default]


def forget() -> None:
	committed_cache.invalidate_on_commit(CACHE_KEY)
