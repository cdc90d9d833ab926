"""How many alerts one feed check may make: none for matches older than the feed's
`alert_max_age`; per rule, the newest `max_alerts_per_rule` matches
alert one by one, and one "more_matches" alert per channel stands for the rest (issue 11 #12:
one feed of 260,000 tiny items queued 259,999 alerts, days of backlog on its channel).

The summarised matches are still recorded (seen, matched): the summary lists the newest
MORE_MATCHES_LISTED of them with their links and says how many there were. Pure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Sequence

from monitor.config import Config
from monitor.model import Alert, Item, Match, Source
from monitor.render import alert_id

MORE_MATCHES_LISTED = 20  # links in one summary: a chat message stays readable


def recent_matches(items: Sequence[Item], matches: Sequence[Match], max_age: float | None,
                   now: datetime) -> list[Match]:
    """The matches whose item was published at most `max_age` seconds before `now` (every
    match when None). An undated item is dated when it was fetched, so it counts as recent;
    so does one dated in the future."""
    if max_age is None:
        return list(matches)
    published = {i.key: i.published_at for i in items}
    return [m for m in matches if (now - published[m.item_key]).total_seconds() <= max_age]


def cap_matches(items: Sequence[Item], matches: Sequence[Match],
                limit: int) -> tuple[list[Match], dict[str, list[Match]]]:
    """The matches to alert (per rule, the `limit` newest; feed order kept) and, per rule,
    the rest, newest first."""
    by_rule: dict[str, list[Match]] = {}
    for match in matches:
        by_rule.setdefault(match.rule, []).append(match)
    if all(len(m) <= limit for m in by_rule.values()):
        return list(matches), {}
    published = {i.key: i.published_at for i in items}
    order = {i.key: n for n, i in enumerate(items)}
    keep: set[tuple[str, str]] = set()
    rest: dict[str, list[Match]] = {}
    for rule, rule_matches in by_rule.items():
        newest = sorted(rule_matches, key=lambda m: (-published[m.item_key].timestamp(),
                                                     order[m.item_key]))
        keep.update((rule, m.item_key) for m in newest[:limit])
        if len(newest) > limit:
            rest[rule] = newest[limit:]
    return [m for m in matches if (m.rule, m.item_key) in keep], rest


def more_matches_alerts(feed: str, rest: Mapping[str, Sequence[Match]],
                        items: Sequence[Item], config: Config, now: datetime) -> list[Alert]:
    """One summary per rule and channel for the matches `cap_matches` left out."""
    by_key = {i.key: i for i in items}
    rules = {r.name: r for r in config.rules}
    alerts = []
    for rule, matches in rest.items():
        listed = [by_key[m.item_key] for m in matches[:MORE_MATCHES_LISTED]]
        n = len(matches)
        key = f"more:{matches[0].item_key}"
        for channel in config.channels_for(rules[rule]):
            alerts.append(Alert(
                id=alert_id(rule, key, channel), kind="more_matches", rule=rule,
                channel=channel, feed=feed, item_key=key, item_id="",
                title=f"{n} more match{'es' if n != 1 else ''} of rule {rule} in feed {feed}",
                summary="", link="", published_at=listed[0].published_at, language="",
                matched_terms=tuple(sorted({t for m in matches for t in m.matched_terms})),
                created_at=now, count=n,
                sources=tuple(Source(i.feed, i.title, i.link, i.published_at, i.language, i.key)
                              for i in listed)))
    return alerts
