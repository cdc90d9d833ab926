"""The feeds page: each configured feed's health, failing feeds first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from monitor.redact import EnvRefs, display_url, scrubber_for
from monitor.web.context import web_context

DAYS = 7
_ORDER = {"failing": 0, "never": 1, "ok": 2, "disabled": 3}


@dataclass(frozen=True)
class FeedRow:
    name: str
    url: str
    enabled: bool
    status: str  # failing, never, ok, disabled
    status_label: str
    last_success_at: datetime | None
    consecutive_failures: int
    failing_since: datetime | None
    last_error_kind: str | None
    last_error: str | None
    next_due_at: datetime | None
    items_per_day: float
    items_total: int


def feeds_page(request: Request) -> Response:
    web = web_context(request)
    config = web.config()
    now = web.clock()
    scrub = scrubber_for(config.secrets)
    with web.access.reading() as store:
        store.env_refs = EnvRefs(config.env_refs)
        with store.snapshot():
            states = {s.name: s for s in store.feed_states()}
            recent = store.items_per_feed(since=now - timedelta(days=DAYS))
    rows = []
    for feed in config.feeds:
        s = states.get(feed.name)
        if not feed.enabled:
            status, label = "disabled", "disabled"
        elif s is None or s.last_attempt_at is None:
            status, label = "never", "not checked yet"
        elif s.consecutive_failures:
            status, label = "failing", "failing"
        else:
            status, label = "ok", "ok"
        rows.append(FeedRow(
            name=feed.name, url=display_url(s.fetch_url if s else feed.url, scrub),
            enabled=feed.enabled, status=status, status_label=label,
            last_success_at=s.last_success_at if s else None,
            consecutive_failures=s.consecutive_failures if s else 0,
            failing_since=s.failing_since if s else None,
            last_error_kind=s.last_error_kind if s else None,
            last_error=scrub.scrub(s.last_error) if s and s.last_error else None,
            next_due_at=s.next_due_at if s else None,
            items_per_day=recent.get(feed.name, 0) / DAYS,
            items_total=s.items_total if s else 0))
    rows.sort(key=lambda r: (_ORDER[r.status], -r.consecutive_failures, r.name))
    return web.page(request, "feeds.html", page_title="Feeds", section="/feeds", feeds=rows,
                    failing=sum(r.status == "failing" for r in rows), days=DAYS)
