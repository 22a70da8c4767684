"""A real HTTP receiver on 127.0.0.1 for webhook tests (bench and HTTP tiers); no frappe.

It records every request and answers what ``respond`` says (200 by default). It can be
stopped and started again on the same port, to play a receiver that is down for a while.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
	method: str
	path: str
	headers: dict[str, str]  # names lower-cased
	body: bytes
	at: float
	peer: tuple  # the client's (address, port): one per connection
	answered: int | None = None


@dataclass
class Answer:
	status: int = 200
	headers: dict[str, str] = field(default_factory=dict)
	body: bytes = b"ok"
	delay: float = 0.0


class Receiver:
	def __init__(self, respond: Callable[[Received], Answer] | None = None):
		self.respond = respond or (lambda received: Answer())
		self.received: list[Received] = []
		self.port = 0
		self._server: ThreadingHTTPServer | None = None
		self._lock = threading.Lock()

	@property
	def url(self) -> str:
		return f"http://127.0.0.1:{self.port}/hook"

	def start(self) -> "Receiver":
		receiver = self

		class Handler(BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible

			def do_POST(self):
				length = int(self.headers.get("Content-Length") or 0)
				received = Received(
					self.command,
					self.path,
					{k.lower(): v for k, v in self.headers.items()},
					self.rfile.read(length),
					time.time(),
					self.client_address,
				)
				with receiver._lock:
					receiver.received.append(received)
				answer = receiver.respond(received)
				if answer.delay:
					time.sleep(answer.delay)
				received.answered = answer.status
				self.send_response(answer.status)
				for name, value in answer.headers.items():
					self.send_header(name, value)
				self.send_header("Content-Length", str(len(answer.body)))
				self.end_headers()
				self.wfile.write(answer.body)

			do_PUT = do_DELETE = do_POST

			def log_message(self, *args):
				pass

		ThreadingHTTPServer.allow_reuse_address = True
		self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
		self._server.daemon_threads = True
		self.port = self._server.server_address[1]
		threading.Thread(target=self._server.serve_forever, daemon=True).start()
		return self

	def stop(self) -> None:
		if self._server:
			self._server.shutdown()
			self._server.server_close()
			self._server = None

	def ids(self, status: int | None = 200) -> list[str]:
		"""webhook-id of the requests answered ``status`` (all requests when None)."""
		with self._lock:
			return [
				r.headers.get("webhook-id", "")
				for r in self.received
				if status is None or r.answered == status
			]
