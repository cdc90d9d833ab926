"""Feed leases on SQLite: the state file's lock makes this process the only checker, so a lease
is an entry in memory, and "due" is the feed's `next_due_at` (written by each check's commit)
against this machine's clock. The same methods as the shared PostgreSQL state's, so the daemon
schedules checks one way on both (monitor.check_scheduler). No nodes: one process is the whole
cluster.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence
from uuid import uuid4

from monitor.store.leases import FeedLease, LeasableFeed


class LocalFeedLeases:
    """Mixed into the SQLite Store (which provides `db`, a sqlite3 connection)."""

    node = None  # no cluster: the state's lock makes this process the only one
    lost_leases = 0  # a lease in memory is never taken over

    def _leases_init(self) -> None:
        self.held: dict[str, FeedLease] = {}  # leased, check not recorded yet
        self._expiring: dict[str, datetime] = {}  # dropped leases, until they run out
        # configured, enabled feed → when it is first due if it was never checked (ISO text)
        self._leasable: dict[str, str] = {}
        self._unscheduled: set[str] = set()  # leasable feeds with no next_due_at in the state

    def sync_feeds(self, specs: Iterable[LeasableFeed]) -> None:
        now = datetime.now(timezone.utc)
        self._leasable = {f.name: _stamp(now + timedelta(seconds=f.first_check_delay_seconds))
                          for f in specs if f.enabled}
        scheduled = {n for (n,) in self.db.execute(
            "SELECT name FROM feeds WHERE next_due_at IS NOT NULL")}
        self._unscheduled = set(self._leasable) - scheduled

    def claim_feeds(self, limit: int, lease_seconds: float,
                    names: Sequence[str] | None = None, *, due: bool = True
                    ) -> list[FeedLease]:
        now = datetime.now(timezone.utc)
        self._expiring = {n: t for n, t in self._expiring.items() if t > now}
        if limit <= 0:
            return []
        taken = self.held.keys() | self._expiring.keys()
        stamp = _stamp(now)
        if names is None and due:
            # The daemon's claim, whenever a slot frees: only the due rows and the feeds never
            # checked, not every feed's row (bench/cluster.py: reading all 10,000 at each claim
            # cost 18.9 ms of CPU per check).
            due_at = {n: at or self._leasable[n] for n, at in self.db.execute(
                "SELECT name, next_due_at FROM feeds WHERE next_due_at <= ? "
                "OR next_due_at IS NULL", (stamp,)) if n in self._leasable}
            due_at.update((n, self._leasable[n]) for n in self._unscheduled if n not in due_at)
            ready = sorted((at, n) for n, at in due_at.items() if at <= stamp and n not in taken)
        else:
            wanted = set(self._leasable if names is None else names) - taken
            if not wanted:
                return []
            # A feed never checked has no row (or no next_due_at): due after its first-check
            # delay.
            scheduled = dict(self.db.execute("SELECT name, next_due_at FROM feeds"))
            due_at = {n: scheduled.get(n) or self._leasable.get(n, "") for n in wanted}
            ready = sorted((at, n) for n, at in due_at.items() if at <= stamp or not due)
        until = now + timedelta(seconds=lease_seconds)
        got = [FeedLease(n, uuid4(), now, until) for _, n in ready[:limit]]
        self.held.update((lease.name, lease) for lease in got)
        return got

    def renew_feed_leases(self, lease_seconds: float) -> list[str]:
        until = datetime.now(timezone.utc) + timedelta(seconds=lease_seconds)
        self.held = {n: FeedLease(n, lease.token, lease.leased_at, until)
                     for n, lease in self.held.items()}
        return []  # no other process can take a feed over

    def release_feeds(self, leases: Sequence[FeedLease]) -> None:
        for lease in leases:
            self.held.pop(lease.name, None)

    def drop_feed_lease(self, name: str, retry_in_seconds: float) -> None:
        lease = self.held.pop(name, None)
        if lease is not None:
            soon = datetime.now(timezone.utc) + timedelta(seconds=retry_in_seconds)
            self._expiring[name] = min(lease.until, soon)

    def _leases_recorded(self, names: Iterable[str]) -> None:
        for name in names:
            self.held.pop(name, None)
            self._unscheduled.discard(name)  # its commit wrote its next_due_at

    # -- nodes: one process, nothing to share
    def join_cluster(self) -> None:
        pass

    def heartbeat(self, *, checks: int, last_error: str | None = None) -> None:
        pass

    def leave_cluster(self) -> None:
        pass

    def nodes(self) -> list:
        return []

    def send_leases(self) -> dict[str, str]:
        return {}


def _stamp(at: datetime) -> str:
    """The store's text form of a time (fixed width: it sorts as the time does)."""
    return at.astimezone(timezone.utc).replace(tzinfo=None).isoformat(
        timespec="microseconds") + "Z"
