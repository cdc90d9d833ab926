"""Logging a failure that repeats every second (the database away, a store error in a loop):
one line when it starts, at most one a minute while it goes on, one when it is over (every
attempt at DEBUG).

The daemon retries its leases every second and each channel's drain every 5 s; while
PostgreSQL restarts or is down for an hour, a line per attempt was 3,600 ERROR lines an hour
for the leases alone, burying the first one (the one that says what happened) and whatever
else went wrong meanwhile.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

REPEAT_EVERY_SECONDS = 60.0


class FailureLog:
    def __init__(self, logger: logging.Logger, message: str, recovered: str, *,
                 level: int = logging.ERROR, every_seconds: float = REPEAT_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.message = message        # e.g. "Could not lease feeds; trying again"
        self.recovered = recovered    # e.g. "Leasing feeds works again"
        self.level = level
        self.every = every_seconds
        self.clock = clock
        self.started: float | None = None  # when the current run of failures began
        self.logged_at = 0.0
        self.unlogged = 0                  # failures since the last line
        self.failures = 0                  # in the current run

    def failed(self, error: str, **fields: object) -> None:
        now = self.clock()
        self.failures += 1
        if self.started is None:
            self.started = now
        elif now - self.logged_at < self.every:
            self.unlogged += 1  # still there for `--log-level debug`
            self.logger.debug(self.message, extra={"fields": {**fields, "error": error}})
            return
        if self.unlogged:
            fields["repeated"] = self.unlogged  # the same failure, not logged, since the last line
        self.logger.log(self.level, self.message, extra={"fields": {**fields, "error": error}})
        self.logged_at, self.unlogged = now, 0

    def succeeded(self, **fields: object) -> None:
        if self.started is None:
            return
        seconds = round(self.clock() - self.started, 1)
        self.logger.info(self.recovered, extra={"fields": {
            **fields, "failures": self.failures, "seconds": seconds}})
        self.started, self.unlogged, self.failures = None, 0, 0
