"""PostgreSQL: which story each matched item belongs to (issue 15), as SQLite's
store/sqlite/stories.py: `items.story_id`, written with the item in the poll's transaction
(store/postgres/items.py), read back to rebuild the story index and by the web UI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Sequence

from monitor.model import StoredItem
from monitor.store.postgres.reading import _ITEM, _TRANSLATION, _item, _rows

STORY_ITEMS_SHOWN = 100  # as SQLite's

STORIES_SCHEMA = """
ALTER TABLE items ADD COLUMN story_id text;
CREATE INDEX items_story_id ON items (story_id) WHERE story_id IS NOT NULL;
CREATE INDEX items_story_time ON items (published_at) WHERE story_id IS NOT NULL;
"""


class PostgresStories:
    """Mixed into PostgresStore: `self._run(op)`."""

    _run: Callable[[Callable[[Any], Any]], Any]

    def story_members(self, *, after: int, published_since: datetime,
                      limit: int = 5000) -> tuple[list[StoredItem], int]:
        """Items with a story recorded after position `after` and published since
        `published_since`, oldest position first, and the position read up to (as SQLite's).
        Another node's items are read the same way, so each node's index sees the stories
        the others started."""
        def read(db: Any) -> tuple[list[StoredItem], int]:
            top = db.execute("SELECT coalesce(max(seq), 0) FROM items").fetchone()[0]
            members = [_item(r) for r in _rows(
                db, f"SELECT {_ITEM} FROM items AS i {_TRANSLATION} WHERE i.story_id IS NOT "
                    f"NULL AND i.published_at >= %s AND i.seq > %s AND i.seq <= %s "
                    f"ORDER BY i.seq LIMIT %s", (published_since, after, top, limit))]
            return members, (members[-1].position if len(members) == limit
                             else max(top, after))
        return self._run(read)

    def items_of_stories(self, story_ids: Sequence[str]) -> dict[str, list[StoredItem]]:
        def read(db: Any) -> dict[str, list[StoredItem]]:
            found: dict[str, list[StoredItem]] = {}
            wanted = list(dict.fromkeys(story_ids))
            if not wanted:
                return found
            for r in _rows(db, f"SELECT {_ITEM} FROM items AS i {_TRANSLATION} "
                               f"WHERE i.story_id = ANY(%s) ORDER BY i.seq", (wanted,)):
                items = found.setdefault(r["story_id"], [])
                if len(items) < STORY_ITEMS_SHOWN:
                    items.append(_item(r))
            return found
        return self._run(read)
