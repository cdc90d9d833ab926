"""SQLite: the message each sent alert became on its channel (issue 15), so a story's follow-up
can reply in the first alert's thread. Migration `threads_schema` adds `outbox.message_ref`;
`mark_sent` (store/sqlite/outbox.py) writes it with the sent status, `message_refs` reads it.
"""

from __future__ import annotations

import sqlite3
from typing import Sequence


def threads_schema(db: sqlite3.Connection) -> None:
    # Looked up by alert id, which the outbox's UNIQUE constraint already indexes.
    if "message_ref" not in {r[1] for r in db.execute("PRAGMA table_info(outbox)")}:
        db.execute("ALTER TABLE outbox ADD COLUMN message_ref TEXT")


class ThreadRows:
    """Mixed into SqliteStore: `self.db`."""

    db: sqlite3.Connection

    def message_refs(self, alert_ids: Sequence[str]) -> dict[str, str]:
        """The message refs of the sent alerts among `alert_ids` whose channel named one."""
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(alert_ids))
        for chunk in (wanted[i:i + 500] for i in range(0, len(wanted), 500)):
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(
                f"SELECT alert_id, message_ref FROM outbox WHERE alert_id IN ({marks}) "
                f"AND status = 'sent' AND message_ref IS NOT NULL", chunk))
        return found
