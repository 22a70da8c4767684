"""What RQ keeps of every job, as bytes to search for secrets: used by the bench-tier scans
(tests/test_secret_scans.py) and the HTTP ones (my_api_app/tests/http/secret_scans_test.py), which
import it without frappe."""

import pickle
import zlib


def rq_jobs(connection) -> dict[str, bytes]:
	"""Every RQ job hash in the queue Redis ``connection`` (a ``redis.Redis``): each field as RQ
	stored it, then zlib-decompressed where it is compressed (``data``, ``exc_info``), then the
	``repr`` of what the decompressed bytes unpickle to (``data``: function, args, kwargs)."""
	jobs = {}
	for key in connection.scan_iter(match=b"rq:job:*", count=1000):
		if connection.type(key) != b"hash":
			continue  # rq:job:<id>:dependents and the like
		parts = []
		for value in connection.hgetall(key).values():
			parts.append(value)
			try:
				value = zlib.decompress(value)
			except zlib.error:
				continue
			parts.append(value)
			try:
				parts.append(repr(pickle.loads(value)).encode())
			except Exception as error:  # classes this process cannot import (another app's; frappe's in e2e)
				parts.append(f"<not unpickled: {error!r}>".encode())
		jobs[key.decode()] = b"\n".join(parts)
	return jobs
