"""The PostgreSQL state (issue 13): several monitors, on any machines, share one database.

`state: postgresql://user@host:port/db` selects it (see connection.py for the URL). It keeps
what the SQLite state keeps, with the same methods, plus what a shared state needs: feed
leases (feeds.py), per-channel send leases (outbox.py) and the nodes' heartbeats (nodes.py).
Every time that decides who does what is the database's `now()`, never a node's clock.

Exactly once, in the database: an item is recorded once (its key), an alert once per (rule,
item, channel) in the item's transaction, and a feed check's results only by the node that
still holds the feed's lease. At least once, at the network edge: a feed fetched by a node
that died before committing is fetched again by another; an alert a channel accepted from a
node that died before marking it sent is sent again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

import psycopg

from monitor import __version__
from monitor.errors import StoreError
from monitor.model import Alert, Article, FeedState, Item, Match, SeenItem
from monitor.redact import EnvRefs
from monitor.store.postgres import cache, feeds, items, nodes, outbox, reading, retention
from monitor.store import CheckRecord, as_record
from monitor.store.codec import alert_translations
from monitor.store.postgres.browse import PostgresBrowse
from monitor.store.postgres.stories import PostgresStories
from monitor.store.postgres.threads import PostgresThreads
from monitor.store.postgres.connection import connect, error, node_name
from monitor.store.urls import expand, redact
from monitor.store.leases import FeedLease, LeasableFeed
from monitor.store.postgres.migrations import MIGRATIONS, NewerSchemaError, migrate, version
from monitor.store.postgres.admin import migrate_postgres, probe_writable  # noqa: F401 (the package's API)

log = logging.getLogger(__name__)
TRANSLATION_CACHE_DAYS = 30


class PostgresStore(PostgresBrowse, PostgresStories, PostgresThreads):
    """One node's connection to the shared state. Not shared between threads."""

    def __init__(self, url: str, db: psycopg.Connection, *, node: str) -> None:
        self.url = url
        self.path = redact(url)  # what messages name (never the password)
        self.db = db
        self.node = node
        self.env_refs = EnvRefs()
        self.held: dict[str, FeedLease] = {}  # feed name → its lease, while this node checks it
        self.channels = outbox.ChannelLeases(node)
        self.lost_leases = 0  # checks whose results another node's lease superseded

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        try:
            if not self.db.closed:
                self.release_feeds(list(self.held.values()))
                self.channels.release_all(self.db)
        except (psycopg.Error, StoreError):
            pass  # the leases expire on their own
        finally:
            self.db.close()

    def __enter__(self) -> "PostgresStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_shareable(self) -> bool:
        return True

    def reopen(self, *, readonly: bool = False) -> "PostgresStore":
        """Another connection of this node (a poll's worker process, the translator's
        thread); the schema is already up to date."""
        return connect_postgres(self.url, readonly=readonly, untouched=True, node=self.node)

    def check_file(self) -> None:
        """A database has no file to lose; a lost connection shows at the next statement."""

    def _run(self, op: Callable[[psycopg.Connection], Any]) -> Any:
        """`op(db)`, its psycopg errors as StoreErrors; a broken connection is opened again at
        the next call (the server restarted, the network came back, pg_terminate_backend)."""
        if self.db.closed or self.db.broken:
            self.db = connect(self.url, application=f"monitor {self.node}")
        try:
            return op(self.db)
        except psycopg.Error as exc:
            raise error(self.url, exc) from None

    # -- feeds and their leases --------------------------------------------------------------

    def feed_state(self, name: str, url: str) -> FeedState:
        state = self._run(lambda db: feeds.read_state(db, name))
        if state is not None:
            state = _revealed(self.env_refs, state)
        return feeds.with_url(state, name, url)

    def feed_states(self) -> list[FeedState]:
        return [_revealed(self.env_refs, s) for s in self._run(feeds.read_states)]

    def sync_feeds(self, specs: Iterable[LeasableFeed]) -> None:
        """Register the config's feeds for leasing (see feeds.sync_feeds)."""
        rows = [f._replace(url=self.env_refs.hide(f.url)) for f in specs]
        self._run(lambda db: feeds.sync_feeds(db, rows))

    def claim_feeds(self, limit: int, lease_seconds: float,
                    names: Sequence[str] | None = None, *, due: bool = True
                    ) -> list[FeedLease]:
        """Lease up to `limit` due feeds no node holds (only among `names` when given; with
        `due=False`, due or not)."""
        got = self._run(lambda db: feeds.claim(db, self.node, limit, lease_seconds, names, due))
        for lease in got:
            self.held[lease.name] = lease
        return got

    def renew_feed_leases(self, lease_seconds: float) -> list[str]:
        """Extend every lease held; the names of those lost (taken over after expiring)."""
        held = list(self.held.values())
        renewed = {lease.name: lease for lease in
                   self._run(lambda db: feeds.renew(db, held, lease_seconds))}
        lost = [lease.name for lease in held if lease.name not in renewed]
        for name in lost:
            del self.held[name]
        self.held.update(renewed)
        return lost

    def drop_feed_lease(self, name: str, retry_in_seconds: float) -> None:
        """Stop renewing a lease whose check recorded nothing, and bring its end forward to
        `retry_in_seconds` from now (database time). If the database cannot be reached, the
        lease runs out on its own."""
        lease = self.held.pop(name, None)
        if lease is not None:
            self._run(lambda db: feeds.shorten(db, lease, retry_in_seconds))

    def release_feeds(self, leases: Sequence[FeedLease]) -> None:
        for lease in leases:
            self.held.pop(lease.name, None)
        self._run(lambda db: feeds.release(db, leases))

    # -- items -------------------------------------------------------------------------------

    def seen_keys(self, keys: Sequence[str]) -> set[str]:
        return self._run(lambda db: items.seen_keys(db, keys))

    def seen_links(self, keys: Sequence[str]) -> dict[str, str]:
        return self._run(lambda db: items.seen_links(db, keys))

    def item_revisions(self, feed: str, item_ids: Sequence[str]) -> dict[str, list[SeenItem]]:
        return self._run(lambda db: items.item_revisions(db, feed, item_ids))

    def article_of(self, link: str) -> Article | None:
        return self._run(lambda db: items.article_of(db, link))

    def find_duplicates(self, found: Sequence[Item], *,
                        window: timedelta = timedelta(days=3)) -> dict[str, str]:
        return self._run(lambda db: items.find_duplicates(db, found, window=window))

    def item_count(self, feed: str | None = None) -> int:
        return self._run(lambda db: items.item_count(db, feed))

    # -- the check transaction ---------------------------------------------------------------

    def commit_polls(self, checks: Sequence[CheckRecord], *, now: datetime) -> int:
        """Record several feed checks in one transaction: a check whose feed lease was lost
        meanwhile (another node took the feed over) records nothing, the others are
        committed. An alert is committed with its item. Returns alert rows added."""
        from monitor.store.codec import alert_to_json

        def record(db: psycopg.Connection) -> tuple[int, list[str]]:
            # No savepoint per feed: a lost lease is found by the feed's first statement,
            # before anything of that check is written; any error aborts the whole transaction.
            added, done = 0, []
            for state, new, duplicates, matches, alerts, stories in map(as_record, checks):
                lease = self.held.get(state.name)
                if not feeds.record_feed(db, _hidden(self.env_refs, state), node=self.node,
                                         lease=lease):
                    self._lost(state.name, lease)
                    continue
                items.record(db, state.name, state.present_ids, new, duplicates, matches, now,
                             stories)
                reading.record_translations(db, alert_translations(alerts), now)
                added += outbox.enqueue(db, alerts, now, alert_to_json)
                done.append(state.name)
            return added, done

        def write(db: psycopg.Connection) -> int:
            if len(checks) == 1 and not any(checks[0][1:]) and not checks[0][0].present_ids:
                added, done = record(db)  # one statement: no BEGIN/COMMIT round trips
            else:
                with db.transaction():
                    added, done = record(db)
            for name in done:
                self.held.pop(name, None)
            return added

        return self._run(write)

    def _lost(self, name: str, lease: FeedLease | None) -> None:
        self.lost_leases += 1
        self.held.pop(name, None)
        log.warning("Feed check not recorded: another node holds the feed now (this node's "
                    "lease expired during the check); its results are that node's to record",
                    extra={"fields": {"feed_name": name, "node": self.node,
                                      "had_lease": lease is not None}})

    # -- translation cache -------------------------------------------------------------------

    def cached_translations(self, pair: str, model_version: str,
                            text_hashes: Sequence[str]) -> dict[str, str]:
        return self._run(lambda db: cache.cached(db, pair, model_version, text_hashes))

    def cache_translations(self, pair: str, model_version: str,
                           translations: Mapping[str, str], *,
                           now: datetime | None = None) -> None:
        now = now or datetime.now(timezone.utc)
        self._run(lambda db: cache.remember(db, pair, model_version, translations, now,
                                            TRANSLATION_CACHE_DAYS))

    # -- outbox ------------------------------------------------------------------------------

    def alerts_by_id(self, alert_ids: Sequence[str]) -> dict[str, Alert]:
        import json

        from monitor.store.codec import alert_from_json
        return {alert_id: alert_from_json(json.loads(payload)) for alert_id, payload in
                self._run(lambda db: outbox.alerts_by_id(db, alert_ids))}

    def due_outbox(self, now: datetime, *, channel: str | None = None, limit: int = 100,
                   ignore_backoff: bool = False, keep_order: bool = False) -> list:
        """Due rows of the channels this node holds the send lease of (taken or renewed
        here): none of a channel another node is sending."""
        def due(db: psycopg.Connection) -> list:
            names = [channel] if channel is not None else sorted(outbox.pending_channels(db))
            mine = [n for n in names if self.channels.hold(db, n)]
            if not mine:
                return []
            return outbox.due_rows(db, now, channels=mine, limit=limit,
                                   ignore_backoff=ignore_backoff, keep_order=keep_order)

        return [_outbox_row(r) for r in self._run(due)]

    def waiting_for_digest(self, channel: str, *, limit: int = 500) -> list:
        def waiting(db: psycopg.Connection) -> list:
            if not self.channels.hold(db, channel):
                return []
            return outbox.waiting_for_digest(db, channel, limit)

        return [_outbox_row(r) for r in self._run(waiting)]

    def create_digest(self, digest: Alert, member_ids: Sequence[int], *, now: datetime) -> int:
        from monitor.store.codec import alert_to_json
        return self._run(lambda db: outbox.create_digest(db, digest, member_ids, now,
                                                         alert_to_json))

    def sent_since(self, channel: str, since: datetime) -> list[datetime]:
        return self._run(lambda db: outbox.sent_since(db, channel, since))

    def outbox_rows(self, statuses: Iterable[str] = ("pending", "dead"),
                    limit: int = 1000) -> list:
        return [_outbox_row(r) for r in
                self._run(lambda db: outbox.rows_with_status(db, statuses, limit))]

    def pending_channels(self) -> set[str]:
        return self._run(outbox.pending_channels)

    def outbox_counts(self) -> dict[str, int]:
        return self._run(outbox.counts)

    def mark_sent(self, row_ids: Sequence[int], now: datetime, *,
                  message_ref: str | None = None) -> None:
        self._run(lambda db: outbox.mark_sent(db, row_ids, now, message_ref))

    def mark_failed(self, row_id: int, error_text: str, next_attempt_at: datetime) -> None:
        self._run(lambda db: outbox.mark_failed(db, row_id, error_text, next_attempt_at))

    def mark_dead(self, row_id: int, error_text: str) -> None:
        self._run(lambda db: outbox.mark_dead(db, row_id, error_text))

    def dead_alert_ids(self, prefix: str, limit: int = 10) -> list[str]:
        return self._run(lambda db: outbox.dead_alert_ids(db, prefix, limit))

    def retry_dead(self, alert_id: str | None, now: datetime) -> int:
        return self._run(lambda db: outbox.retry_dead(db, alert_id, now))

    # -- nodes -------------------------------------------------------------------------------

    def join_cluster(self) -> None:
        self._run(lambda db: nodes.join(db, self.node, __version__))

    def heartbeat(self, *, checks: int, last_error: str | None = None) -> None:
        self._run(lambda db: nodes.beat(db, self.node, checks=checks, last_error=last_error))

    def leave_cluster(self) -> None:
        self._run(lambda db: nodes.leave(db, self.node))

    def nodes(self) -> list[nodes.NodeStatus]:
        return self._run(nodes.statuses)

    def send_leases(self) -> dict[str, str]:
        return self._run(outbox.send_leases)

    # -- retention ---------------------------------------------------------------------------

    def parsed_feeds(self) -> dict[str, datetime]:
        return self._run(retention.parsed_feeds)

    def expired_items(self, before: Mapping[str, datetime], *, delete: bool, batch: int = 2000,
                      should_stop: Callable[[], bool] | None = None) -> tuple[int, int]:
        return self._run(lambda db: retention.expired_items(
            db, before, delete=delete, batch=batch, should_stop=should_stop))

    def expired_alerts(self, sent_before: datetime | None, dead_before: datetime | None, *,
                       delete: bool, batch: int = 2000,
                       should_stop: Callable[[], bool] | None = None) -> tuple[int, int]:
        return self._run(lambda db: retention.expired_alerts(
            db, sent_before, dead_before, delete=delete, batch=batch, should_stop=should_stop))

    def expired_translations(self, before: datetime, *, delete: bool) -> int:
        return self._run(lambda db: retention.expired_translations(db, before, delete=delete))

    def file_bytes(self) -> int:
        """The database's size on the server."""
        return self._run(retention.database_bytes)

    def give_back_space(self, *, allow_vacuum: bool, step_pages: int = 1000,
                        should_stop: Callable[[], bool] | None = None) -> str:
        return "autovacuum (deleted rows' space is reused by PostgreSQL)"


