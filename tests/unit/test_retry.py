import random
from datetime import datetime, timedelta, timezone

import pytest

from monitor.errors import DeliveryError
from monitor.retry import Backoff, parse_retry_after

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, seconds", [
    ("120", 120.0), (" 5 ", 5.0), ("0", 0.0), ("-3", 0.0),
    ("Wed, 25 Nov 2026 12:01:00 GMT", 60.0), ("Wed, 25 Nov 2026 11:00:00 GMT", 0.0),
    ("soon", None), ("", None), (None, None), ("nan", None), ("99999999", 7 * 86400.0),
])
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


def test_backoff_grows_exponentially_and_is_capped():
    b = Backoff(base_seconds=10, factor=2, max_seconds=100, jitter=0)
    assert [b.delay(n) for n in range(1, 7)] == [10, 20, 40, 80, 100, 100]


def test_backoff_jitter_stays_in_band_and_is_seeded():
    b = Backoff(base_seconds=100, factor=2, max_seconds=10_000, jitter=0.2)
    delays = [b.delay(1, random.Random(seed)) for seed in range(200)]
    assert min(delays) >= 80 and max(delays) <= 120 and len(set(delays)) > 100
    assert b.delay(3, random.Random(7)) == b.delay(3, random.Random(7))


def test_backoff_honours_a_longer_retry_after():
    b = Backoff(base_seconds=10, jitter=0)
    assert b.delay(1, retry_after_seconds=300) == 300
    assert b.delay(1, retry_after_seconds=1) == 10


def test_delivery_error_is_one_line():
    err = DeliveryError("slack", "HTTP 500\nInternal   error", transient=True)
    assert str(err) == "channel slack: HTTP 500 Internal error"
