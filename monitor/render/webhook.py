"""The generic webhook's JSON document (schema in the README, "Alerts and channels"). Pure.

Standard Webhooks payload structure: `{"type", "timestamp", "data"}`. `timestamp` is when the
alert was made (stable across retries); the per-attempt time is the `webhook-timestamp` header.
"""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any

from monitor.model import Alert
from monitor.render.limits import trim
from monitor.render.view import plain_text, safe_url
from monitor.render.markup import PLAIN

MARKUP = PLAIN  # templates write plain text (render.template)
EVENT_TYPES = {"match": "alert.matched", "digest": "alert.digest", "test": "alert.test",
               "follow_up": "alert.follow_up", "more_matches": "alert.more_matches",
               "feed_failing": "feed.failing", "feed_recovered": "feed.recovered"}
SUMMARY_CHARS = 8000  # keeps one alert well under the 20 KB Standard Webhooks advises
DIGEST_SUMMARY_CHARS = 1000


def webhook_body(alert: Alert) -> bytes:
    """The exact bytes to POST (and sign)."""
    return json.dumps(webhook_document(alert), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def webhook_document(alert: Alert) -> dict[str, Any]:
    when = alert.created_at or alert.published_at
    return {"type": EVENT_TYPES.get(alert.kind, f"alert.{alert.kind}"),
            "timestamp": _iso(when),
            "data": _data(alert, SUMMARY_CHARS)}


def _data(alert: Alert, summary_chars: int) -> dict[str, Any]:
    if alert.kind == "digest":
        return {"id": alert.id, "count": len(alert.items),
                "alerts": [_data(a, DIGEST_SUMMARY_CHARS) for a in alert.items]}
    t = alert.translation
    extra: dict[str, Any] = {}
    if alert.follows is not None:
        f = alert.follows
        extra["follows"] = {"id": f.alert_id, "title": plain_text(f.title),
                            "feed": plain_text(f.feed), "link": safe_url(f.link)}
    if alert.sources:
        extra["sources"] = [{"feed": plain_text(s.feed), "title": plain_text(s.title),
                             "link": safe_url(s.link),
                             "published_at": _iso(s.published_at), "language": s.language or None}
                            for s in alert.sources]
    if alert.kind == "more_matches":
        extra["count"] = alert.count
    if alert.article or alert.article_note:  # `full_text:` feeds
        extra["article"] = {"lead": plain_text(alert.article) or None,
                            "note": alert.article_note or None}
    return {
        "id": alert.id, "kind": alert.kind, "rule": plain_text(alert.rule),
        "feed": plain_text(alert.feed),
        "item_id": alert.item_id, "title": plain_text(alert.title),
        "summary": trim(plain_text(alert.summary), summary_chars), "link": safe_url(alert.link),
        "published_at": _iso(alert.published_at), "language": alert.language,
        "matched_terms": list(alert.matched_terms),
        "snippet": plain_text(alert.snippet),
        "hits": [{"term": h.term, "field": h.field, "start": h.start, "end": h.end}
                 for h in alert.hits],
        "translation": None if t is None else {
            "source_language": t.source_language, "target_language": t.target_language,
            "title": t.title and plain_text(t.title), "summary": t.summary and
            plain_text(t.summary), "route": t.route or None, "note": t.note,
            **({"article": t.article and plain_text(t.article)} if alert.article else {})},
        **extra,
    }


def _iso(dt) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
