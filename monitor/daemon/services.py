"""What the daemon runs beside its checks and deliveries: the search index's upkeep (always)
and the web UI (`monitor run --web-port N`), on the daemon's own event loop.

The web UI reads the state through read-only connections of its own, in its own threads, so a
page never waits for a check's commit; it sees the daemon's current config (a SIGHUP reload
shows at the next request). The index is kept caught up in a thread with its own connection,
every few seconds, in short transactions beside the checks' commits.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from monitor.indexing import BackgroundIndexer
from monitor.store import open_store
from monitor.web.server import WebServer, build_app, listen
from monitor.web.settings import WebSettings

log = logging.getLogger(__name__)
INDEX_EVERY_SECONDS = 5.0


class DaemonServices:
    def __init__(self, config: Callable[[], Any], *, web: WebSettings | None) -> None:
        self.config = config
        self.web_settings = web
        self.indexer: BackgroundIndexer | None = None
        self.web: WebServer | None = None
        self._serving: asyncio.Task | None = None

    async def start(self) -> None:
        """Raises MonitorError when the web UI cannot start (no password for another host, a
        taken port): the daemon refuses to start rather than run without what was asked."""
        if self.web_settings is not None:
            app = build_app(self.config, self.web_settings)
            self.web = WebServer(app, listen(self.web_settings, "--web-port"))
            self._serving = asyncio.create_task(self.web.serve(), name="web UI")
        state = self.config().state_path
        self.indexer = BackgroundIndexer(lambda: open_store(state, create=False),
                                         interval_seconds=INDEX_EVERY_SECONDS).start()

    async def close(self) -> None:
        if self.web is not None and self._serving is not None:
            self.web.stop()
            await asyncio.gather(self._serving, return_exceptions=True)
            self.web.close()
        if self.indexer is not None:
            await asyncio.to_thread(self.indexer.stop)