def connect_postgres(url: str, *, readonly: bool = False, untouched: bool = False,
                     node: str | None = None) -> PostgresStore:
    """Connect, and (unless `untouched`) bring the schema up to date under the migration lock.
    Raises StoreError: unreachable server, wrong password, a newer schema, a failed
    migration; always with the URL's password masked."""
    expanded, secrets = expand(url)
    if secrets:
        from monitor.log import add_secrets
        add_secrets(secrets)
    node = node or node_name()
    db = connect(expanded, application=f"monitor {node}")
    try:
        current = version(db)
        if current > len(MIGRATIONS):
            raise NewerSchemaError(current)
        if current < len(MIGRATIONS):
            if untouched:
                raise StoreError(f"state {redact(expanded)}: no monitor state in this database "
                                 f"yet" if current == 0 else
                                 f"state {redact(expanded)}: schema {current} is older than "
                                 f"this monitor's ({len(MIGRATIONS)})",
                                 hint="run `monitor migrate` first")
            migrate(db)
    except NewerSchemaError as exc:
        db.close()
        raise StoreError(f"state {redact(expanded)}: written by a newer monitor (schema "
                         f"{exc.version}, this one knows {len(MIGRATIONS)})",
                         hint="upgrade monitor") from None
    except psycopg.Error as exc:
        db.close()
        raise error(expanded, exc) from None
    return PostgresStore(expanded, db, node=node)


def _hidden(refs: EnvRefs, state: FeedState) -> FeedState:
    from dataclasses import replace
    return replace(state, url=refs.hide(state.url), current_url=refs.hide(state.current_url))


def _revealed(refs: EnvRefs, state: FeedState) -> FeedState:
    from dataclasses import replace
    return replace(state, url=refs.reveal(state.url), current_url=refs.reveal(state.current_url))


def _outbox_row(r: tuple):
    import json

    from monitor.store import OutboxRow
    from monitor.store.codec import alert_from_json
    (row_id, alert_id, channel, rule, item_key, kind, status, attempts, next_attempt_at,
     last_error, created_at, sent_at, payload, batch_id) = r
    return OutboxRow(id=row_id, alert_id=alert_id, channel=channel, rule=rule,
                     item_key=item_key, kind=kind, status=status, attempts=attempts,
                     next_attempt_at=next_attempt_at, last_error=last_error,
                     created_at=created_at, sent_at=sent_at,
                     alert=alert_from_json(json.loads(payload)), batch_id=batch_id)
