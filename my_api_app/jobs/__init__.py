"""Background jobs with a pollable status: the Frappe side.

``start_job`` (launch.py) records an API Job and enqueues it; ``report_progress`` (runner.py)
is called from inside job code; records.py reads and cancels jobs for their owner; sweep.py
fails jobs whose worker died and deletes old records.
"""

from my_api_app.jobs.launch import start_job
from my_api_app.jobs.runner import current_job_id, report_progress

__all__ = ["current_job_id", "report_progress", "start_job"]
