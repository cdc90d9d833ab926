"""Alerts for tests, built the way the pipeline builds them (render.build_alert)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from monitor.model import Alert, Hit, Item, Match, Translation
from monitor.render import build_alert

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=timezone.utc)


def make_alert(title: str = "Завод беспилотников в Елабуге расширяют",
               summary: str = "Производство беспилотников «Герань» в Алабуге выросло вдвое, "
                              "сообщают источники. Завод нанимает студентов.",
               *, rule: str = "drones", channel: str = "hook", feed: str = "bbc-russian",
               language: str = "ru", terms: tuple[str, ...] = ("беспилотник",),
               translation: Translation | None | str = "default", key: str = "item-1",
               link: str = "https://www.bbc.com/russian/articles/c1", now: datetime = NOW,
               **changes) -> Alert:
    item = Item(feed=feed, id=f"guid-{key}", key=key, title=title, summary=summary, link=link,
                published_at=datetime(2026, 11, 25, 9, 15, tzinfo=timezone.utc),
                language=language)
    hits = []
    for term in terms:
        for field, text in (("title", title), ("summary", summary)):
            pos = text.lower().find(term.lower()[:8])
            if pos >= 0:
                end = pos
                while end < len(text) and text[end].isalnum():
                    end += 1
                hits.append(Hit(term, field, pos, end))
    match = Match(rule, key, terms, tuple(hits))
    if translation == "default":
        translation = Translation(language, "en",
                                  "Drone factory in Yelabuga is being expanded",
                                  "Production of Geran drones in Alabuga has doubled, sources "
                                  "say. The factory hires students.", route="argos:ru-en")
    alert = build_alert(match, item, channel, translation, now)
    return replace(alert, **changes) if changes else alert
