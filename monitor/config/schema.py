"""The config's schema: one frozen pydantic model per part of config.yaml. Pure.

These validated objects are what the code uses: `config.fetch.read_timeout`,
`feed.interval`. Field names are the YAML keys (the one alias is `from`, a Python keyword).
Durations are floats of seconds, sizes ints of bytes, rates floats of messages per minute,
whatever unit the YAML was written in. Each model's defaults are the documented defaults.
Channel models are in `config.channels`, the whole file and the loaded Config in
`config.document`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Union
from urllib.parse import urlsplit

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator,
                      ValidationInfo, model_validator)

from monitor.config.values import (check_feed_url, check_language, check_query, parse_duration,
                                   parse_size)

DEFAULT_LANGUAGES = ("en", "ru", "be", "uk")


def _duration_or_never(value: Any) -> float | None:
    return None if value in ("never", None) else parse_duration(value)


def _age_or_any(value: Any) -> float | None:
    return None if value == "any" else parse_duration(value)


def resolve_path(value: str, base_dir: Path) -> Path:
    """`~` expanded; a relative path is relative to the config's folder."""
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base_dir / p)


def _feed_url(value: Any, info: ValidationInfo) -> str:
    """A checked feed URL; a file path becomes a file:// URL (relative to the config's folder,
    so a config can ship its demo feeds)."""
    base_dir = (info.context or {}).get("base_dir")
    url = check_feed_url(value, base_dir)
    if url[:8].lower().startswith(("http://", "https://")) or \
            urlsplit(url).scheme.lower() == "file":
        return url
    return resolve_path(url, base_dir or Path.cwd()).resolve().as_uri()


