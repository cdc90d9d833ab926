"""The rules page: each rule's hits per day, and the live preview of a query being written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from starlette.requests import Request
from starlette.responses import Response

from monitor.browse import Preview, preview_rule
from monitor.web.context import web_context

DAYS = 14
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class RuleRow:
    name: str
    queries: list[tuple[str, str]]
    channels: tuple[str, ...]
    per_day: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_day)


def rules_page(request: Request) -> Response:
    web = web_context(request)
    config = web.config()
    today = web.clock().date()
    days = [(today - timedelta(days=DAYS - 1 - i)).isoformat() for i in range(DAYS)]
    since = datetime.combine(date.fromisoformat(days[0]), time(), timezone.utc)
    preview = _preview(request, web, config)
    with web.access.reading() as store:
        counts = store.matches_per_day(since=since)
    rows = [RuleRow(rule.name, list(rule.queries.items()), config.channels_for(rule),
                    [(day, counts.get(rule.name, {}).get(day, 0)) for day in days])
            for rule in config.rules]
    return web.page(request, "rules.html", page_title="Rules", section="/rules", rules=rows,
                    days=DAYS, preview=preview, languages=config.languages,
                    preview_items=web.settings.preview_items)


def preview_fragment(request: Request) -> Response:
    web = web_context(request)
    return web.fragment(request, "_preview.html", preview=_preview(request, web, web.config()))


def _preview(request: Request, web, config) -> Preview:
    q = request.query_params
    query = q.get("query", "")[:MAX_QUERY_CHARS]
    language = q.get("language", "")
    if language and language not in config.languages:
        language = ""
    name = " ".join(q.get("name", "").split())[:100] or "my-rule"
    if not query.strip():
        return Preview(query, language, name)
    # Items of `full_text: all` feeds are matched on their stored article too, as the rule
    # would match them (a `matched` feed's article was read after matching: not here).
    reading_all = {feed.name for feed in config.feeds if feed.full_text == "all"}
    with web.access.reading() as store:
        items = store.newest_items(web.settings.preview_items)
        articles = {item.key: article for item in items
                    if item.feed in reading_all and item.link
                    and (article := store.article_of(item.link)) is not None}
    return preview_rule(items, query, config.languages, language=language, name=name,
                        articles=articles)
