"""Serving the web UI with uvicorn: standalone (`monitor web`) or on the daemon's event loop
(`monitor run --web-port`), and building the app over a state file.

Signals stay with the caller (the CLI or the daemon): uvicorn would otherwise install its own
SIGTERM/SIGINT handlers and re-raise the signal after shutting down.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
from typing import Any, Callable

import uvicorn

from monitor.errors import MonitorError
from monitor.web import create_app
from monitor.web.access import StateAccess
from monitor.web.settings import WebSettings

log = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 3  # open requests get this long to finish when the server stops
# Page handlers run in this many threads (anyio's default is 40): each keeps a SQLite reader
# and warm word caches (rules.stems.shared_analyzer), and two cores gain nothing from more.
HANDLER_THREADS = 4


def state_access(state_path: Any) -> StateAccess:
    """Read-only SQLite connections for the pages, a writable one per write."""
    from monitor.store import open_store
    from monitor.store.urls import redact

    path = str(state_path)
    return StateAccess(lambda: open_store(path, create=False, readonly=True),
                       lambda: open_store(path, create=False), label=redact(path))


def build_app(config: Callable[[], Any], settings: WebSettings, access: StateAccess | None = None):
    settings.check()
    return create_app(settings, access or state_access(config().state_path), config)


def listen(settings: WebSettings, option: str = "--port") -> socket.socket:
    """Bind now, so a taken port is one clear line before anything starts."""
    host = settings.host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0 (socket.create_server's): asyncio sets TCP_NODELAY only on
    # connections whose socket says TCP, and without it a keep-alive response written as
    # headers then body waits for the client's delayed ACK (40 ms on Linux: measured 44 ms
    # per htmx poll, 4 ms with it).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, settings.port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        hint = "choose another port, or stop what uses this one" \
            if exc.errno == errno.EADDRINUSE else None
        raise MonitorError(f"web: {option} {settings.port}: cannot listen on {settings.host}: "
                           f"{why}", hint=hint) from None
    return sock


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # the CLI or the daemon owns SIGTERM/SIGINT
        yield


class WebServer:
    """The ASGI app on a bound socket; `serve()` until `stop()`."""

    def __init__(self, app, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=SHUTDOWN_SECONDS, proxy_headers=False,
                                server_header=False, timeout_keep_alive=10)
        self._server = _Server(config)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).setLevel(logging.WARNING)

    async def serve(self) -> None:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
        host, port = self.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        log.info("Web UI listening", extra={"fields": {"address": f"http://{shown}:{port}/"}})
        await self._server.serve(sockets=[self.sock])

    def stop(self) -> None:
        self._server.should_exit = True

    def close(self) -> None:
        """After serving: close the state connections the handlers opened."""
        self.app.app.state.web.access.close()

    async def run_until(self, stop: asyncio.Event) -> None:
        task = asyncio.ensure_future(self.serve())
        waiter = asyncio.ensure_future(stop.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        self.stop()
        waiter.cancel()
        await task
