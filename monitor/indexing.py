"""Keeping the search index caught up with the items the polls record.

Items are indexed after their check committed (monitor.rules.search explains what is
indexed): `catch_up` takes queued items in batches, each a short write transaction, until the
queue is empty or its time is up. The daemon calls it after its checks, `monitor web` every few
seconds, `monitor search` before it searches; a search also reads queued items directly, so an
index that is behind is slower, never wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from monitor.errors import StoreError

log = logging.getLogger(__name__)
BATCH = 1000  # items per write transaction: about 0.1 s of word analysis on a shared core


def catch_up(store: Any, *, budget_seconds: float = 5.0, batch: int = BATCH) -> int:
    """Index queued items until none are left or `budget_seconds` passed; how many."""
    deadline = time.monotonic() + budget_seconds
    done = 0
    store.reindex_if_stale()
    while time.monotonic() < deadline:
        taken = store.index_pending(batch)
        done += taken
        if taken < batch:
            break
    return done


class BackgroundIndexer:
    """A thread that runs `catch_up` every `interval_seconds` on its own writable store.

    A state it cannot write (a read-only file, a full disk) is logged once; searches then
    read queued items directly. `stop()` ends it between batches."""

    def __init__(self, open_store: Callable[[], Any], *, interval_seconds: float = 10.0) -> None:
        self._open_store = open_store
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.indexed = 0

    def start(self) -> "BackgroundIndexer":
        self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        store = None
        warned = False
        while not self._stop.is_set():
            try:
                if store is None:
                    store = self._open_store()
                while not self._stop.is_set():
                    taken = store.index_pending(BATCH)
                    self.indexed += taken
                    if taken < BATCH:
                        break
                warned = False
            except StoreError as exc:
                if not warned:
                    log.warning("Search index not updated; searches read new items directly",
                                extra={"fields": {"error": str(exc)}})
                    warned = True
                if store is not None:
                    store.close()
                    store = None
            self._stop.wait(self.interval_seconds)
        if store is not None:
            store.close()
