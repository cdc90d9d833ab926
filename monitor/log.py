"""Logging setup: text or JSON lines on stderr, secrets scrubbed, noisy libraries quieted.

Modules log a short sentence with data in `extra={"fields": {...}}`; both formats print the
same fields. The only module that configures handlers.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import IO, Iterable

from monitor.redact import Scrubber

class Redactor(logging.Filter):
    """Replaces every configured secret, in each of its encodings (base64, percent-encoding:
    monitor.redact), and token-looking URL parts, with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: list[str] = []
        self.scrubber = Scrubber()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self.scrubber = Scrubber(self.secrets)

    def scrub(self, text: str) -> str:
        return self.scrubber.scrub(text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = None
        fields = getattr(record, "fields", None)
        if fields:
            record.fields = {k: self.scrub(v) if isinstance(v, str) else v
                             for k, v in fields.items()}
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def _value(v: object) -> str:
    text = str(v)
    if text == "" or any(c.isspace() for c in text) or '"' in text or "=" in text:
        return json.dumps(text, ensure_ascii=False)
    return text


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = f"{when} {record.levelname:<7} {record.getMessage()}"
        for k, v in (getattr(record, "fields", None) or {}).items():
            if v is not None:
                line += f" {k}={_value(v)}"
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
               "level": record.levelname.lower(), "logger": record.name,
               "msg": record.getMessage()}
        for k, v in (getattr(record, "fields", None) or {}).items():
            if v is not None:
                doc[k] = v if isinstance(v, (int, float, bool)) else str(v)
        if record.exc_text:
            doc["traceback"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False)


_redactor = Redactor()


def setup_logging(level: str = "info", fmt: str = "text", *, stream: IO[str] | None = None,
                  secrets: Iterable[str] = (), debug: bool = False) -> Redactor:
    """Configure the root logger once; returns the redactor so secrets can be added later."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    _redactor.update(secrets)
    handler.addFilter(_redactor)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else getattr(logging, level.upper(), logging.INFO))
    # httpx logs every request with its full URL (tokens included) at INFO; APScheduler logs
    # every job run at INFO.
    for name in ("httpx", "httpcore", "apscheduler", "hpack", "urllib3", "asyncio",
                 "argostranslate", "ctranslate2", "stanza", "aiosmtplib", "mail.log"):
        logging.getLogger(name).setLevel(logging.DEBUG if debug and name not in
                                         ("httpx", "httpcore") else logging.WARNING)
    # Article extraction logs a page without article text, or one that is not HTML, at ERROR;
    # monitor.article reports those outcomes itself, in the alert and at DEBUG.
    for name in ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer"):
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.CRITICAL)
    return _redactor


def add_secrets(secrets: Iterable[str]) -> None:
    _redactor.update(list(_redactor.secrets) + list(secrets))
