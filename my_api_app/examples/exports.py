"""The seed's example of a background job: export the caller's ToDos to CSV.

``start_export`` answers 202 at once; the export runs on the ``long`` queue as the caller (so
it contains only ToDos the caller may read) and saves a private File that only its owner
(and System Managers) can download; ``check_job_status`` reports progress and, once finished,
the download URL.
"""

from typing import Annotated, Literal

import frappe
from pydantic import BaseModel, ConfigDict, Field

from my_api_app.api.jobs import JobId, JobStatus, status_answer
from my_api_app.api_keys import principal
from my_api_app.examples import EXAMPLES
from my_api_app.examples.csv_export import CsvWriter
from my_api_app.jobs import current_job_id, records, report_progress, start_job
from my_api_app.jobs.rules.states import FINISHED, JobAccepted
from my_api_app.toolkit import endpoint

EXPORT_METHOD = "my_api_app.examples.exports.run_export"
COLUMNS = (
	"name",
	"status",
	"priority",
	"date",
	"allocated_to",
	"description",
	"reference_type",
	"reference_name",
	"creation",
	"modified",
)
CHUNK = 500


class TodoFilters(BaseModel):
	"""Equality filters on ToDo; all optional."""

	model_config = ConfigDict(extra="forbid")

	status: Literal["Open", "Closed", "Cancelled"] | None = None
	priority: Literal["High", "Medium", "Low"] | None = None
	allocated_to: Annotated[str, Field(min_length=1, max_length=140)] | None = None
	reference_type: Annotated[str, Field(min_length=1, max_length=140)] | None = None


class ExportFile(BaseModel):
	"""The finished export: a private File only its owner (and System Managers) can download."""

	file_url: str = Field(examples=["/private/files/todo-export-4f1c2a9b.csv"])
	file_name: str
	rows: int = Field(ge=0)


class ExportJobStatus(JobStatus):
	"""An export job's status; once finished, ``download_url`` is the CSV file."""

	result: ExportFile | None = Field(description="The file, once the job has finished.")
	download_url: str | None = Field(description="The CSV file's URL once finished, else None.")


@endpoint(methods="POST", status=202, enabled_by=EXAMPLES)
def start_export(filters: TodoFilters | None = None) -> JobAccepted:
	"""Start a CSV export of the ToDos the caller may read; answers 202 with the job.

	Send an ``Idempotency-Key`` header to make a retried request return the same job.
	"""
	# The export runs on the worker as the caller's user, without the request's credential:
	# a scoped API key or token must hold the ToDo read scope to start one.
	caller = principal.current()
	if caller is not None and not caller.scopes.allows_doctype("ToDo", "read"):
		raise principal.missing_scope_error("doctype:ToDo:read")
	return start_job(
		EXPORT_METHOD,
		queue="long",
		timeout=600,
		filters=filters.model_dump(exclude_none=True) if filters else {},
	)


@endpoint(methods="GET", enabled_by=EXAMPLES)
def check_job_status(job_id: JobId) -> ExportJobStatus:
	"""An export job's status; once finished, ``download_url`` is the private CSV file."""
	answer = status_answer(records.get_for_caller(job_id, method=EXPORT_METHOD))
	answer["download_url"] = answer["result"]["file_url"] if answer["status"] == FINISHED else None
	return answer


def run_export(filters: dict) -> dict:
	"""The job (on the worker, as the caller): read permitted ToDos in chunks, write the CSV,
	save it as a private File attached to the job."""
	names = frappe.get_list(
		"ToDo", filters=filters, order_by="creation asc", pluck="name", limit_page_length=0
	)
	writer = CsvWriter(COLUMNS)
	for offset in range(0, len(names), CHUNK):
		chunk = names[offset : offset + CHUNK]
		writer.write(
			frappe.get_list(
				"ToDo",
				filters={"name": ("in", chunk)},
				fields=list(COLUMNS),
				order_by="creation asc",
				limit_page_length=0,
			)
		)
		report_progress(100 * writer.rows / len(names), f"{writer.rows} of {len(names)} ToDos written")
	job_id = current_job_id()
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"todo-export-{job_id}.csv",
			"content": writer.getvalue(),
			"is_private": 1,
			"attached_to_doctype": "API Job",
			"attached_to_name": job_id,
		}
	).insert(ignore_permissions=True)
	return {"file_url": file.file_url, "file_name": file.file_name, "rows": writer.rows}
