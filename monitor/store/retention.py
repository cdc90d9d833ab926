"""Retention: what the state no longer needs, and deleting it (`monitor prune`, and the daemon
once a day). Decides the cut-off times; the store finds and deletes the rows.

Nothing is deleted that could make an alert happen again. An item goes only once it has been
out of its feed for `retention.items` (90 days): an item still in its feed is kept however old
it is (real feeds keep items for years), since deleting it would make it new, and alert it,
at the next check. Its matches go with it. Alerts go 30 days after they were sent, dead ones
180 days after they were queued (they are the ones someone may still want to retry); pending
alerts never. The space is given back to the filesystem (see Store.give_back_space).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from monitor.config import RetentionConfig
from monitor.store import LAST_SEEN_REFRESH, TRANSLATION_CACHE_DAYS, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PruneReport:
    items: int = 0
    matches: int = 0
    sent_alerts: int = 0
    dead_alerts: int = 0
    translations: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    space: str = "none"  # how free pages went back: incremental vacuum, VACUUM, none
    dry_run: bool = False

    @property
    def bytes_freed(self) -> int:
        return max(0, self.bytes_before - self.bytes_after)


def item_cutoffs(feeds_parsed: dict[str, datetime], settings: RetentionConfig,
                 now: datetime) -> dict[str, datetime]:
    """Per feed, the time before which its items were last seen to be deleted: never after
    `retention.items` ago, and never an item that may have been in the feed's last parse
    (last_seen_at is refreshed at most once per LAST_SEEN_REFRESH)."""
    if settings.items is None:
        return {}
    oldest = now - timedelta(seconds=settings.items)
    return {feed: min(oldest, parsed - LAST_SEEN_REFRESH) for feed, parsed in
            feeds_parsed.items()}


def prune(store: Store, settings: RetentionConfig, now: datetime, *, dry_run: bool = False,
          allow_vacuum: bool = False,
          should_stop: Callable[[], bool] | None = None) -> PruneReport:
    """Delete (or with `dry_run` count) what retention lets go, then give the space back;
    between batches, stop early when `should_stop()` says so (the daemon is stopping).
    Raises StoreError."""
    before = store.file_bytes()
    cutoffs = item_cutoffs(store.parsed_feeds(), settings, now)
    delete = not dry_run
    items, matches = store.expired_items(cutoffs, delete=delete, should_stop=should_stop) \
        if cutoffs else (0, 0)
    sent, dead = store.expired_alerts(_ago(now, settings.sent_alerts),
                                      _ago(now, settings.dead_alerts), delete=delete,
                                      should_stop=should_stop)
    translations = store.expired_translations(now - timedelta(days=TRANSLATION_CACHE_DAYS),
                                              delete=delete)
    space = "none" if dry_run else store.give_back_space(allow_vacuum=allow_vacuum,
                                                         should_stop=should_stop)
    report = PruneReport(items, matches, sent, dead, translations, before,
                         before if dry_run else store.file_bytes(), space, dry_run)
    if not dry_run:
        log.info("State pruned", extra={"fields": {
            "items": items, "matches": matches, "sent_alerts": sent, "dead_alerts": dead,
            "translations": translations, "bytes_freed": report.bytes_freed, "space": space}})
    return report


def _ago(now: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else now - timedelta(seconds=seconds)
