"""The state: one interface (`Store`) over the backend the `state` setting names, opened by
`open_store`: SQLite (store/sqlite/: a file, written by one process at a time, the file's lock,
read by any number), or PostgreSQL for `postgresql://…` (store/postgres/: one database shared by
any number of nodes). The only package with SQL.

The interface is what the pipeline, the outbox, retention and the commands use, so that a
database shared by several nodes (issue 13: PostgreSQL, store/postgres/) implements it without
them changing. How each operation maps onto such a database:

- Feed checks. A check runs under a lease on its feed (`claim_feeds`, renewed with
  `renew_feed_leases`, monitor.check_scheduler drives them): SQLite: the state file's lock makes
  this process the only checker, so a lease is an entry in memory and "due" is the feed's
  `next_due_at`. Shared: a due feed is leased by one node (`FOR UPDATE SKIP LOCKED`,
  `lease_until = now() + lease` in the database's time, a token that fences a node whose lease
  expired and was taken over); `commit_polls` records a check only while its node still holds
  the feed's lease, ends the lease, and schedules the next check an interval after the lease
  was taken (database time). `feed_state` is a read on both.
- The poll commit. `commit_polls` writes a chunk of feed checks (`CheckRecord`s) in one
  transaction: states, new items, matches and their alerts. An alert id is a hash of (rule,
  item, channel) and unique in the outbox, so an alert is recorded once, in the transaction
  that stores its item, whichever node checked the feed (`INSERT … ON CONFLICT DO NOTHING`).
- The outbox. `due_outbox(channel=C, keep_order=True)` hands out a channel's due rows in turn
  (round robin across feeds, each feed's oldest first) and in order (a channel whose first row
  backs off yields nothing). Shared: the caller takes the channel's send lease with them, so one
  node sends a channel's alerts at a time and order, rate limits (`sent_since`, counted from
  the sent rows) and digests (`create_digest` batches only rows still pending) hold
  cluster-wide. `mark_sent`/`mark_failed`/`mark_dead` record an outcome; a node killed between
  a send and its mark leaves the row to go out again (at least once at the network edge).
- Reads (`feed_states`, `outbox_rows`, counts, look-ups by key, the web UI's questions) need
  no lease; the search index is filled after the check's commit, by any node; retention
  (`expired_*`, `give_back_space`) deletes in short batches beside the writers.

Raises StoreError (monitor.errors) with the backend's own reason: read-only, disk full, the
state gone (StateGoneError), in use (StateInUseError).
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, Mapping, NamedTuple, Protocol, Sequence

from monitor.model import (Alert, Article, FeedState, Item, Match, MatchFilter, SeenItem, StoredItem,
                           StoredMatch)
from monitor.rules.search import LanguageFilter
from monitor.redact import EnvRefs
from monitor.store.leases import FeedLease, LeasableFeed
from monitor.store.urls import is_shared, redact

# An item seen in a parse has its last_seen_at refreshed at most this often (a write per item
# per day, not per check); retention keeps whatever may have been in a feed's last parse.
LAST_SEEN_REFRESH = timedelta(days=1)
TRANSLATION_CACHE_DAYS = 30


class CheckRecord(NamedTuple):
    """One feed check's results, as `commit_polls` records them."""

    state: FeedState
    items: Sequence[Item]  # new in this check
    duplicates: Mapping[str, str]  # item key → the key of the story's first copy
    matches: Sequence[Match]
    alerts: Sequence[Alert]
    stories: Mapping[str, str] = {}  # matched item key → its story's id (issue 15)


def as_record(check: Sequence) -> CheckRecord:
    """A CheckRecord from one, or from a tuple of its first fields (the later ones default)."""
    return check if isinstance(check, CheckRecord) else CheckRecord(*check)


def matches_oldest_first(items: Sequence[Item], matches: Sequence[Match]) -> list[Match]:
    """A check's matches in the order both backends record them: by their items' publication,
    oldest first, so that the matches page's "newest first" (the newest row first) holds within
    a check too. Feeds list items newest first, so matches of items published at the same time
    are recorded in the reverse of the feed's order."""
    order = {item.key: (item.published_at, -n) for n, item in enumerate(items)}
    return sorted(matches, key=lambda m: order.get(m.item_key, ()))


