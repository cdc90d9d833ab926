"""The generic webhook document: the README's schema, stable across retries."""

import json

from monitor.render.webhook import webhook_body, webhook_document
from support.alerts import make_alert


def test_webhook_document_follows_the_documented_schema():
    alert = make_alert()
    doc = webhook_document(alert)
    assert set(doc) == {"type", "timestamp", "data"}
    assert doc["type"] == "alert.matched"
    assert doc["timestamp"] == "2026-11-25T10:30:00Z"
    data = doc["data"]
    assert set(data) == {"id", "kind", "rule", "feed", "item_id", "title", "summary", "link",
                         "published_at", "language", "matched_terms", "snippet", "hits",
                         "translation"}
    assert data["id"] == alert.id and data["id"].startswith("al_")
    assert data["title"] == "Завод беспилотников в Елабуге расширяют"
    assert data["published_at"] == "2026-11-25T09:15:00Z"
    assert data["translation"]["title"] == "Drone factory in Yelabuga is being expanded"
    assert data["translation"]["route"] == "argos:ru-en"
    assert "⟦беспилотников⟧" in data["snippet"]
    assert data["hits"] == [
        {"term": "беспилотник", "field": "title", "start": 6, "end": 19},
        {"term": "беспилотник", "field": "summary", "start": 13, "end": 26}]


def test_webhook_body_is_compact_utf8_json_and_the_same_bytes_every_time():
    alert = make_alert()
    body = webhook_body(alert)
    assert body == webhook_body(alert)
    assert "Завод".encode() in body  # not \\u escapes
    assert json.loads(body) == webhook_document(alert)


def test_webhook_digest_lists_its_alerts():
    a, b = make_alert(key="1"), make_alert(key="2", title="Second")
    digest = make_alert(kind="digest", items=(a, b))
    doc = webhook_document(digest)
    assert doc["type"] == "alert.digest"
    assert doc["data"]["count"] == 2
    assert [x["id"] for x in doc["data"]["alerts"]] == [a.id, b.id]


def test_webhook_untranslated_alert_carries_the_note():
    from monitor.model import Translation

    alert = make_alert(translation=Translation("be", "en", note="translation unavailable: no "
                                               "be→en route"))
    data = webhook_document(alert)["data"]
    assert data["translation"]["title"] is None
    assert data["translation"]["note"].startswith("translation unavailable")
