"""SQLite: which story each matched item belongs to (issue 15). Migration `stories_schema` adds
`items.story_id`; the poll's transaction writes it with the item (store/sqlite/items.py). Read
back to rebuild the story index after a restart (`story_members`: the stories' items still in
the window) and by the web UI (`items_of_stories`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Sequence

from monitor.model import StoredItem
from monitor.store.codec import iso
from monitor.store.sqlite.reading import _ITEM_COLUMNS, _ITEMS, _TRANSLATION, _item

# A story is shown with at most this many of its items (a story of hundreds of reports is
# rare: those beyond are counted, not listed).
STORY_ITEMS_SHOWN = 100


def stories_schema(db: sqlite3.Connection) -> None:
    if "story_id" not in {r[1] for r in db.execute("PRAGMA table_info(items)")}:
        db.execute("ALTER TABLE items ADD COLUMN story_id TEXT")
    # A story's items (the web UI), and the items of the window (the index rebuilt at start):
    # only matched items have a story, so both indexes hold a small part of the items.
    db.execute("CREATE INDEX IF NOT EXISTS items_story_id ON items(story_id) "
               "WHERE story_id IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS items_story_time ON items(published_at) "
               "WHERE story_id IS NOT NULL")


class StoryRows:
    """Mixed into SqliteStore: `self.db`."""

    db: sqlite3.Connection

    def story_members(self, *, after: int, published_since: datetime,
                      limit: int = 5000) -> tuple[list[StoredItem], int]:
        """Items with a story, recorded after position `after` and published since
        `published_since`, oldest position first (the story index's state, read back); and
        the position read up to, to pass as `after` next time. That position passes the items
        without a story too: a caller that kept only the last member's position read every
        item again at each call while none had a story in the window (a full scan per commit:
        10,000 feeds checked at 2 a second)."""
        top = self.db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()[0]
        since = iso(published_since)
        # SQLite walks the rowid range (ORDER BY rowid) and reads every item in it: at a
        # process's first call (after=0) that is every item of the state, summaries included
        # (4 ms at 9,000 items, linear in the state). When the window holds fewer story items
        # than the range holds items, they are read through items_story_time instead.
        in_window = self.db.execute(
            "SELECT count(*) FROM items INDEXED BY items_story_time "
            "WHERE story_id IS NOT NULL AND published_at >= ?", (since,)).fetchone()[0]
        table = "items AS i INDEXED BY items_story_time" if in_window < top - after \
            else "items AS i"
        rows = self.db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM {table} {_TRANSLATION} WHERE i.story_id IS NOT NULL "
            f"AND i.published_at >= ? AND i.rowid > ? AND i.rowid <= ? ORDER BY i.rowid "
            f"LIMIT ?", (since, after, top, limit))
        members = [_item(r) for r in rows]
        return members, (members[-1].position if len(members) == limit else max(top, after))

    def items_of_stories(self, story_ids: Sequence[str]) -> dict[str, list[StoredItem]]:
        """Each story's items, in the order they were recorded (at most STORY_ITEMS_SHOWN)."""
        found: dict[str, list[StoredItem]] = {}
        wanted = list(dict.fromkeys(story_ids))
        for chunk in (wanted[i:i + 500] for i in range(0, len(wanted), 500)):
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(
                    f"SELECT {_ITEM_COLUMNS} FROM {_ITEMS} "
                    f"WHERE i.story_id IN ({marks}) ORDER BY i.rowid", chunk):
                items = found.setdefault(r["story_id"], [])
                if len(items) < STORY_ITEMS_SHOWN:
                    items.append(_item(r))
        return found
