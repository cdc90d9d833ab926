"""`monitor run --health-port N`: a tiny HTTP server for /healthz and /metrics. asyncio only.

It runs on the daemon's own event loop, so a loop blocked by a stuck job also stops /healthz
from answering, which is what a health check should see. The answers are computed by
callables the daemon passes in; this module knows nothing of the pipeline.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Awaitable, Callable

from monitor.errors import MonitorError

log = logging.getLogger(__name__)
READ_TIMEOUT_SECONDS = 5.0
MAX_REQUEST_BYTES = 8192
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

HealthCheck = Callable[[], Awaitable[tuple[bool, str]]]  # (healthy, one-line reason)
MetricsPage = Callable[[], Awaitable[str]]


class HealthServer:
    def __init__(self, host: str, port: int, *, check: HealthCheck, metrics: MetricsPage) -> None:
        self.host = host
        self.port = port
        self.check = check
        self.metrics = metrics
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                      limit=MAX_REQUEST_BYTES)
        except OSError as exc:
            why = os.strerror(exc.errno) if exc.errno else str(exc)
            raise MonitorError(f"--health-port {self.port}: cannot listen on {self.host}: {why}",
                               hint="choose another port, or stop what uses this one") from None
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("Health endpoint listening", extra={"fields": {
            "address": f"http://{self.host}:{self.port}/healthz"}})

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            method, _, rest = head.decode("latin-1").partition(" ")
            path = rest.partition(" ")[0].split("?")[0]
            if method not in ("GET", "HEAD"):
                status, body, ctype = 405, "only GET\n", "text/plain; charset=utf-8"
            elif path == "/healthz":
                healthy, reason = await self.check()
                status, body = (200, "ok\n") if healthy else (503, f"unhealthy: {reason}\n")
                ctype = "text/plain; charset=utf-8"
            elif path == "/metrics":
                status, body, ctype = 200, await self.metrics(), METRICS_CONTENT_TYPE
            else:
                status, body, ctype = 404, "not found: try /healthz or /metrics\n", \
                    "text/plain; charset=utf-8"
            data = body.encode("utf-8")
            reason_phrase = {200: "OK", 404: "Not Found", 405: "Method Not Allowed",
                             503: "Service Unavailable"}[status]
            writer.write(f"HTTP/1.1 {status} {reason_phrase}\r\nContent-Type: {ctype}\r\n"
                         f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
                         .encode("latin-1"))
            if method != "HEAD":
                writer.write(data)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ConnectionError):
            pass  # a client that sends nothing, too much, or hangs up gets nothing
        except Exception:  # never let a scrape take the daemon down
            log.exception("Health endpoint failed to answer")
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass
