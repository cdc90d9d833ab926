"""The durable alert outbox over the store: what is due, and what a delivery outcome means.

Rows are enqueued in the same transaction that marks their item seen (the store's poll
commit). `policy.RetryPolicy` decides when a failed row is tried again and when it is dead;
`rates` when a channel may send again; `batches` when a digest channel's waiting alerts become
one digest row; `caps` how many alerts one feed check may make; `drain` sends; `health` follows
each channel's sends for /healthz.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from typing import Callable

from monitor.errors import DeliveryError, StoreError
from monitor.model import Alert
from monitor.outbox.policy import RetryPolicy
from monitor.store import OutboxRow, Store


class Outbox:
    def __init__(self, store: Store, policy: RetryPolicy | None = None,
                 rng: random.Random | None = None,
                 scrub: Callable[[str], str] = lambda text: text) -> None:
        """`scrub`: applied to every error before it is stored (the config's secrets, in
        each of their encodings, never reach the state file: monitor.redact)."""
        self.store = store
        self.policy = policy or RetryPolicy()
        self.rng = rng or random.Random()
        self.scrub = scrub
        # Rows a channel accepted that the store could not mark sent (a full disk): kept
        # here, with when and as what message they were sent, until it can, so they are not
        # sent again meanwhile (every drain would repeat them while the disk stays full).
        self.unrecorded: dict[int, tuple[datetime, str | None]] = {}

    def due(self, now: datetime, *, limit: int = 100, ignore_backoff: bool = False,
            channel: str | None = None) -> list[OutboxRow]:
        """Due rows, oldest first. Records the sends it still owes the store first, and
        raises StoreError if it still cannot: nothing more is sent until it can."""
        if self.unrecorded:
            for row_id, (sent_at, message_ref) in list(self.unrecorded.items()):
                self.store.mark_sent([row_id], sent_at, message_ref=message_ref)
                del self.unrecorded[row_id]
        return self.store.due_outbox(now, limit=limit, ignore_backoff=ignore_backoff,
                                     channel=channel, keep_order=True)

    def delivered(self, row: OutboxRow, now: datetime, message_ref: str | None = None) -> None:
        """`message_ref`: the channel's name for the message it posted, if it gave one."""
        try:
            self.store.mark_sent([row.id], now, message_ref=message_ref)
        except StoreError:
            self.unrecorded[row.id] = (now, message_ref)
            raise

    def with_root_message(self, alert: Alert) -> Alert:
        """A follow-up with its story's first alert's message ref on this channel, when that
        alert was sent and its channel named the message; otherwise `alert` as it is (it goes
        out as a message of its own: a follow-up is never held for its root)."""
        if alert.follows is None:
            return alert
        ref = self.store.message_refs([alert.follows.alert_id]).get(alert.follows.alert_id)
        return replace(alert, follows=replace(alert.follows, message_ref=ref)) if ref else alert

    def failed(self, row: OutboxRow, error: DeliveryError, now: datetime) -> str:
        """Record a failed attempt; returns the row's new status ("pending" or "dead")."""
        message = self.scrub(str(error))
        if not error.transient or row.attempts + 1 >= self.policy.max_attempts:
            self.store.mark_dead(row.id, message)
            return "dead"
        when = self.policy.next_attempt_at(row.attempts, now,
                                           retry_after_seconds=error.retry_after_seconds,
                                           rng=self.rng)
        self.store.mark_failed(row.id, message, when)
        return "pending"
