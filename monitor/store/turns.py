"""Each new outbox row's turn, for both backends (the lookups are theirs).

A channel's pending rows go out in turn order, ids breaking ties: round-robin across feeds
(start-time fair queuing with one slot per row), so a feed whose first alert arrives behind
another feed's backlog of thousands is sent next, and two feeds with backlogs alternate. A
follow-up takes a turn after the alert it follows while that alert waits on the channel: the
reader gets the story before "more on this story", and a chat service can reply in its thread
only to a message that exists.
"""

from __future__ import annotations

from typing import Callable, Sequence

from monitor.model import Alert


def lane_of(alert: Alert) -> str:
    """The feed whose turn an outbox row takes (a digest spans feeds: a lane of its own)."""
    return alert.feed if alert.kind != "digest" else ""


def outbox_turns(alerts: Sequence[Alert], *,
                 first_pending: Callable[[str], int | None],
                 last_pending: Callable[[str, str], int | None],
                 waiting_turn: Callable[[str, str], int | None]) -> list[int]:
    """The turns of `alerts`, queued in this order. `first_pending(channel)`: the smallest
    pending turn on the channel; `last_pending(channel, lane)`: the largest in that feed's
    lane; `waiting_turn(channel, alert_id)`: the turn of the pending row that will carry that
    alert (its own, or its digest's), or None once it went out (or was never queued)."""
    front: dict[str, int] = {}
    last: dict[tuple[str, str], int] = {}
    given: dict[tuple[str, str], int] = {}  # this batch's rows: (channel, alert id) → turn
    turns = []
    for alert in alerts:
        lane = (alert.channel, lane_of(alert))
        if lane not in last:
            if alert.channel not in front:
                front[alert.channel] = first_pending(alert.channel) or 0
            tail = last_pending(*lane)
            last[lane] = max(front[alert.channel] - 1, tail if tail is not None else -1)
        turn = last[lane] + 1
        if alert.kind == "follow_up" and alert.follows is not None:
            root = (alert.channel, alert.follows.alert_id)
            root_turn = given[root] if root in given else waiting_turn(*root)
            if root_turn is not None:
                turn = max(turn, root_turn + 1)
        last[lane] = turn
        given[(alert.channel, alert.id)] = turn
        turns.append(turn)
    return turns
