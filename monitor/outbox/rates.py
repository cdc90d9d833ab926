"""Channel rate limits: how long a channel must wait before its next message, counted from the
sent rows in the store, so a limit holds across processes and restarts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.model import ChannelSpec
from monitor.store import Store

# Used when a channel sets no `rate_limit`: the services' own documented ceilings (notify.md §1:
# Slack about one message per second per webhook; Telegram 20 messages per minute per group).
DEFAULT_RATE_PER_MINUTE = {"slack": 60.0, "telegram": 20.0}
RATE_WINDOW = timedelta(seconds=60)


def rate_limit_per_minute(spec: ChannelSpec) -> float | None:
    return spec.rate_limit_per_minute or DEFAULT_RATE_PER_MINUTE.get(spec.type)


def rate_wait_seconds(store: Store, spec: ChannelSpec, now: datetime) -> float:
    """How long the channel must wait before its next message: at most `rate_limit` messages
    in any 60 seconds, counted from the sent rows, so it holds across processes and restarts."""
    rate = rate_limit_per_minute(spec)
    if not rate:
        return 0.0
    allowed = max(1, int(rate))
    times = store.sent_since(spec.name, now - RATE_WINDOW)
    if len(times) < allowed:
        return 0.0
    frees_at = times[len(times) - allowed] + RATE_WINDOW
    return max(0.0, (frees_at - now).total_seconds())
