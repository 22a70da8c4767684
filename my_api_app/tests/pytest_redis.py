"""A real Redis server for the core tier: started on a free loopback port, stopped after."""

import shutil
import socket
import subprocess
import time

import pytest
import redis


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
	if not shutil.which("redis-server"):
		pytest.fail("redis-server is not installed (Debian package redis-server)")
	port = _free_port()
	server = subprocess.Popen(
		[
			"redis-server",
			"--port",
			str(port),
			"--bind",
			"127.0.0.1",
			"--save",
			"",
			"--appendonly",
			"no",
			"--dir",
			str(tmp_path_factory.mktemp("redis")),
		],
		stdout=subprocess.DEVNULL,
	)
	client = redis.Redis(port=port)
	for _ in range(100):
		try:
			client.ping()
			break
		except redis.ConnectionError:
			time.sleep(0.05)
	yield f"redis://127.0.0.1:{port}/0"
	server.terminate()
	server.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url):
	client = redis.Redis.from_url(redis_url)
	client.flushdb()
	return client
