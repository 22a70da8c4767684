"""Background jobs with a pollable status.

``start_job`` (launch.py) records an API Job and enqueues it; ``report_progress`` (runner.py)
is called from inside job code; records.py reads and cancels jobs for their owner; sweep.py
fails jobs whose worker died and deletes old records; rules/ holds the frappe-free states.

The names below load on first use, so that the frappe-free rules import without Frappe.
"""

import importlib

_PUBLIC = {
	"start_job": "my_api_app.jobs.launch",
	"current_job_id": "my_api_app.jobs.runner",
	"report_progress": "my_api_app.jobs.runner",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
	if name not in _PUBLIC:
		raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
	return getattr(importlib.import_module(_PUBLIC[name]), name)
