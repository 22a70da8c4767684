"""Background jobs with a pollable status.

``start_job`` (launch.py) records an API Job and enqueues it; ``report_progress`` (runner.py)
is called from inside job code; records.py reads and cancels jobs for their owner; sweep.py
fails jobs whose worker died and deletes old records; rules/ holds the frappe-free states.
"""

from my_api_app.shared.package_face import names_from

_PUBLIC = {
	"start_job": "my_api_app.jobs.launch",
	"current_job_id": "my_api_app.jobs.runner",
	"report_progress": "my_api_app.jobs.runner",
}
__all__ = sorted(_PUBLIC)
__getattr__ = names_from(__name__, _PUBLIC)
