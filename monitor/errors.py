"""The exception tree. Imports nothing from monitor.

    MonitorError                  base; str(exc) is always one line
    ├── ConfigError               one or more `file:line: key: problem` lines; fatal at startup
    ├── FeedError                 feed name/url; caught per feed in pipeline, never escapes a job
    │   ├── FetchError            kind, HTTP status (or None), transient, retry_after_seconds
    │   └── ParseError            e.g. "not a feed (got text/html)"
    ├── TranslationError          item-level; the item is delivered untranslated, with a note
    ├── DeliveryError             channel, transient; drives outbox retry or dead-letter
    └── StoreError                SQLite unusable (locked, corrupt, foreign, full, read-only)
        ├── StateInUseError       another monitor holds the state's lock
        └── StateGoneError        the state file was deleted or replaced while in use; stop

Messages are one line, `<what failed>: <why>`, never with secrets or tracebacks. An optional
`hint` says what to do; the CLI prints it on the next line.
"""

from __future__ import annotations


def root_cause(exc: BaseException) -> BaseException:
    """The innermost exception of a `raise … from …` / context chain (loops are cut)."""
    seen = set()
    while exc.__cause__ is not None or exc.__context__ is not None:
        nxt = exc.__cause__ or exc.__context__
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        exc = nxt
    return exc


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class MonitorError(Exception):
    """Base of every error monitor raises on purpose."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(_one_line(message))
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(MonitorError):
    """The configuration is invalid. Carries every problem found, one per line in `lines`."""

    def __init__(self, lines: list[str] | str, *, hint: str | None = None) -> None:
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__(self.lines[0] if len(self.lines) == 1 else
                         f"{len(self.lines)} configuration errors", hint=hint)


class FeedError(MonitorError):
    """A feed could not be checked. Recorded on the feed; never stops other feeds."""

    kind = "feed"
    transient = True

    def __init__(self, feed: str, message: str, *, hint: str | None = None) -> None:
        self.feed = feed
        self.reason = _one_line(message)
        super().__init__(f"{self.kind} {feed}: {self.reason}", hint=hint)


class FetchError(FeedError):
    """The HTTP (or file) fetch failed. `error_kind` is a short stable label for metrics."""

    kind = "fetch"

    def __init__(self, feed: str, message: str, *, error_kind: str, status: int | None = None,
                 transient: bool = True, retry_after_seconds: float | None = None,
                 hint: str | None = None) -> None:
        self.error_kind = error_kind
        self.status = status
        self.transient = transient
        self.retry_after_seconds = retry_after_seconds
        super().__init__(feed, message, hint=hint)


class ParseError(FeedError):
    """The body is not a usable feed."""

    kind = "parse"
    error_kind = "parse"


class TranslationError(MonitorError):
    """A translation could not be made; the alert goes out with the original text."""


class DeliveryError(MonitorError):
    """A channel refused or could not take an alert.

    `transient` errors are retried with backoff; permanent ones send the outbox row to `dead`.
    """

    def __init__(self, channel: str, message: str, *, transient: bool,
                 retry_after_seconds: float | None = None, hint: str | None = None) -> None:
        self.channel = channel
        self.transient = transient
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"channel {channel}: {message}", hint=hint)


class StoreError(MonitorError):
    """The state file cannot be used."""


class StateInUseError(StoreError):
    """Another `monitor run` or `monitor poll` holds the state's lock (one poller per state)."""


class StateGoneError(StoreError):
    """The state path no longer names the open state file (deleted, replaced, or its lock
    gone). Whatever runs must stop: its writes would go to a file no one reads again, and
    another poller may already have started on the path."""
