"""A job endpoint for the test suites and benchmarks of background jobs: it answers 404 unless
the app's tests run (``tests.endpoints.TEST_ENDPOINTS``), and is left out of the OpenAPI
document."""

import time
from typing import Annotated, Literal

import frappe
from pydantic import Field

from my_api_app.jobs import report_progress, start_job
from my_api_app.jobs.rules.states import DEFAULT_MAX_RESULT_BYTES, JobAccepted
from my_api_app.tests.endpoints import TEST_ENDPOINTS
from my_api_app.toolkit import endpoint

Behaviour = Literal["finish", "fail", "big_result", "slow"]


@endpoint(methods="POST", status=202, include_in_schema=False, enabled_by=TEST_ENDPOINTS)
def start_test_job(
	behaviour: Behaviour,
	marker: Annotated[str, Field(min_length=1, max_length=60)],
	seconds: Annotated[float, Field(ge=0, le=120)] = 0,
	queue: Literal["short", "default", "long"] = "long",
) -> JobAccepted:
	"""Start ``run_test_job`` as the caller."""
	return start_job(
		"my_api_app.jobs.tests.job_endpoints.run_test_job",
		queue=queue,
		timeout=300,
		behaviour=behaviour,
		marker=marker,
		seconds=seconds,
	)


def run_test_job(behaviour: str, marker: str, seconds: float) -> dict | str:
	"""``finish``: report 50 %, answer who ran it. ``fail``: raise ValueError. ``big_result``:
	return more than the result limit. ``slow``: insert a ToDo described by ``marker``, report
	25 % ("working"), then take ``seconds`` (in 0.1 s steps) before finishing."""
	if behaviour == "fail":
		raise ValueError(f"{marker} was not acceptable")
	if behaviour == "big_result":
		return "x" * (DEFAULT_MAX_RESULT_BYTES + 1)
	if behaviour == "slow":
		frappe.get_doc(
			{"doctype": "ToDo", "description": marker, "allocated_to": frappe.session.user}
		).insert()
		report_progress(25, "working")
		deadline = time.monotonic() + seconds
		while time.monotonic() < deadline:
			time.sleep(0.1)
	else:
		report_progress(50, "half way")
	return {"marker": marker, "user": frappe.session.user}
