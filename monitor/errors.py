"""The exception tree. Imports nothing from monitor.

    MonitorError                  base; str(exc) is always one line; the attributes below
    ├── ConfigError               one or more `file:line: key: problem` lines; fatal at startup
    ├── FeedError                 feed name; caught per feed in pipeline, never escapes a job
    │   ├── FetchError            error_kind per cause ("timeout", "http_gone" …), HTTP status
    │   └── ParseError            e.g. "not a feed (got text/html)"
    ├── TranslationError          item-level; the item is delivered untranslated, with a note
    ├── DeliveryError             channel; drives outbox retry (transient) or dead-letter
    └── StoreError                SQLite unusable (locked, corrupt, foreign, full, read-only)
        ├── StateInUseError       another monitor holds the state's lock
        └── StateGoneError        the state file was deleted or replaced while in use; stop

Every error has the same attributes, so a handler reads them without `getattr`:

    error_kind            a short stable label for metrics, `monitor status` and logs: the
                          class's own ("config", "parse", "delivery" …) or, for FetchError,
                          the cause's
    transient             whether trying again later may succeed
    status                the HTTP status of the answer that failed, if there was one
    retry_after_seconds   how long the peer asked us to wait (Retry-After), if it did
    hint                  what the user can do about it; the CLI prints it on the next line

Messages are one line, `<what failed>: <why>`, never with secrets or tracebacks.
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

    error_kind: str = "error"
    transient: bool = False
    status: int | None = None
    retry_after_seconds: float | None = None
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None, error_kind: str | None = None,
                 transient: bool | None = None, status: int | None = None,
                 retry_after_seconds: float | None = None) -> None:
        super().__init__(_one_line(message))
        # Only what is given replaces the class's default (e.g. FeedError is transient).
        if hint is not None:
            self.hint = hint
        if error_kind is not None:
            self.error_kind = error_kind
        if transient is not None:
            self.transient = transient
        if status is not None:
            self.status = status
        if retry_after_seconds is not None:
            self.retry_after_seconds = retry_after_seconds

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(MonitorError):
    """The configuration is invalid. Carries every problem found, one per line in `lines`."""

    error_kind = "config"

    def __init__(self, lines: list[str] | str, *, hint: str | None = None) -> None:
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__(self.lines[0] if len(self.lines) == 1 else
                         f"{len(self.lines)} configuration errors", hint=hint)


class FeedError(MonitorError):
    """A feed could not be checked. Recorded on the feed; never stops other feeds. `stage`
    names what failed at the start of the message (`fetch bbc: HTTP 404`)."""

    stage = "feed"
    error_kind = "feed"
    transient = True

    def __init__(self, feed: str, message: str, *, hint: str | None = None,
                 error_kind: str | None = None, transient: bool | None = None,
                 status: int | None = None, retry_after_seconds: float | None = None) -> None:
        self.feed = feed
        self.reason = _one_line(message)
        super().__init__(f"{self.stage} {feed}: {self.reason}", hint=hint,
                         error_kind=error_kind, transient=transient, status=status,
                         retry_after_seconds=retry_after_seconds)


class FetchError(FeedError):
    """The HTTP (or file) fetch failed. `error_kind` is required: the cause, for metrics."""

    stage = "fetch"

    def __init__(self, feed: str, message: str, *, error_kind: str, status: int | None = None,
                 transient: bool = True, retry_after_seconds: float | None = None,
                 hint: str | None = None) -> None:
        super().__init__(feed, message, hint=hint, error_kind=error_kind, transient=transient,
                         status=status, retry_after_seconds=retry_after_seconds)


class ParseError(FeedError):
    """The body is not a usable feed."""

    stage = "parse"
    error_kind = "parse"


class TranslationError(MonitorError):
    """A translation could not be made; the alert goes out with the original text."""

    error_kind = "translation"


class DeliveryError(MonitorError):
    """A channel refused or could not take an alert.

    `transient` errors are retried with backoff; permanent ones send the outbox row to `dead`.
    """

    error_kind = "delivery"

    def __init__(self, channel: str, message: str, *, transient: bool,
                 retry_after_seconds: float | None = None, status: int | None = None,
                 hint: str | None = None) -> None:
        self.channel = channel
        super().__init__(f"channel {channel}: {message}", hint=hint, transient=transient,
                         status=status, retry_after_seconds=retry_after_seconds)


class StoreError(MonitorError):
    """The state file cannot be used."""

    error_kind = "state"


class StateInUseError(StoreError):
    """Another `monitor run` or `monitor poll` holds the state's lock (one poller per state)."""

    error_kind = "state_in_use"


class StateGoneError(StoreError):
    """The state path no longer names the open state file (deleted, replaced, or its lock
    gone). Whatever runs must stop: its writes would go to a file no one reads again, and
    another poller may already have started on the path."""

    error_kind = "state_gone"
