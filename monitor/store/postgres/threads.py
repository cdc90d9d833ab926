"""PostgreSQL: the message each sent alert became on its channel (issue 15), as SQLite's
store/sqlite/threads.py: `outbox.message_ref`, written by `mark_sent` (store/postgres/outbox.py)
on whichever node sent the alert, read by any node that sends a follow-up of its story.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

THREADS_SCHEMA = """
ALTER TABLE outbox ADD COLUMN message_ref text;
"""


class PostgresThreads:
    """Mixed into PostgresStore: `self._run(op)`."""

    _run: Callable[[Callable[[Any], Any]], Any]

    def message_refs(self, alert_ids: Sequence[str]) -> dict[str, str]:
        """The message refs of the sent alerts among `alert_ids` whose channel named one."""
        wanted = list(dict.fromkeys(alert_ids))
        if not wanted:
            return {}
        return dict(self._run(lambda db: db.execute(
            "SELECT alert_id, message_ref FROM outbox WHERE alert_id = ANY(%s) "
            "AND status = 'sent' AND message_ref IS NOT NULL", (wanted,)).fetchall()))
