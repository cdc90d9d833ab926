"""Channel rate limits: how long a channel must wait before its next message, counted from the
sent rows in the store, so a limit holds across processes and restarts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.config import ChannelConfig
from monitor.store import Store

RATE_WINDOW = timedelta(seconds=60)


def rate_wait_seconds(store: Store, spec: ChannelConfig, now: datetime) -> float:
    """How long the channel must wait before its next message: at most `rate_limit` messages
    in any 60 seconds, counted from the sent rows, so it holds across processes and restarts.
    (Slack's and Telegram's settings default to their services' ceilings.)"""
    rate = spec.rate_limit
    if not rate:
        return 0.0
    allowed = max(1, int(rate))
    times = store.sent_since(spec.name, now - RATE_WINDOW)
    if len(times) < allowed:
        return 0.0
    frees_at = times[len(times) - allowed] + RATE_WINDOW
    return max(0.0, (frees_at - now).total_seconds())
