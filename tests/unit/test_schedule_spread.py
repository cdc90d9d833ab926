"""Where each feed's first check falls after the daemon starts: spread evenly over a window
that grows with the number of feeds, at a place fixed by the feed's name (so a restart spreads
them the same way). No scheduler, no sockets."""

from collections import Counter

import pytest

from monitor.schedule import FIRST_CHECKS_PER_SECOND, MIN_SPREAD_SECONDS, first_check_delay, \
    spread_seconds


@pytest.mark.parametrize("feeds, window", [(1, MIN_SPREAD_SECONDS), (100, MIN_SPREAD_SECONDS),
                                           (2000, 2000 / FIRST_CHECKS_PER_SECOND),
                                           (10_000, 10_000 / FIRST_CHECKS_PER_SECOND)],
                         ids=lambda v: str(v))
def test_spread_window_grows_with_the_number_of_feeds(feeds, window):
    assert spread_seconds(feeds) == window


def test_first_checks_of_two_thousand_feeds_fill_the_window_evenly():
    window = spread_seconds(2000)
    delays = [first_check_delay(f"feed {i}", window) for i in range(2000)]
    assert all(0 <= d < window for d in delays)
    per_tenth = Counter(int(d / window * 10) for d in delays)
    assert sorted(per_tenth) == list(range(10))
    assert max(per_tenth.values()) < 260 and min(per_tenth.values()) > 140  # 200 expected
    starts_per_second = Counter(int(d) for d in delays)
    assert max(starts_per_second.values()) < 2 * FIRST_CHECKS_PER_SECOND


def test_first_check_delay_depends_only_on_the_name_and_the_window():
    assert first_check_delay("BBC Russian", 80.0) == first_check_delay("BBC Russian", 80.0)
    assert first_check_delay("BBC Russian", 80.0) != first_check_delay("BBC Ukrainian", 80.0)
    # A feed whose interval is shorter than the window is spread over its interval.
    assert first_check_delay("BBC Russian", 40.0) == first_check_delay("BBC Russian", 80.0) / 2
