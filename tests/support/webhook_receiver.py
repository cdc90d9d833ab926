"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers like the
service it stands in for, and can be scripted to fail: any status with any body and headers
(each service's 429 shape is in `RATE_LIMITED`), hang, drop the connection, or drip its answer
(headers, then one byte of body every `drip_seconds`, never finishing: every single read
succeeds, so only a total deadline ends the request).

    rx = WebhookReceiver().start()
    rx.script("/hook", Reply(500), Reply.rate_limited("discord", 2.5))  # then the default
    ... rx.requests_to("/hook") ...
    rx.stop(); rx.start()   # down, then up again on the same port (restart tests)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0      # wait this long before answering (or until stop())
    drop: bool = False             # close the connection without an answer
    drip_seconds: float = 0.0      # send the body one byte per this many seconds, forever

    @staticmethod
    def rate_limited(service: str, seconds: float) -> "Reply":
        """A 429 exactly as `service` documents it (see ../shared/ref/notify.md §1)."""
        return RATE_LIMITED[service](seconds)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, dict):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body).encode(), headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        return self.body or b"", headers


RATE_LIMITED = {
    "webhook": lambda s: Reply(429, "slow down", {"Retry-After": f"{s:g}"}),
    "slack": lambda s: Reply(429, "rate_limited", {"Retry-After": f"{s:g}"}),
    "mattermost": lambda s: Reply(429, {"id": "api.context.rate_limit", "message": "too many"},
                                  {"X-Ratelimit-Reset": f"{s:g}"}),
    "discord": lambda s: Reply(429, {"message": "You are being rate limited.",
                                     "retry_after": s, "global": False},
                               {"Retry-After": str(int(s) + 1), "X-RateLimit-Scope": "user"}),
    "telegram": lambda s: Reply(429, {"ok": False, "error_code": 429,
                                      "description": f"Too Many Requests: retry after {s:g}",
                                      "parameters": {"retry_after": s}}),
    "teams": lambda s: Reply(429, {"error": {"code": "WorkflowTriggeredTooManyTimes",
                                             "message": "throttled"}},
                             {"Retry-After": f"{s:g}"}),
    "matrix": lambda s: Reply(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests",
                                    "retry_after_ms": int(s * 1000)},
                              {"Retry-After": str(int(s))}),
}


def _ok(service: str) -> Reply:
    if service in ("slack", "mattermost"):
        return Reply(200, "ok")
    if service == "discord":
        return Reply(200, {"id": "1", "type": 0, "content": "", "channel_id": "2"})
    if service == "telegram":
        return Reply(200, {"ok": True, "result": {"message_id": 1, "chat": {"id": 1}}})
    if service == "teams":
        return Reply(202, b"")
    if service == "matrix":
        return Reply(200, {"event_id": "$event"})
    return Reply(200, b"")


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int              # what the receiver answered (0: dropped, or dripped forever)
    at: float

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class WebhookReceiver:
    def __init__(self, service: str = "webhook") -> None:
        self.service = service
        self.requests: list[Received] = []
        self.scripts: dict[str, list[Reply]] = {}
        self.default: Reply = _ok(service)
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.port = 0
        self.httpd: ThreadingHTTPServer | None = None
        self.connections: set[socket.socket] = set()  # open keep-alive connections

    # -- test API ------------------------------------------------------------------------------

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to `path` with these replies, in order, then the default."""
        with self.lock:
            self.scripts.setdefault(path, []).extend(replies)

    def requests_to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def delivered(self, path: str | None = None) -> list[Received]:
        """Requests that got a 2xx."""
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300
                    and (path is None or r.path == path)]

    def wait_for(self, count: int, timeout: float = 10.0, path: str | None = None) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.delivered(path)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        return self.delivered(path)

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with receiver.lock:
                    receiver.connections.add(self.connection)

            def finish(self) -> None:
                with receiver.lock:
                    receiver.connections.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                receiver._handle(self)

            do_PUT = do_POST

        self.stopped.clear()
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        httpd.daemon_threads = True
        self.port = httpd.server_address[1]
        self.httpd = httpd
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop answering: connections to the port are refused until start() again."""
        self.stopped.set()  # wakes hanging handlers
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        with self.lock:  # keep-alive connections too: a client must not get through on one
            connections, self.connections = list(self.connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- serving -------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        with self.lock:
            queue = self.scripts.get(parts.path)
            reply = queue.pop(0) if queue else self.default
        record = Received(h.command, parts.path, parse_qs(parts.query),
                          {k.lower(): v for k, v in h.headers.items()}, body, reply.status,
                          time.time())
        if reply.hang_seconds:
            self.stopped.wait(reply.hang_seconds)
        if reply.drop:
            record.status = 0
            with self.lock:
                self.requests.append(record)
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if reply.drip_seconds:
            record.status = 0  # never answered in full
        with self.lock:
            self.requests.append(record)
        payload, headers = reply.encoded()
        if reply.drip_seconds:
            self._drip(h, reply)
            return
        try:
            h.send_response(reply.status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a hang test)

    def _drip(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        try:
            h.send_response(reply.status)
            h.send_header("Content-Length", "1000000")
            h.end_headers()
            h.wfile.flush()
            while not self.stopped.wait(reply.drip_seconds):
                h.wfile.write(b" ")
                h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up
        h.close_connection = True
