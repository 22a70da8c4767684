"""Extra RQ workers of the bench under test, for tests that need a worker they can kill.

The bench directory comes from ``MY_API_APP_E2E_BENCH``; the queue Redis URL from
``<bench>/sites/common_site_config.json`` (``redis_queue``). Workers are started as
``bench worker`` does (``python -m frappe.utils.bench_helper frappe worker`` in ``sites/``),
each in its own session, and everything started is stopped by ``stop_all``. Only workers
started here are ever killed: a worker of someone else is never touched.

RQ records which worker runs a job (``rq:job:<id>`` -> ``worker_name``; ``rq_job_id`` gives the
id) and that worker's pid (``rq:worker:<name>`` -> ``pid``); the work horse, the forked child
that executes the job, is found among the worker's children in /proc.
"""

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis


@dataclass(frozen=True)
class JobWorker:
	"""The worker process running a job, and its work horse (None between jobs)."""

	name: str
	pid: int
	horse_pid: int | None
	ours: bool


class RQWorkers:
	def __init__(self, bench: str | None = None):
		self.bench = Path(bench or os.environ["MY_API_APP_E2E_BENCH"])
		config = json.loads((self.bench / "sites" / "common_site_config.json").read_text())
		self.redis = redis.Redis.from_url(config["redis_queue"])
		self.logs = self.bench / "logs"
		self.processes: list[subprocess.Popen] = []

	def start(self, queues: str = "short,default,long", timeout: float = 60) -> int:
		"""Start a worker on ``queues``; returns its pid once it has registered with RQ."""
		python = str(self.bench / "env" / "bin" / "python")
		log = open(self.logs / f"e2e-rq-worker-{len(self.processes)}-{os.getpid()}.log", "ab")
		process = subprocess.Popen(
			[python, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", queues],
			cwd=self.bench / "sites",
			stdout=log,
			stderr=subprocess.STDOUT,
			start_new_session=True,
		)
		log.close()
		self.processes.append(process)
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			if self._registered_name(process.pid):
				return process.pid
			if process.poll() is not None:
				raise RuntimeError(f"the RQ worker exited with {process.returncode}; see {self.logs}")
			time.sleep(0.2)
		raise TimeoutError(f"the RQ worker (pid {process.pid}) did not register within {timeout} s")

	def live_pids(self) -> list[int]:
		"""Pids of the workers started here that are still running."""
		return [p.pid for p in self.processes if p.poll() is None]

	def rq_job_id(self, site: str, job_id: str) -> str:
		"""The id RQ holds ``site``'s job ``job_id`` under. Frappe's ``create_job_id`` makes it:
		``<site>::<id>`` (Frappe 15), or ``<site>||<id>`` with each ``:`` of the id as ``|``
		(Frappe 16); whichever RQ has is the one."""
		for candidate in (f"{site}::{job_id}", f"{site}||{job_id.replace(':', '|')}"):
			if self.redis.exists(f"rq:job:{candidate}"):
				return candidate
		raise LookupError(f"RQ has no job {job_id} of {site}")

	def worker_for_job(self, rq_job_id: str, timeout: float = 30) -> JobWorker:
		"""The worker that is running ``rq_job_id`` (waits until one has picked it up)."""
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			name = self.redis.hget(f"rq:job:{rq_job_id}", "worker_name")
			if name:
				name = name.decode()
				pid = self.redis.hget(f"rq:worker:{name}", "pid")
				current = self.redis.hget(f"rq:worker:{name}", "current_job")
				if pid and current and current.decode() == rq_job_id:
					pid = int(pid)
					return JobWorker(name, pid, _child_of(pid), pid in self.live_pids())
			time.sleep(0.1)
		raise TimeoutError(f"no worker picked up {rq_job_id} within {timeout} s")

	def kill(self, worker: JobWorker, *, horse_only: bool = False) -> None:
		"""SIGKILL a worker started here and its work horse, or only the horse (the worker
		lives on and records the job as failed): either way the job dies mid-run."""
		if not worker.ours:
			raise PermissionError(f"worker {worker.name} (pid {worker.pid}) was not started by this helper")
		if worker.horse_pid:
			_kill(worker.horse_pid)
		if horse_only:
			return
		_kill(worker.pid)
		for process in self.processes:
			if process.pid == worker.pid:
				process.wait(timeout=10)

	def stop_all(self, timeout: float = 15) -> None:
		"""SIGTERM every worker started here (RQ's warm shutdown), SIGKILL what is left."""
		for process in self.processes:
			if process.poll() is None:
				_signal_group(process.pid, signal.SIGTERM)
		deadline = time.monotonic() + timeout
		for process in self.processes:
			try:
				process.wait(timeout=max(0.1, deadline - time.monotonic()))
			except subprocess.TimeoutExpired:
				horse = _child_of(process.pid)  # in a session of its own
				if horse:
					_kill(horse)
				_signal_group(process.pid, signal.SIGKILL)
				process.wait(timeout=10)
		self.processes.clear()

	def _registered_name(self, pid: int) -> str | None:
		for key in self.redis.smembers("rq:workers"):
			if self.redis.hget(key, "pid") == str(pid).encode():
				return key.decode().removeprefix("rq:worker:")
		return None


def _child_of(pid: int) -> int | None:
	"""The (first) child process of ``pid``: a busy RQ worker's work horse."""
	for stat in Path("/proc").glob("[0-9]*/stat"):
		try:
			fields = stat.read_text().rsplit(")", 1)[1].split()
		except (OSError, IndexError):
			continue
		if int(fields[1]) == pid:
			return int(stat.parent.name)
	return None


def _kill(pid: int) -> None:
	try:
		os.kill(pid, signal.SIGKILL)
	except ProcessLookupError:
		pass


def _signal_group(pid: int, sig: int) -> None:
	try:
		os.killpg(pid, sig)
	except ProcessLookupError:
		pass
