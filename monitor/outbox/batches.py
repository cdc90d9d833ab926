"""Digests: a channel with `digest:` gets its alerts batched into one message per interval.

A digest is an outbox row of its own (kind "digest"); the alerts it carries move to status
"batched" with batch_id pointing at it, and become "sent" when it is sent.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from monitor.config import ChannelConfig
from monitor.model import Alert
from monitor.store import Store

DIGEST_MAX_ALERTS = 500


def digest_alert(channel: str, members: Sequence[Alert], now: datetime) -> Alert:
    """One alert summarising `members`. Its id depends only on the members, so a retried
    digest keeps its webhook-id / Matrix transaction id."""
    ids = "\0".join(a.id for a in members)
    digest_id = "dg_" + hashlib.blake2b(f"{channel}\0{ids}".encode(), digest_size=12).hexdigest()
    rules = sorted({a.rule for a in members})
    n = len(members)
    return Alert(id=digest_id, rule=", ".join(rules), channel=channel,
                 feed=", ".join(sorted({a.feed for a in members})), item_key=digest_id,
                 item_id=digest_id, title=f"{n} new match{'es' if n != 1 else ''}", summary="",
                 link="", published_at=max(a.published_at for a in members), language="",
                 matched_terms=tuple(sorted({t for a in members for t in a.matched_terms})),
                 created_at=now, kind="digest", items=tuple(members))


def form_digests(store: Store, specs: Iterable[ChannelConfig], now: datetime, *,
                 force: bool = False) -> int:
    """For each digest channel whose oldest waiting alert has waited a full interval (or
    every one with `force`), turn its waiting alerts into one digest row. Returns how many.

    Batching everything that waits means the next digest's oldest alert is younger than this
    one, so a channel gets at most one digest per interval, and no alert waits much longer.
    """
    made = 0
    for spec in specs:
        if not spec.digest:
            continue
        rows = store.waiting_for_digest(spec.name, limit=DIGEST_MAX_ALERTS)
        if not rows:
            continue
        if not force and now - rows[0].created_at < timedelta(seconds=spec.digest):
            continue
        digest = digest_alert(spec.name, [r.alert for r in rows], now)
        if store.create_digest(digest, [r.id for r in rows], now=now):
            made += 1
    return made
