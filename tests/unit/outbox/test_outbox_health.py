"""When a channel counts as stalled for /healthz, and what /healthz says about it. Pure."""

from datetime import datetime, timedelta, timezone

from monitor.outbox.health import DeliveryTracker

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_hanging_send_is_stalled_once_it_outlasts_the_threshold():
    tracker = DeliveryTracker()
    tracker.started("ops", "al_1", at(0))
    assert tracker.stalled_reasons(at(599), 600, ["ops"]) == []
    assert tracker.stalled_reasons(at(600), 600, ["ops"]) == \
        ["channel ops: a send in flight for 10m"]


def test_failures_keep_a_channel_stalled_from_its_first_try_until_one_success():
    tracker = DeliveryTracker()
    for t in (0, 30, 90, 210):
        tracker.started("ops", "al_1", at(t))
        tracker.failed("ops", "channel ops: https://x.example did not answer within 20 s")
    assert tracker.stalled_reasons(at(700), 600, ["ops", "desk"]) == [
        "channel ops: delivery failing for 12m (4 failed attempts; last: https://x.example "
        "did not answer within 20 s)"]
    tracker.started("ops", "al_1", at(800))
    tracker.succeeded("ops", at(801))
    assert tracker.stalled(at(10_000), 600, ["ops"]) == []
    status = tracker.channels["ops"]
    assert (status.consecutive_failures, status.last_success_at) == (0, at(801))


def test_only_the_channels_asked_about_are_reported():
    tracker = DeliveryTracker()
    tracker.started("removed", "al_1", at(0))
    tracker.failed("removed", "channel removed: gone")
    assert tracker.stalled(at(3600), 600, ["ops"]) == []
