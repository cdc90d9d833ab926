"""Each channel's deliveries as the daemon saw them: the send in flight, the failure streak, the
last success; and when a channel counts as stalled (for /healthz and /metrics). Pure.

A channel is stalled when it has been trying for `delivery.stalled_after` without a single
success: its sends hang, fail and are retried, or go dead. One success clears it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from monitor.model import ChannelStatus


class DeliveryTracker:
    """Each channel's ChannelStatus, kept up to date by the drains."""

    def __init__(self) -> None:
        self.channels: dict[str, ChannelStatus] = {}

    def status(self, channel: str) -> ChannelStatus:
        return self.channels.setdefault(channel, ChannelStatus(channel))

    def started(self, channel: str, alert_id: str, now: datetime) -> None:
        status = self.status(channel)
        status.sending_alert_id = alert_id
        if status.trying_since is None:
            status.trying_since = now

    def succeeded(self, channel: str, now: datetime) -> None:
        status = self.status(channel)
        status.sending_alert_id = None
        status.trying_since = status.last_error = None
        status.consecutive_failures = 0
        status.last_success_at = now

    def failed(self, channel: str, error: str) -> None:
        status = self.status(channel)
        status.sending_alert_id = None
        status.consecutive_failures += 1
        status.last_error = error

    def stalled(self, now: datetime, after_seconds: float,
                channels: Iterable[str]) -> list[ChannelStatus]:
        """The given channels that have been trying without a success for `after_seconds`."""
        return [s for name in channels if (s := self.channels.get(name)) is not None
                and s.stalled_seconds(now) >= after_seconds]

    def stalled_reasons(self, now: datetime, after_seconds: float,
                        channels: Iterable[str]) -> list[str]:
        """One line per stalled channel, for /healthz."""
        return [_stalled_reason(s, now) for s in self.stalled(now, after_seconds, channels)]


def _stalled_reason(status: ChannelStatus, now: datetime) -> str:
    """`channel X: delivery failing for 12m (3 failed attempts; last: …)`: one line."""
    took = _duration(status.stalled_seconds(now))
    if not status.consecutive_failures:
        return f"channel {status.name}: a send in flight for {took}"
    error = (status.last_error or "").removeprefix(f"channel {status.name}: ")
    attempts = status.consecutive_failures
    return (f"channel {status.name}: delivery failing for {took} ({attempts} failed "
            f"attempt{'s' if attempts != 1 else ''}; last: {error})")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