@dataclass(frozen=True)
class OutboxRow:
    """One alert in the outbox, with its delivery so far."""

    id: int
    alert_id: str
    channel: str
    rule: str
    item_key: str
    kind: str
    status: str  # pending, sent, dead, or batched (carried by the digest row batch_id)
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    alert: Alert
    batch_id: int | None = None  # the digest row that carries this alert


class Store(Protocol):
    """The state, whatever holds it. One instance per thread (SQLite connections must not
    interleave transactions across threads); `reopen` gives another thread or process its own.
    """

    env_refs: EnvRefs  # `${VAR}` values in feed URLs are kept as `${VAR}` (monitor.redact)

    # -- lifecycle
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> None: ...

    @property
    def is_shareable(self) -> bool:
        """Another connection (a poll's worker process, the translator's thread) can open
        this state with `reopen`: False for an in-memory state."""

    def reopen(self, *, readonly: bool = False) -> Store:
        """Another connection to the same state, without its lock (this one holds it)."""

    def check_file(self) -> None:
        """Raises StateGoneError when the state is no longer where it was opened (a deleted or
        replaced file): nothing written from then on would ever be read."""

    # -- feeds
    def feed_state(self, name: str, url: str) -> FeedState:
        """The feed's state; a fresh one when unknown or when its configured URL changed."""

    def feed_states(self) -> list[FeedState]: ...

    # -- feed leases (store/leases.py)
    held: Mapping[str, FeedLease]  # leases this process holds whose check is not recorded yet

    def sync_feeds(self, specs: Iterable[LeasableFeed]) -> None:
        """Register the config's feeds for leasing (at start and after a reload)."""

    def claim_feeds(self, limit: int, lease_seconds: float,
                    names: Sequence[str] | None = None, *, due: bool = True
                    ) -> list[FeedLease]:
        """Lease up to `limit` due feeds no one holds (only among `names` when given; with
        `due=False`, due or not: `monitor poll --force`)."""

    def renew_feed_leases(self, lease_seconds: float) -> list[str]:
        """Extend every lease held; the names of those lost (taken over after expiring)."""

    def release_feeds(self, leases: Sequence[FeedLease]) -> None:
        """Give leases back unchecked: the feeds are due at once again (a stopping node)."""

    def drop_feed_lease(self, name: str, retry_in_seconds: float) -> None:
        """Stop renewing a lease whose check recorded nothing, and let it run out within
        `retry_in_seconds` (the feed's interval): a check that failed is tried again then, as
        any check would be, not at once and not a whole lease later."""

    # -- nodes (a shared state; none on SQLite)
    node: str | None  # this process's name among the nodes; None on SQLite
    lost_leases: int  # checks not recorded: another node held the feed by their commit

    def join_cluster(self) -> None: ...
    def heartbeat(self, *, checks: int, last_error: str | None = None) -> None: ...
    def leave_cluster(self) -> None: ...
    def nodes(self) -> list: ...
    def send_leases(self) -> dict[str, str]:
        """channel → the node holding its send lease now (a shared state; {} on SQLite)."""

    # -- items and the poll commit
    def seen_keys(self, keys: Sequence[str]) -> set[str]: ...
    def seen_links(self, keys: Sequence[str]) -> dict[str, str]: ...
    def item_revisions(self, feed: str, item_ids: Sequence[str]
                       ) -> dict[str, list[SeenItem]]: ...
    def find_duplicates(self, items: Sequence[Item], *,
                        window: timedelta) -> dict[str, str]: ...
    def item_count(self, feed: str | None = None) -> int: ...
    def article_of(self, link: str) -> Article | None:
        """The article an item with this link had read and stored (a failed read is not
        returned: it is tried again), if any. Lets `full_text:` skip a page read before."""

    def commit_polls(self, checks: Sequence[CheckRecord], *, now: datetime) -> int:
        """Record feed checks in one transaction; returns how many alerts were queued (an
        alert id already queued is not queued again)."""

    # -- outbox
    def alerts_by_id(self, alert_ids: Sequence[str]) -> dict[str, Alert]: ...
    def due_outbox(self, now: datetime, *, channel: str | None = None, limit: int = 100,
                   ignore_backoff: bool = False, keep_order: bool = False
                   ) -> list[OutboxRow]: ...
    def mark_sent(self, row_ids: Sequence[int], now: datetime, *,
                  message_ref: str | None = None) -> None:
        """`message_ref`: the channel's name for the message sent (a reply's target)."""
    def message_refs(self, alert_ids: Sequence[str]) -> dict[str, str]:
        """Alert id → its message ref, for the sent alerts among `alert_ids` that have one."""
    def mark_failed(self, row_id: int, error: str, next_attempt_at: datetime) -> None: ...
    def mark_dead(self, row_id: int, error: str) -> None: ...
    def waiting_for_digest(self, channel: str, *, limit: int = 500) -> list[OutboxRow]: ...
    def create_digest(self, digest: Alert, member_ids: Sequence[int], *,
                      now: datetime) -> int: ...
    def sent_since(self, channel: str, since: datetime) -> list[datetime]: ...
    def outbox_rows(self, statuses: Iterable[str] = ("pending", "dead"),
                    limit: int = 1000) -> list[OutboxRow]: ...
    def pending_channels(self) -> set[str]: ...
    def outbox_counts(self) -> dict[str, int]: ...
    def dead_alert_ids(self, prefix: str, limit: int = 10) -> list[str]: ...
    def retry_dead(self, alert_id: str | None, now: datetime) -> int: ...

    # -- translation cache (monitor.translate.engine.TranslationCache)
    def cached_translations(self, pair: str, model_version: str,
                            text_hashes: Sequence[str]) -> dict[str, str]: ...
    def cache_translations(self, pair: str, model_version: str,
                           translations: Mapping[str, str], *,
                           now: datetime | None = None) -> None: ...

    # -- reading: the web UI, `monitor matches` and `monitor search` (monitor.browse decides)
    def snapshot(self) -> AbstractContextManager[None]:
        """Every read inside sees one committed state (SQLite: a read transaction;
        PostgreSQL: a read-only repeatable-read transaction)."""
    def recorded_matches(self, wanted: MatchFilter, *, before: int | None = None,
                         after: int | None = None, limit: int = 50) -> list[StoredMatch]:
        """Matches newest first, their ids below `before` or above `after`."""
    def latest_match_id(self) -> int: ...
    def stored_item(self, key: str) -> StoredItem | None: ...
    def matches_of_item(self, key: str) -> list[StoredMatch]: ...
    def copies_of_item(self, key: str) -> list[StoredItem]:
        """The other items of its story (its first copy and that copy's later copies, and the
        other reports its story grouped)."""

    # -- stories (monitor.story_tracker keeps the index; the store keeps each item's story)
    def story_members(self, *, after: int, published_since: datetime,
                      limit: int = 5000) -> tuple[list[StoredItem], int]:
        """Items with a story recorded after position `after`, published since
        `published_since`, oldest position first; and the position read up to (past the items
        without a story), the next call's `after`."""
    def items_of_stories(self, story_ids: Sequence[str]) -> dict[str, list[StoredItem]]:
        """Each story's items, oldest first (at most 100 each)."""
    def newest_items(self, limit: int) -> list[StoredItem]: ...
    def items_per_feed(self, since: datetime | None = None) -> dict[str, int]: ...
    def matches_per_day(self, since: datetime) -> dict[str, dict[str, int]]:
        """rule → day (YYYY-MM-DD, UTC) → matches recorded that day."""

    # -- the search index (monitor.rules.search says what it holds; it only narrows)
    def search_candidates(self, language_filter: LanguageFilter, *, before: int | None,
                          limit: int) -> list[StoredItem]:
        """Indexed items in the filter's languages passing its filter, newest first, with
        positions below `before`. SQLite: FTS5; PostgreSQL: a tsvector with a GIN index."""
    def unindexed_items(self, *, before: int | None, limit: int) -> list[StoredItem]:
        """Items recorded but not indexed yet, newest first (a search reads them directly)."""
    def unindexed_count(self) -> int: ...
    def index_pending(self, limit: int = 2000) -> int:
        """Index up to `limit` items recorded since; how many. Short write transactions,
        after the check's commit (never inside it): the daemon, `monitor web` and a search
        call it. Safe beside other writers and other nodes."""
    def reindex_if_stale(self) -> bool:
        """Queue every item again when the stored words came from another
        monitor.rules.search.INDEX_VERSION; True when it did."""

    # -- retention (monitor.store.retention decides what goes)
    def parsed_feeds(self) -> dict[str, datetime]: ...
    def expired_items(self, before: Mapping[str, datetime], *, delete: bool,
                      should_stop: Callable[[], bool] | None = None) -> tuple[int, int]: ...
    def expired_alerts(self, sent_before: datetime | None, dead_before: datetime | None, *,
                       delete: bool,
                       should_stop: Callable[[], bool] | None = None) -> tuple[int, int]: ...
    def expired_translations(self, before: datetime, *, delete: bool) -> int: ...
    def file_bytes(self) -> int: ...
    def give_back_space(self, *, allow_vacuum: bool,
                        should_stop: Callable[[], bool] | None = None) -> str: ...


