"""A real HTTP feed server on 127.0.0.1 for tests: serves feed bodies with ETag and
Last-Modified (answering 304 to conditional requests), records every request, and can be told
to misbehave per path: a status code, 429/503 + Retry-After, a slow or oversized body, a
redirect, an HTML page, gzip, an endless body; `FeedServer(tls=context)` serves HTTPS.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # send ETag / Last-Modified and honour conditional requests
    delay_seconds: float = 0.0  # before answering
    drip_seconds: float = 0.0  # between bytes of the body
    gzip: bool = False
    redirect_to: str | None = None  # with status 301/302/307/308
    endless: bool = False  # repeat `body` until the client hangs up (no Content-Length);
    # with drip_seconds, one `body` every drip_seconds
    last_modified: float = field(default_factory=time.time)

    def validators(self) -> tuple[str, str]:
        digest = hashlib.sha1(self.body).hexdigest()[:16]
        return f'"{digest}"', email.utils.formatdate(self.last_modified, usegmt=True)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    status: int
    client_port: int = 0  # tells connections apart: a reused keep-alive connection keeps it
    at: float = field(default_factory=time.monotonic)  # when the request arrived


class FeedServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if tls is not None else "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    # -- test API ------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def set(self, path: str, body: bytes | str = b"", **kwargs: object) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            self.routes[path] = Route(body=body, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def update(self, path: str, body: bytes | str) -> None:
        """New content at `path`: new validators, so the next conditional GET gets a 200."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            route = self.routes[path]
            route.body = body
            route.last_modified = max(time.time(), route.last_modified + 1)

    def requests_to(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> "FeedServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- serving -------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self.lock:
            route = self.routes.get(h.path.split("?")[0])
        headers = {k.lower(): v for k, v in h.headers.items()}
        if route is None:
            self._record(h, headers, 404)
            self._send(h, 404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.delay_seconds:
            time.sleep(route.delay_seconds)
        out = {"Content-Type": route.content_type, **route.headers}
        if route.redirect_to:
            self._record(h, headers, route.status)
            out["Location"] = route.redirect_to
            self._send(h, route.status, b"", out)
            return
        status = route.status
        body = route.body
        if status == 200 and route.etag:
            etag, last_modified = route.validators()
            out["ETag"] = etag
            out["Last-Modified"] = last_modified
            inm = headers.get("if-none-match")
            ims = headers.get("if-modified-since")
            if (inm is not None and inm == etag) or (inm is None and ims == last_modified):
                self._record(h, headers, 304)
                self._send(h, 304, b"", {"ETag": etag, "Last-Modified": last_modified})
                return
        if route.gzip and "gzip" in headers.get("accept-encoding", ""):
            body = gzip.compress(body)
            out["Content-Encoding"] = "gzip"
        self._record(h, headers, status)
        if route.endless:
            self._send_endless(h, status, body, out, drip=route.drip_seconds)
            return
        self._send(h, status, body, out, drip=route.drip_seconds)

    def _record(self, h: BaseHTTPRequestHandler, headers: dict[str, str], status: int) -> None:
        with self.lock:
            self.requests.append(Request(h.command, h.path, headers, status,
                                         h.client_address[1]))

    @staticmethod
    def _send_endless(h: BaseHTTPRequestHandler, status: int, chunk: bytes,
                      headers: dict[str, str], drip: float = 0.0) -> None:
        h.close_connection = True
        try:
            h.send_response(status)
            for k, v in {**headers, "Connection": "close"}.items():
                h.send_header(k, v)
            h.end_headers()
            while True:
                h.wfile.write(chunk)
                if drip:  # a page that never ends, slowly: each chunk in time for the read timeout
                    h.wfile.flush()
                    time.sleep(drip)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str],
              drip: float = 0.0) -> None:
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            if "Content-Length" not in headers and status != 304:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if status == 304 or not body:
                return
            if drip:
                for i in range(len(body)):
                    h.wfile.write(body[i:i + 1])
                    h.wfile.flush()
                    time.sleep(drip)
            else:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client gave up (timeouts, size caps): that is what some tests want


def rss(items: list[dict[str, str]], *, title: str = "Test feed", language: str | None = None,
        encoding: str = "utf-8") -> bytes:
    """A small RSS 2.0 document. Each item: guid, title, description, link, pubDate (optional)."""
    from xml.sax.saxutils import escape

    parts = [f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
             f"<title>{escape(title)}</title><link>https://example.org/</link>"
             f"<description>test</description>"]
    if language:
        parts.append(f"<language>{language}</language>")
    for item in items:
        parts.append("<item>")
        for key in ("guid", "title", "link", "description", "pubDate"):
            if key in item:
                parts.append(f"<{key}>{escape(item[key])}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode(encoding)
