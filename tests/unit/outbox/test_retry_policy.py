"""The outbox's retry policy: when a failed delivery is tried again (monitor.outbox.policy)."""

from datetime import datetime, timedelta, timezone

from monitor.outbox.policy import RetryPolicy
from monitor.retry import Backoff

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def test_retry_policy_next_attempt():
    p = RetryPolicy(backoff=Backoff(base_seconds=30, factor=2, max_seconds=3600, jitter=0))
    assert p.next_attempt_at(0, NOW) == NOW + timedelta(seconds=30)
    assert p.next_attempt_at(3, NOW) == NOW + timedelta(seconds=240)
    assert p.next_attempt_at(0, NOW, retry_after_seconds=90) == NOW + timedelta(seconds=90)
