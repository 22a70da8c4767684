"""A real Redis server for the core tier: started on a free loopback port, stopped after."""

import shutil
import socket
import subprocess
import time

import pytest
import redis


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def start_redis(port: int, directory) -> subprocess.Popen:
	"""A redis-server on 127.0.0.1:``port`` keeping its files in ``directory``, answering a PING."""
	if not shutil.which("redis-server"):
		pytest.fail("redis-server is not installed (Debian package redis-server)")
	server = subprocess.Popen(
		["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(directory)],
		stdout=subprocess.DEVNULL,
	)
	client = redis.Redis(port=port)
	for _ in range(200):
		try:
			client.ping()
			return server
		except redis.ConnectionError:
			time.sleep(0.02)
	server.kill()
	raise AssertionError("redis-server did not start")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
	port = free_port()
	server = start_redis(port, tmp_path_factory.mktemp("redis"))
	yield f"redis://127.0.0.1:{port}/0"
	server.terminate()
	server.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url):
	client = redis.Redis.from_url(redis_url)
	client.flushdb()
	return client
