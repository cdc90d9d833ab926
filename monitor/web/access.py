"""How the web UI's handlers reach the state: a read-only store per handler thread, and a
writable one, briefly, for the few writes a user asks for (re-queueing an alert).

Beside a running daemon on SQLite the readers never block it (WAL readers take no lock a
writer waits for) and each query reads one consistent snapshot. A reader that fails is
dropped and opened again at the next request, so a state that appears after the UI started
(a first `monitor poll`) or that was replaced is picked up without a restart.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from monitor.errors import StoreError


class StateAccess:
    def __init__(self, open_reader: Callable[[], Any], open_writer: Callable[[], Any],
                 label: str = "") -> None:
        self._open_reader = open_reader
        self._open_writer = open_writer
        self.label = label  # what the footer says the state is (a path, a redacted URL)
        self._local = threading.local()
        self._readers: list[Any] = []
        self._lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[Any]:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._open_reader()
            self._local.store = store
            with self._lock:
                self._readers.append(store)
        try:
            yield store
        except StoreError:
            self._forget(store)
            raise

    @contextmanager
    def writing(self) -> Iterator[Any]:
        store = self._open_writer()
        try:
            yield store
        finally:
            store.close()

    def _forget(self, store: Any) -> None:
        self._local.store = None
        with self._lock:
            if store in self._readers:
                self._readers.remove(store)
        try:
            store.close()
        except Exception:  # already unusable: closing is best effort
            pass

    def close(self) -> None:
        with self._lock:
            readers, self._readers = self._readers, []
        for store in readers:
            try:
                store.close()
            except Exception:
                pass
