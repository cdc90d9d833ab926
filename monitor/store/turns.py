"""Each new outbox row's turn, for both backends (they run its three lookups).

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


# The three lookups, in both backends' SQL; {p} is the driver's parameter mark ("?" or "%s").
_FIRST_PENDING = "SELECT min(turn) FROM outbox WHERE status = 'pending' AND channel = {p}"
_LAST_PENDING = ("SELECT max(turn) FROM outbox WHERE status = 'pending' AND channel = {p} "
                 "AND feed = {p}")
# The turn of the pending row that will carry an alert: its own, or its digest's.
_WAITING_TURN = ("SELECT CASE r.status WHEN 'pending' THEN r.turn ELSE d.turn END FROM outbox r "
                 "LEFT JOIN outbox d ON r.status = 'batched' AND d.id = r.batch_id "
                 "AND d.status = 'pending' WHERE r.alert_id = {p} AND r.channel = {p}")


def outbox_turns(alerts: Sequence[Alert], value: Callable[[str, tuple], int | None],
                 mark: str) -> list[int]:
    """The turns of `alerts`, queued in this order. `value(sql, args)`: the first column of the
    query's first row, or None (inside the caller's transaction); `mark`: the driver's
    parameter mark."""
    first_sql, last_sql, waiting_sql = (sql.format(p=mark) for sql in (
        _FIRST_PENDING, _LAST_PENDING, _WAITING_TURN))
    front: dict[str, int] = {}
    last: dict[tuple[str, str], int] = {}
    given: dict[tuple[str, str], int] = {}  # this batch's rows: (channel, alert id) → turn
    turns = []
    for alert in alerts:
        lane = (alert.channel, lane_of(alert))
        if lane not in last:
            if alert.channel not in front:
                front[alert.channel] = value(first_sql, (alert.channel,)) or 0
            tail = value(last_sql, lane)
            last[lane] = max(front[alert.channel] - 1, tail if tail is not None else -1)
        turn = last[lane] + 1
        if alert.kind == "follow_up" and alert.follows is not None:
            root = (alert.channel, alert.follows.alert_id)
            root_turn = given[root] if root in given else \
                value(waiting_sql, (alert.follows.alert_id, alert.channel))
            if root_turn is not None:
                turn = max(turn, root_turn + 1)
        last[lane] = turn
        given[(alert.channel, alert.id)] = turn
        turns.append(turn)
    return turns
