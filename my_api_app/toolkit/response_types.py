"""Field types for response models that need the site: Frappe's stored datetimes.

Frappe stores naive datetimes in the site's time zone; an answer states the zone, so that the
value is an RFC 3339 ``date-time`` (what the OpenAPI document declares) and means the same
instant to every client.
"""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from frappe.utils import get_system_timezone
from pydantic import AfterValidator, Field

from my_api_app.shared import request_context


def _in_site_zone(value: datetime) -> datetime:
	if value.tzinfo is not None:
		return value
	# Read once a request: an answer of 50 rows looks it up once, not once per value.
	state = request_context.current()
	zone = state.site_zone
	if zone is None:
		zone = state.site_zone = ZoneInfo(get_system_timezone())
	return value.replace(tzinfo=zone)


SiteDateTime = Annotated[
	datetime,
	AfterValidator(_in_site_zone),
	Field(examples=["2026-01-31T09:30:00+05:30"]),
]