def open_store(state: str | os.PathLike, *, create: bool = True, readonly: bool = False,
               exclusive: bool = False, untouched: bool = False) -> Store:
    """Open the state the `state` setting names: a `postgresql://` URL (a database shared by
    several nodes), else a file path (or ":memory:" for a dry run and tests). Raises StoreError.

    `exclusive`: this process is the state's only writer until close() (`monitor run`,
    `monitor poll`): a second one refuses at once instead of polling and alerting twice.
    `readonly`: a connection that cannot write (`status`, `outbox`, a poll's workers).
    `untouched` (with `readonly`): not even a migration or a file created beside the state
    (a dry run writes nothing). See monitor.store.sqlite.connect for what each means there;
    on PostgreSQL, `exclusive` and `create` mean nothing (nodes share the database, which the
    operator creates) and `untouched` reads without migrating.
    """
    if is_shared(state):
        return _open_postgres(str(state), readonly=readonly, untouched=untouched)
    from monitor.store.sqlite import connect

    return connect(state, create=create, readonly=readonly, exclusive=exclusive,
                   untouched=untouched)


def _open_postgres(url: str, *, readonly: bool, untouched: bool) -> Store:
    try:
        from monitor.store.postgres import connect_postgres
    except ImportError as exc:  # psycopg is an extra: pip install 'monitor[postgres]'
        from monitor.errors import StoreError
        raise StoreError(f"state {redact(url)}: the PostgreSQL driver is not installed "
                         f"({exc.name})", hint="pip install 'monitor[postgres]'") from None
    return connect_postgres(url, readonly=readonly, untouched=untouched)


def migrate(state: str | os.PathLike) -> tuple[int, int]:
    """`monitor migrate`: bring the state's schema up to date; (version before, after)."""
    if is_shared(state):
        from monitor.store.postgres import migrate_postgres
        return migrate_postgres(str(state))
    from monitor.store.sqlite import schema_version
    return schema_version(state), schema_version(state, migrate=True)


def probe_writable(state: str | os.PathLike, timeout_seconds: float = 2.0) -> str | None:
    """None when a write commits on the state within the timeout, else why not. Opens its own
    connection, so it can run in a thread beside the daemon's (/healthz)."""
    if is_shared(state):
        from monitor.store.postgres import probe_writable as probe_shared
        return probe_shared(str(state), timeout_seconds)
    from monitor.store.sqlite.connection import probe_writable as probe

    return probe(state, timeout_seconds)
