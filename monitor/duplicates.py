"""Stories across feeds: which items are copies of one story, and the alerts that name every
source of a story (issue 11 #7, issue 15).

Two feeds' items are copies when they share a canonical link, or their folded titles match
within DUPLICATE_WINDOW (`earlier_copies`); a copy joins its copy's story, and other matched
items are grouped by their event across languages (monitor.story_tracker). The first item of a
story to match a rule alerts; a later one that matches the same rule sends a follow-up to that
alert on each channel (kind "follow_up", `story_alerts`): it carries the first alert's id, and
every new source with its own link. No copy ever stands for another: a feed that publishes a
real outlet's title first (a phishing link) alerts with its own link and name, and the outlet's
item still reaches the reader, with the outlet's link.

Inputs are the chunk's items, matches and stories; the store answers for copies and alerts of
earlier polls. Pure apart from those store look-ups.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Mapping, Protocol, Sequence

from monitor.config import Config
from monitor.model import Alert, Item, Match, Source, StoryPlace, StoryRoot, Translation
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


def story_alerts(batches: Sequence[tuple[Sequence[Item], Sequence[Match]]],
                 places: Mapping[str, StoryPlace], translations: Mapping[str, Translation],
                 config: Config, store: StoryStore, now: datetime) -> list[list[Alert]]:
    """For each batch (items, the matches to alert): its alerts. `places` gives each matched
    item's story (monitor.story_tracker). A match of an item whose story already alerted for
    that rule on a channel becomes a follow-up there, as the channel's `stories.updates` says:
    `digest`, one follow-up per story, rule and channel naming every new source of the chunk;
    `each`, one per new source; `none`, none."""
    rules = {r.name: r for r in config.rules}
    # The alert a follow-up would follow: the first alert, for the rule and channel, of an
    # item recorded earlier in the story (a follow-up has the id its item's alert would have
    # had, so any of them leads to the story's first alert). Read in one query.
    wanted = list(dict.fromkeys(
        alert_id(m.rule, key, channel) for _, matches in batches for m in matches
        if m.item_key in places for key in places[m.item_key].earlier
        for channel in config.channels_for(rules[m.rule])))
    stored = store.alerts_by_id(wanted) if wanted else {}
    roots: dict[tuple[str, str, str], StoryRoot | None] = {}
    out: list[list[Alert]] = []
    follow: dict[tuple[str, str, str], list[tuple[int, Match, Item]]] = {}
    for n, (items, matches) in enumerate(batches):
        by_key = {i.key: i for i in items}
        alerts: list[Alert] = []
        for match in matches:
            item = by_key[match.item_key]
            place = places.get(item.key)
            story = place.story_id if place else item.key
            for channel in config.channels_for(rules[match.rule]):
                spot = (story, match.rule, channel)
                if spot not in roots:
                    roots[spot] = _stored_root(place, match.rule, channel, stored)
                if roots[spot] is not None:
                    follow.setdefault(spot, []).append((n, match, item))
                    continue
                alert = build_alert(match, item, channel, translations.get(item.key), now)
                roots[spot] = _root(alert)
                alerts.append(alert)
        out.append(alerts)
    for spot, members in follow.items():
        updates = _updates(config, spot[2])
        if updates == "none":
            continue
        for group in ([members] if updates == "digest" else [[m] for m in members]):
            n, match, item = group[0]
            out[n].append(follow_up(match, item, spot[2], translations.get(item.key), now,
                                    follows=roots[spot], sources=[i for _, _, i in group]))
    return out


def _stored_root(place: StoryPlace | None, rule: str, channel: str,
                 stored: Mapping[str, Alert]) -> StoryRoot | None:
    for key in place.earlier if place else ():
        earlier = stored.get(alert_id(rule, key, channel))
        if earlier is not None:
            return _root(earlier)
    return None


def _updates(config: Config, channel: str) -> str:
    try:
        return config.channel(channel).stories.updates
    except KeyError:  # a rule's channel the config no longer has (its alerts still go out)
        return "digest"


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
