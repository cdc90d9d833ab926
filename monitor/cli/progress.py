"""The progress line of a long `monitor poll` on a terminal."""

from __future__ import annotations

import time
from typing import IO


class Progress:
    """A one-line progress bar on a terminal's stderr, shown once a poll takes over half a
    second (a quick poll leaves no trace)."""

    DELAY_SECONDS = 0.5

    def __init__(self, stream: IO[str], total: int) -> None:
        self.stream, self.total, self.count, self.errors = stream, total, 0, 0
        self.started = time.monotonic()
        self.shown = False

    def step(self, outcome) -> None:
        self.count += 1
        self.errors += outcome.status == "error"
        if time.monotonic() - self.started < self.DELAY_SECONDS and self.count < self.total:
            return
        self.shown = True
        width = 30
        filled = width * self.count // max(1, self.total)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total}"
                          f" feeds" + (f", {self.errors} failed" if self.errors else ""))
        self.stream.flush()

    def done(self) -> None:
        if not self.shown:
            return
        self.stream.write("\r" + " " * 70 + "\r")
        self.stream.flush()
