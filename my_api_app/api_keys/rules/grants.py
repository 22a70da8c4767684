"""What a credential may hand out: a key it creates or changes is no wider than itself.

A caller authenticated by an API key or an access token holds scopes, a lifetime and the
addresses it may be used from. A key it creates, rolls or edits must stay inside all three:
scopes it holds (``scopes.covers``), an expiry no later than its own end (a 15-minute token
makes keys that end within those 15 minutes), and allowed IP ranges each inside one of its
own (no ranges means any address, so a credential with ranges cannot make a key without).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from my_api_app.shared.rules.client_ip import Network, network_within
from my_api_app.shared.rules.scopes import ScopeSet, covers


@dataclass(frozen=True)
class Holding:
	"""What the granting credential has."""

	scopes: ScopeSet
	expires_at: datetime | None  # when it stops working; None: never
	networks: tuple[Network, ...]  # where it may be used from; empty: anywhere


@dataclass(frozen=True)
class Excess:
	"""The first part of a grant that the credential does not hold."""

	kind: str  # "scope", "expiry" or "address"
	detail: str
	scope: str | None = None


def excess(
	holding: Holding, scopes: Iterable[str], expires_at: datetime | None, networks: Iterable[Network]
) -> Excess | None:
	"""What a key with ``scopes``, ``expires_at`` (None: never) and ``networks`` (empty: any
	address) has beyond ``holding``, or None. Raises ScopeError for a scope that does not parse."""
	for scope in scopes:
		if not covers(holding.scopes, scope):
			return Excess("scope", f"This credential does not hold the scope {scope}.", scope=scope)
	end = holding.expires_at
	if end is not None and (expires_at is None or expires_at > end):
		return Excess(
			"expiry",
			f"This credential stops working at {end:%Y-%m-%d %H:%M:%S}: a key it creates or changes "
			"must expire by then.",
		)
	if holding.networks:
		allowed = ", ".join(str(network) for network in holding.networks)
		networks = tuple(networks)
		if not networks:
			return Excess(
				"address",
				f"This credential may only be used from {allowed}: a key it creates or changes needs "
				"allowed IP ranges within those.",
			)
		for network in networks:
			if not network_within(network, holding.networks):
				return Excess("address", f"{network} is not within this credential's ranges ({allowed}).")
	return None