Duration = Annotated[float, BeforeValidator(parse_duration)]  # seconds
KeepFor = Annotated[Union[float, None], BeforeValidator(_duration_or_never)]  # None: forever
MaxAge = Annotated[Union[float, None], BeforeValidator(_age_or_any)]  # None: any age
Size = Annotated[int, BeforeValidator(parse_size)]  # bytes
Language = Annotated[str, BeforeValidator(check_language)]
FeedUrl = Annotated[str, BeforeValidator(_feed_url)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Query = Annotated[Union[str, Mapping[str, str]], PlainValidator(check_query)]

ANY_LANGUAGE = "*"  # the key of a rule's single query in `RuleConfig.queries`


def _duration_or_none(value: Any) -> float:
    """A duration that may be zero (`0s`, `0`: no wait at all)."""
    return 0.0 if value in (0, "0", "0s", "0ms") else parse_duration(value)


def _full_text(value: Any) -> bool | str:
    if value is False or value in ("matched", "all"):
        return value
    shown = str(value).lower() if isinstance(value, bool) else repr(value)
    hint = " (true is ambiguous: say matched or all)" if value is True else ""
    raise ValueError(f"must be false, matched or all, got {shown}{hint}")


# Read the article each item links to: false, "matched" (the items that matched, for the lead
# their alerts show) or "all" (every new item, matched on its article text too).
FullText = Annotated[Union[bool, str], BeforeValidator(_full_text)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, defer_build=True)


class FeedConfig(Section):
    """One `feeds:` entry. `interval` and `max_items_per_check` are `defaults:`'s when the
    feed sets none (the loader passes them in)."""

    name: Name
    url: FeedUrl
    language: Language | None = None  # a hint, not truth
    interval: Duration = 900.0
    enabled: bool = True
    # New items taken per check, newest first; the rest wait for the next checks.
    max_items_per_check: int = Field(200, ge=1, le=1_000_000)
    full_text: FullText = False
    # Matches of items published longer ago than this are recorded, not alerted.
    alert_max_age: MaxAge = None

    @model_validator(mode="before")
    @classmethod
    def _feed_defaults(cls, data: Any, info: ValidationInfo) -> Any:
        """`defaults:`' values (as written, so checked the same way) for the keys a feed
        leaves out or sets to nothing."""
        if not isinstance(data, dict):
            return data
        defaults = (info.context or {}).get("feed_defaults") or {}
        if not any(data.get(key) is None for key in FEED_DEFAULT_KEYS):
            return data
        data = {k: v for k, v in data.items() if not (k in FEED_DEFAULT_KEYS and v is None)}
        for key, value in defaults.items():
            data.setdefault(key, value)
        return data


FEED_DEFAULT_KEYS = ("interval", "max_items_per_check", "full_text", "alert_max_age")


class RuleConfig(Section):
    name: Name
    query: Query
    channels: tuple[Name, ...] | None = None  # None: every channel

    @property
    def queries(self) -> Mapping[str, str]:
        """Language code (or ANY_LANGUAGE for a single query) → query."""
        return {ANY_LANGUAGE: self.query} if isinstance(self.query, str) else self.query


class DefaultsConfig(Section):
    interval: Duration = 900.0
    max_items_per_check: int = Field(200, ge=1, le=1_000_000)
    # Per rule, per feed check; the rest in one summary alert.
    max_alerts_per_rule: int = Field(20, ge=1, le=1_000_000)
    full_text: FullText = False
    # A new feed's archive, or a publisher re-dating old items, must not flood the channels:
    # matches of items published longer ago than this (before the check) are recorded (matches,
    # search, the web UI) but not alerted. `any` (the default): every new match alerts.
    alert_max_age: MaxAge = None


class ArticlesConfig(Section):
    """How the pages of `full_text:` feeds are read. The rest of `fetch:` applies to them too:
    timeouts, total deadline, redirects and their policy, concurrency, user agent."""

    lead_length: int = Field(600, ge=0, le=20_000)  # characters of the article in an alert
    max_page_size: Size = 5 * 1024 * 1024  # read at most this much of a page
    per_host: int = Field(2, ge=1, le=64)  # article requests at once to one host
    # Between the starts of two requests to one host; 0s: none (a LAN, a bench).
    per_host_delay: Annotated[float, BeforeValidator(_duration_or_none)] = 1.0


class FetchConfig(Section):
    """Limits for every HTTP fetch."""

    concurrency: int = Field(32, ge=1, le=1024)
    per_host: int = Field(4, ge=1, le=256)
    connect_timeout: Duration = 10.0
    read_timeout: Duration = 30.0
    total_timeout: Duration = 60.0
    max_body_size: Size = 10 * 1024 * 1024
    max_redirects: int = Field(5, ge=0, le=30)
    user_agent: str = ""  # empty: "monitor/<version> (+https://github.com/monitor)"
    backoff_max: Duration = 24 * 3600.0
    # Redirects into loopback, private, link-local … space are refused unless set (a LAN);
    # see monitor.fetch.policy.
    allow_private_redirects: bool = False


class TranslationConfig(Section):
    enabled: bool = True
    models_dir: str | None = None  # once loaded, an absolute path (default: beside the state)
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    beam_size: int = Field(2, ge=1, le=16)
    intra_threads: int = Field(1, ge=0, le=64)
    apertium: bool = True
    apertium_timeout: Duration = 60.0


class DeliveryConfig(Section):
    """How failed alerts are retried before they are dead."""

    retry_first: Duration = 30.0  # the first retry's delay; each next one doubles
    retry_max: Duration = 3600.0  # the longest delay between two attempts
    max_attempts: int = Field(20, ge=1, le=1000)  # with the defaults: dead after about 14 h
    # /healthz is unhealthy while a channel has been trying for this long without a success.
    stalled_after: Duration = 600.0


class RetentionConfig(Section):
    """How long the state keeps what it no longer needs; None (`never`) keeps forever. An
    item still in its feed is never deleted, however old: it would be new again at the next
    check, and alert again."""

    items: KeepFor = 90 * 86400.0  # after the item was last in its feed
    sent_alerts: KeepFor = 30 * 86400.0  # after it was sent
    dead_alerts: KeepFor = 180 * 86400.0  # after it was queued
    prune_every: Duration = 86400.0  # how often `monitor run` prunes


def _password_hash(value: Any) -> Any:
    if value is not None and not (isinstance(value, str) and value.startswith("scrypt$")):
        raise ValueError("not a scrypt hash: make one with `monitor web --hash-password`")
    return value


class WebConfig(Section):
    """The web UI (`monitor web`, `monitor run --web-port`). Any host but a loopback address
    needs `password_hash` or `token` (checked when it starts)."""

    host: str = Field("127.0.0.1", min_length=1, max_length=255)
    port: int = Field(8080, ge=0, le=65535)
    password_hash: Annotated[Union[str, None], BeforeValidator(_password_hash)] = None
    token: Union[str, None] = Field(None, min_length=16, max_length=512)  # e.g. ${WEB_TOKEN}
    refresh: Duration = Field(5.0, ge=0.5, le=3600)  # the matches page's live updates


class StoriesConfig(Section):
    """How matched items are grouped into stories (monitor.story_grouping): the reports of one
    event across feeds and languages, compared within `window` of each other."""

    window: Duration = Field(72 * 3600.0, ge=3600, le=30 * 86400)


class HealthConfig(Section):
    """Alerts about feeds that keep failing."""

    feed_failing_after: Duration = 24 * 3600.0
    channels: tuple[Name, ...] = ()
