"""Background jobs over HTTP: a job's status (poll it; ``Retry-After`` says when), cancel,
and the caller's own jobs. Only the job's owner or a System Manager sees a job; for anyone
else it does not exist (404)."""

from typing import Annotated, Literal

from frappe.utils import now_datetime
from pydantic import BaseModel, Field, JsonValue

from my_api_app.jobs import records
from my_api_app.jobs.rules import states as rules
from my_api_app.shared.request_context import add_response_headers
from my_api_app.toolkit import endpoint
from my_api_app.toolkit.response_types import SiteDateTime

JobId = Annotated[str, Field(min_length=1, max_length=140)]


class JobProgress(BaseModel):
	percent: float = Field(ge=0, le=100, examples=[50.0])
	message: str = Field(examples=["250 of 500 ToDos written"])


class JobStatus(BaseModel):
	"""A background job: its status, progress and outcome."""

	job_id: str
	status: Literal[rules.STATUSES]
	method: str = Field(description="The dotted path of the job's function.")
	queue: str
	progress: JobProgress
	result: JsonValue = Field(description="What the job returned, once finished (JSON).")
	error: str | None = Field(description="Why the job failed: its error's class and message.")
	created_at: SiteDateTime
	started_at: SiteDateTime | None
	ended_at: SiteDateTime | None
	status_url: str = Field(description="Where to poll this status.")


@endpoint(methods="GET")
def status(job_id: JobId) -> JobStatus:
	"""A job's status, progress and outcome (``result`` or ``error``).

	While the job is queued or started the answer carries ``Retry-After`` (seconds).
	"""
	return status_answer(records.get_for_caller(job_id))


@endpoint(methods="POST")
def cancel(job_id: JobId) -> JobStatus:
	"""Cancel a queued or started job; a job that already ended is a conflict (409)."""
	return records.as_dict(records.cancel_for_caller(job_id))


@endpoint(methods="GET")
def list_jobs(
	status: Literal[rules.STATUSES] | None = None,
	limit: Annotated[int, Field(ge=1, le=100)] = 20,
	start: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0,  # a larger offset is a database error
) -> list[JobStatus]:
	"""The caller's own jobs, newest first; ``status`` filters, ``limit`` is 1 to 100."""
	return records.list_for_caller(status, limit, start)


def status_answer(row) -> dict:
	"""The status body, and ``Retry-After`` while the job is unfinished."""
	wait = rules.retry_after(row.status, (now_datetime() - row.creation).total_seconds())
	if wait is not None:
		add_response_headers({"Retry-After": str(wait)})
	return records.as_dict(row)
