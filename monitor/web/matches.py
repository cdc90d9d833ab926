"""The matches page (newest first, filters, live updates) and the item page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from monitor.model import MatchFilter
from monitor.web.context import web_context

PAGE_SIZE = 50
LIVE_LIMIT = 100  # new matches one live update brings at most
SINCE = {"": None, "1h": timedelta(hours=1), "1d": timedelta(days=1),
         "7d": timedelta(days=7), "30d": timedelta(days=30)}
SINCE_CHOICES = (("", "any time"), ("1h", "last hour"), ("1d", "last 24 hours"),
                 ("7d", "last 7 days"), ("30d", "last 30 days"))


@dataclass(frozen=True)
class Filters:
    rule: str = ""
    language: str = ""
    feed: str = ""
    since: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def of(cls, request: Request) -> tuple["Filters", str | None]:
        q = request.query_params
        filters = cls(*(q.get(k, "").strip()[:200] for k in
                        ("rule", "language", "feed", "since", "from", "to")))
        problem = None
        if filters.since not in SINCE:
            problem = f"since: {filters.since!r} is not one of 1h, 1d, 7d, 30d"
        for name, value in (("from", filters.date_from), ("to", filters.date_to)):
            if value and _day(value) is None:
                problem = f"{name}: {value!r} is not a date (YYYY-MM-DD)"
        return filters, problem

    def match_filter(self, now: datetime) -> MatchFilter:
        since = now - SINCE[self.since] if SINCE.get(self.since) else None
        start = _day(self.date_from)
        if start is not None:
            start = datetime.combine(start, time(), timezone.utc)
            since = max(since, start) if since else start
        end = _day(self.date_to)
        until = datetime.combine(end + timedelta(days=1), time(), timezone.utc) if end else None
        return MatchFilter(rule=self.rule or None, language=self.language or None,
                           feed=self.feed or None, since=since, until=until)

    def query(self, **extra: object) -> str:
        pairs = {"rule": self.rule, "language": self.language, "feed": self.feed,
                 "since": self.since, "from": self.date_from, "to": self.date_to, **extra}
        return urlencode({k: v for k, v in pairs.items() if v not in ("", None)})

    @property
    def is_set(self) -> bool:
        return any((self.rule, self.language, self.feed, self.since, self.date_from,
                    self.date_to))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _cursor(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def matches_page(request: Request) -> Response:
    web = web_context(request)
    config = web.config()
    filters, problem = Filters.of(request)
    before = _cursor(request, "before")
    wanted = filters.match_filter(web.clock()) if problem is None else MatchFilter()
    with web.access.reading() as store:
        with store.snapshot():
            matches = store.recorded_matches(wanted, before=before, limit=PAGE_SIZE + 1)
            latest = store.latest_match_id()
            stories = _stories_of(store, matches[:PAGE_SIZE])
    older = matches[PAGE_SIZE] if len(matches) > PAGE_SIZE else None
    matches = matches[:PAGE_SIZE]
    return web.page(
        request, "matches.html", page_title="Matches", section="/matches",
        matches=matches, stories=stories, filters=filters, filtered=filters.is_set, problem=problem,
        rule_names=[r.name for r in config.rules], feed_names=[f.name for f in config.feeds],
        languages=[*config.languages, "und"], since_choices=SINCE_CHOICES,
        live_url=None if before else f"/matches/new?{filters.query(after=latest)}",
        older_url=f"/matches?{filters.query(before=matches[-1].id)}" if older else None)


def new_matches(request: Request) -> Response:
    """The live update: matches recorded after `after`, newest first, and the next poller.
    204 (htmx leaves the page alone) when there are none."""
    web = web_context(request)
    filters, problem = Filters.of(request)
    after = _cursor(request, "after")
    if after is None or problem is not None:
        return Response(status_code=204)
    with web.access.reading() as store:
        with store.snapshot():
            matches = store.recorded_matches(filters.match_filter(web.clock()), after=after,
                                             limit=LIVE_LIMIT)
            stories = _stories_of(store, matches)
    if not matches:
        return Response(status_code=204)
    latest = max(m.id for m in matches)
    return web.fragment(request, "_live.html", matches=matches, stories=stories,
                        live_url=f"/matches/new?{filters.query(after=latest)}")


def _stories_of(store, matches) -> dict[str, list]:
    """The stories of a page's matches: story id → its items (each match lists the others)."""
    ids = [m.item.story_id for m in matches if m.item.story_id]
    return store.items_of_stories(ids) if ids else {}


def item_page(request: Request) -> Response:
    web = web_context(request)
    key = request.path_params["key"]
    with web.access.reading() as store:
        with store.snapshot():
            item = store.stored_item(key)
            matches = store.matches_of_item(key) if item else []
            copies = store.copies_of_item(key) if item else []
            # The article its page gave (`full_text:` feeds), stored with the item or with
            # another item of the same link: the page was read once.
            article = store.article_of(item.link) if item and item.link else None
    if item is None:
        return web.page(request, "error.html", status=404, page_title="No such item",
                        message=f"No stored item has the key {key!r}.",
                        hint="Items out of their feed go after retention.items (90 days by "
                             "default).")
    hits = tuple(h for m in matches for h in m.hits)
    return web.page(request, "item.html", page_title=item.title[:80] or "Item",
                    section="/matches", item=item, matches=matches, copies=copies, hits=hits,
                    article=article)
