"""The sample alert `monitor test-alert` sends: every part a real alert has (original and
translation, a highlighted snippet, the facts), so the format can be judged on the channel."""

from __future__ import annotations

from datetime import datetime

from monitor.model import Alert, Hit, Translation

_TITLE = "Тестовое оповещение: завод беспилотников расширяют"
_SUMMARY = "Это проверочное сообщение monitor. Производство беспилотников выросло вдвое."


def sample_alert(channel: str, now: datetime) -> Alert:
    # A fresh id per run: a Matrix homeserver would treat a reused transaction id as a repeat.
    alert_id = f"test_{int(now.timestamp() * 1000):x}"
    start = _SUMMARY.index("беспилотников")
    return Alert(
        id=alert_id, rule="test", channel=channel, feed="monitor", item_key=alert_id,
        item_id=alert_id, title=_TITLE, summary=_SUMMARY,
        link="https://example.org/monitor/test-alert", published_at=now, language="ru",
        matched_terms=("беспилотник",), snippet=_SUMMARY.replace(
            "беспилотников", "«беспилотников»"),
        hits=(Hit("беспилотник", "summary", start, start + len("беспилотников")),),
        translation=Translation("ru", "en", "Test alert: drone factory being expanded",
                                "This is a monitor test message. Drone production has doubled.",
                                route="sample"),
        created_at=now, kind="test")
