"""How values are written in the state: instants as fixed-width UTC text, and an alert as the
JSON document an outbox row carries (Alert ⇄ JSON). Pure; any backend uses the same text, so a
state can move between backends row for row.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from monitor.model import Alert, Hit, Source, StoryRoot, Translation


def iso(dt: datetime | None) -> str | None:
    """`2026-11-25T12:00:00.000000Z`: fixed width (a year below 1000 too: `0001-…`), so text
    order is time order, and from_iso reads it back."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") \
        + "Z"


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)  # "…Z" is UTC (Python 3.11+)
    except ValueError:
        # A year below 1000 as states written before this release hold it, unpadded
        # ("1-01-01T…"): fromisoformat wants four digits, so pad it.
        year, _, rest = text.partition("-")
        return datetime.fromisoformat(f"{int(year):04d}-{rest}")


def window_around(at: datetime, window: timedelta) -> tuple[datetime, datetime]:
    """(at - window, at + window), held inside the instants Python represents: a feed may
    date an item in year 1 or 9999."""
    try:
        since = at - window
    except OverflowError:
        since = datetime.min.replace(tzinfo=timezone.utc)
    try:
        until = at + window
    except OverflowError:
        until = datetime.max.replace(tzinfo=timezone.utc)
    return since, until


def alert_to_json(a: Alert) -> dict[str, Any]:
    t = a.translation
    return {
        "id": a.id, "kind": a.kind, "rule": a.rule, "channel": a.channel, "feed": a.feed,
        "item_key": a.item_key, "item_id": a.item_id, "title": a.title, "summary": a.summary,
        "link": a.link, "published_at": iso(a.published_at), "language": a.language,
        "matched_terms": list(a.matched_terms), "snippet": a.snippet,
        "hits": [[h.term, h.field, h.start, h.end] for h in a.hits],
        "translation": None if t is None else {
            "source_language": t.source_language, "target_language": t.target_language,
            "title": t.title, "summary": t.summary, "route": t.route, "note": t.note,
            **({"article": t.article} if t.article else {})},
        "created_at": iso(a.created_at),
        **({"items": [alert_to_json(i) for i in a.items]} if a.items else {}),
        **({"follows": {"alert_id": a.follows.alert_id, "item_key": a.follows.item_key,
                        "title": a.follows.title, "feed": a.follows.feed,
                        "link": a.follows.link}} if a.follows else {}),
        **({"sources": [{"feed": s.feed, "title": s.title, "link": s.link,
                         "published_at": iso(s.published_at), "language": s.language,
                         "item_key": s.item_key} for s in a.sources]} if a.sources else {}),
        **({"count": a.count} if a.count else {}),
        **({"article": a.article} if a.article else {}),  # `full_text:` feeds
        **({"article_note": a.article_note} if a.article_note else {}),
    }


def alert_from_json(d: dict[str, Any]) -> Alert:
    t = d.get("translation")
    return Alert(
        id=d["id"], kind=d.get("kind", "match"), rule=d["rule"], channel=d["channel"],
        feed=d["feed"], item_key=d["item_key"], item_id=d["item_id"], title=d["title"],
        summary=d["summary"], link=d["link"], published_at=from_iso(d["published_at"]),
        language=d["language"], matched_terms=tuple(d["matched_terms"]),
        snippet=d.get("snippet", ""),
        hits=tuple(Hit(*h) for h in d.get("hits", ())),
        translation=None if t is None else Translation(**t),
        created_at=from_iso(d.get("created_at")),
        items=tuple(alert_from_json(i) for i in d.get("items", ())),
        follows=StoryRoot(**d["follows"]) if d.get("follows") else None,
        sources=tuple(Source(**{**s, "published_at": from_iso(s["published_at"])})
                      for s in d.get("sources", ())),
        count=d.get("count", 0),
        article=d.get("article", ""), article_note=d.get("article_note", ""),
    )


def hits_to_json(hits) -> str:
    """A match's hits as stored: [[term, field, start, end], …]."""
    import json

    return json.dumps([[h.term, h.field, h.start, h.end] for h in hits], ensure_ascii=False)


def hits_from_json(text: str) -> tuple[Hit, ...]:
    import json

    try:
        return tuple(Hit(str(t), str(f), int(s), int(e)) for t, f, s, e in json.loads(text))
    except (ValueError, TypeError):
        return ()


def alert_translations(alerts) -> list[tuple[str, Translation]]:
    """(item key, translation) of the items these alerts are about, as the state keeps them
    for reading (items are translated when they alert). A digest carries others' alerts; a
    feed-health alert has no translation."""
    return list({a.item_key: a.translation for a in alerts
                 if a.translation is not None and a.item_key and a.kind != "digest"}.items())
