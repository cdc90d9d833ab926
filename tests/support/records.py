"""Items, alerts and feed checks for store tests, recorded the way a poll records them
(Store.commit_polls: a feed's state, its new items, matches and alerts in one transaction)."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import groupby
from typing import Iterable, Mapping, Sequence

from monitor.model import Alert, FeedState, Item, Match
from monitor.store import CheckRecord, Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def item(feed="f", id="1", title="A title long enough", link="", published=NOW, **kw) -> Item:
    from monitor.normalize import canonical_link, item_key, title_key
    return Item(feed=feed, id=id, key=item_key(feed, id), title=title, summary="s", link=link,
                published_at=published, canonical_link=canonical_link(link),
                title_key=title_key(title), **kw)


def alert(it: Item, rule="r", channel="c") -> Alert:
    from monitor.render import alert_id
    return Alert(id=alert_id(rule, it.key, channel), rule=rule, channel=channel, feed=it.feed,
                 item_key=it.key, item_id=it.id, title=it.title, summary=it.summary, link=it.link,
                 published_at=it.published_at, language="ru", matched_terms=("дрон",),
                 created_at=NOW)


def record(store: Store, state: FeedState, items: Sequence[Item] = (),
           matches: Sequence[Match] = (), alerts: Sequence[Alert] = (), *,
           duplicates: Mapping[str, str] | None = None, now: datetime = NOW) -> int:
    """One feed check, committed; returns how many alerts were queued."""
    return store.commit_polls([CheckRecord(state, list(items), duplicates or {}, list(matches),
                                           list(alerts))], now=now)


def queue_alerts(store: Store, alerts: Iterable[Alert], *, now: datetime) -> int:
    """Queue `alerts`, in their order, as the feed checks that made them would: each run of
    one feed's alerts with that feed's state, all in one transaction (as a poll commits a
    chunk of checks). Returns how many were queued."""
    return store.commit_polls([CheckRecord(store.feed_state(feed, f"https://{feed}.example/"),
                                           [], {}, [], list(run))
                               for feed, run in groupby(alerts, key=lambda a: a.feed)],
                              now=now)
