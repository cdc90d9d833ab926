"""Stories across feeds: which items are copies of one story, and the alerts that name every
source of it (issue 11 #7).

Two feeds' items are one story when they share a canonical link, or their folded titles match
within DUPLICATE_WINDOW. The first copy to match a rule alerts; a later copy from another feed
that matches the same rule sends a follow-up to that alert on each channel (kind "follow_up"):
it carries the first alert's id, and every new source with its own link. No copy ever stands
for another: a feed that publishes a real outlet's title first (a phishing link) alerts with
its own link and name, and the outlet's item still reaches the reader, with the outlet's link.

Inputs are the chunk's items and matches; the store answers for copies and alerts of earlier
polls. Pure apart from those store look-ups.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Mapping, Protocol, Sequence

from monitor.config import Config
from monitor.model import Alert, Item, Match, Source, StoryRoot, Translation
from monitor.render import alert_id, build_alert
from monitor.render.view import alert_view

DUPLICATE_WINDOW = timedelta(days=3)


class StoryStore(Protocol):
    def find_duplicates(self, items: Sequence[Item], *,
                        window: timedelta) -> dict[str, str]: ...

    def alerts_by_id(self, alert_ids: Sequence[str]) -> dict[str, Alert]: ...


def earlier_copies(batches: Sequence[Sequence[Item]], store: StoryStore) -> list[dict[str, str]]:
    """For each batch (one feed check's new items, in the chunk's order): item key → the key of
    the story's first copy, from another feed, earlier in the chunk or in the store."""
    candidates: list[tuple[int, Item]] = []
    for n, items in enumerate(batches):
        links_in_feed = Counter(i.canonical_link for i in items if i.canonical_link)
        for item in items:
            # A link every item of a feed shares (a home page) names no story.
            if item.canonical_link and links_in_feed[item.canonical_link] > 1:
                item = replace(item, canonical_link="")
            candidates.append((n, item))
    in_store = store.find_duplicates([item for _, item in candidates], window=DUPLICATE_WINDOW)
    found: list[dict[str, str]] = [{} for _ in batches]
    seen_links: dict[str, str] = {}
    seen_titles: dict[str, list[tuple[str, str, datetime]]] = {}
    for n, item in candidates:
        link = item.canonical_link
        earlier = seen_links.get(link) if link else None
        if earlier is None and item.title_key:
            for feed, key, when in seen_titles.get(item.title_key, ()):
                if feed != item.feed and abs(when - item.published_at) <= DUPLICATE_WINDOW:
                    earlier = key
                    break
        if earlier is None:
            earlier = in_store.get(item.key)
        if earlier is not None:
            found[n][item.key] = earlier
        else:
            if link:
                seen_links[link] = item.key
            if item.title_key:
                seen_titles.setdefault(item.title_key, []).append(
                    (item.feed, item.key, item.published_at))
    return found


def story_alerts(batches: Sequence[tuple[Sequence[Item], Sequence[Match], Mapping[str, str]]],
                 translations: Mapping[str, Translation], config: Config, store: StoryStore,
                 now: datetime) -> list[list[Alert]]:
    """For each batch (items, the matches to alert, earlier copies): its alerts. A match of an
    item whose story already alerted for that rule on a channel becomes a follow-up there; the
    new sources of one story in one chunk share one follow-up per rule and channel."""
    rules = {r.name: r for r in config.rules}
    # The alert a follow-up would follow: (story, rule, channel) → its id, for every match of a
    # later copy; those alerts of earlier polls are read in one query.
    wanted = [alert_id(m.rule, copies[m.item_key], channel)
              for _, matches, copies in batches for m in matches if m.item_key in copies
              for channel in config.channels_for(rules[m.rule])]
    roots: dict[tuple[str, str, str], StoryRoot] = {}
    stored = store.alerts_by_id(wanted) if wanted else {}
    out: list[list[Alert]] = []
    follow: dict[tuple[str, str, str], list[tuple[int, Match, Item]]] = {}
    for n, (items, matches, copies) in enumerate(batches):
        by_key = {i.key: i for i in items}
        alerts: list[Alert] = []
        for match in matches:
            item = by_key[match.item_key]
            story = copies.get(item.key, item.key)
            for channel in config.channels_for(rules[match.rule]):
                place = (story, match.rule, channel)
                root = roots.get(place)
                if root is None and story != item.key:
                    earlier = stored.get(alert_id(match.rule, story, channel))
                    root = roots[place] = _root(earlier) if earlier else None
                if root is not None:
                    follow.setdefault(place, []).append((n, match, item))
                    continue
                alert = build_alert(match, item, channel, translations.get(item.key), now)
                roots[place] = _root(alert)
                alerts.append(alert)
        out.append(alerts)
    for place, copies_of_story in follow.items():
        n, match, item = copies_of_story[0]
        out[n].append(follow_up(match, item, place[2], translations.get(item.key), now,
                                follows=roots[place],
                                sources=[i for _, _, i in copies_of_story]))
    return out


def follow_up(match: Match, item: Item, channel: str, translation: Translation | None,
              now: datetime, *, follows: StoryRoot, sources: Sequence[Item]) -> Alert:
    """A follow-up to `follows`: the alert `item` would have had (same id), naming every new
    source with its own link."""
    alert = build_alert(match, item, channel, translation, now)
    unique = list({i.key: i for i in sources}.values())
    return replace(alert, kind="follow_up", follows=follows, sources=tuple(
        Source(i.feed, i.title, i.link, i.published_at, i.language, i.key) for i in unique))


def _root(alert: Alert) -> StoryRoot:
    if alert.follows is not None:  # a follow-up's own follow-ups go to the story's first alert
        return alert.follows
    return StoryRoot(alert.id, alert.item_key, alert_view(alert).headline, alert.feed,
                     alert.link)
