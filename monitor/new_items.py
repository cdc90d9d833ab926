"""New items: a fetched body → the feed's new items, with their language and matches.

parse → entry ids → the ids the store has not seen (or reused for a new story) → normalize
those only → language → match. Only new items get the costly work (HTML to text, language
detection, matching): a feed that gained two items costs two items, not thirty. `seen` is the
store; in a poll's worker process it is the worker's own read-only connection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Mapping

from monitor.config import Config, FeedConfig
from monitor.language import detect_many
from monitor.model import Item, Match
from monitor.normalize import SeenItems, entry_ids, normalize_new_entries
from monitor.parse import parse_feed
from monitor.redact import scrubber_for
from monitor.rules import Matcher


@dataclass(frozen=True)
class NewItems:
    items: tuple[Item, ...]  # new in this poll, language detected, in feed order
    matches: tuple[Match, ...]
    entries: int
    is_bozo: bool = False
    bozo_message: str | None = None
    left_out: int = 0  # new items beyond the feed's max_items_per_check: taken by later checks
    present_ids: tuple[str, ...] = ()  # every entry's item id: what the feed still lists


def read_new_items(body: bytes, *, feed: FeedConfig, url: str, headers: Mapping[str, str],
                    fetched_at: datetime, config: Config, seen: SeenItems,
                    matcher: Matcher) -> NewItems:
    """The new items of one fetched body. Raises ParseError."""
    parsed = parse_feed(body, feed=feed.name, headers=headers)
    # Relative links resolve against the feed's URL with every ${VAR} value masked: a token
    # in the feed's path must not travel into item links, alerts and the state file.
    ids = entry_ids(parsed.entries)
    new, left_out = normalize_new_entries(parsed.entries, feed=feed.name,
                                          feed_url=scrubber_for(config.secrets).scrub(url),
                                          fetched_at=fetched_at, seen=seen,
                                          limit=feed.max_items_per_check, ids=ids)
    items, emitted = [], set()
    for item in new:
        if item.key not in emitted:  # the first copy of an item a feed lists twice
            emitted.add(item.key)
            items.append(item)
    items = _with_languages(items, feed, config)
    matches = tuple(m for item in items for m in matcher.match(item))
    return NewItems(tuple(items), matches, len(parsed.entries), parsed.is_bozo,
                  parsed.bozo_message, left_out, tuple(dict.fromkeys(ids)))


def _with_languages(items: list[Item], feed: FeedConfig, config: Config) -> list[Item]:
    """The items with their detected languages: one vectorised pass for the feed's new items."""
    found = detect_many([(i.title, i.summary, feed.language or i.declared_language)
                         for i in items], config.languages)
    return [replace(item, language=language, language_confidence=confidence)
            for item, (language, confidence) in zip(items, found)]
