"""`monitor matches --since`: a duration back from now, or a date or time (UTC unless zoned)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.cli.browse import since_time
from monitor.errors import ConfigError

NOW = datetime(2026, 12, 6, 19, 40, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("1d", NOW - timedelta(days=1)),
    ("90m", NOW - timedelta(minutes=90)),
    ("2026-12-01", datetime(2026, 12, 1, tzinfo=timezone.utc)),
    ("2026-12-01T08:00", datetime(2026, 12, 1, 8, tzinfo=timezone.utc)),
    ("2026-12-01 08:00+03:00", datetime(2026, 12, 1, 5, tzinfo=timezone.utc)),
])
def test_since_is_a_duration_or_a_date(text, expected):
    assert since_time(text, NOW) == expected


@pytest.mark.parametrize("text, says", [
    ("yesterday", "or give a date like 2026-12-01"),
    ("5", "has no unit"),
    ("2026-13-01", "nor a date or time like 2026-12-01"),
])
def test_a_since_that_is_neither_says_what_it_takes(text, says):
    with pytest.raises(ConfigError) as caught:
        since_time(text, NOW)
    assert says in str(caught.value) and f"--since {text}:" in str(caught.value)
