"""Stories in a poll (issue 15): each matched item is placed in a story, the reports of one
event across feeds and languages, by the engine in monitor.story_grouping.

`StoryTracker.place` takes a chunk's new items (in the chunk's order), which of them matched,
their exact copies across feeds (monitor.duplicates.earlier_copies) and their translations, and
returns each matched item's `StoryPlace`: its story's id and the items of that story recorded
before it, which monitor.duplicates.story_alerts turns into one alert per story and follow-ups.
A copy of an item already in a story joins that story without a new decision: there is one
notion of story, whether the reports share a link, a title or only their event.

The tracker keeps one `StoryIndex` for the process, bounded by `stories.window` (items older
than it are evicted). Before each chunk it reads from the store the stories' items recorded
since it last looked (`story_members`): after a restart that rebuilds the window, and on a
shared state it brings in what other nodes recorded. Nothing but the story id is stored per
item; signatures are computed again from the stored text (0.2 ms an item).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Mapping, Protocol, Sequence

from monitor.model import Item, Source, StoredItem, StoryPlace, Translation

if TYPE_CHECKING:
    from monitor.story_grouping import Signature, StoryIndex

log = logging.getLogger(__name__)

# Items of earlier polls read per query while catching up (a window holds about a thousand
# matched items on 2,600 items a week: bench/stories.py).
CATCH_UP_PAGE = 5000
# A story's earlier items a place names (oldest first): the alerts of a story are looked up by
# them, so a story of thousands of reports costs a bounded query.
EARLIER_MAX = 200


class StoryStore(Protocol):
    def story_members(self, *, after: int, published_since: datetime,
                      limit: int = CATCH_UP_PAGE) -> tuple[list[StoredItem], int]: ...

    def stored_item(self, key: str) -> StoredItem | None: ...


class StoryTracker:
    """The process's story index and how far it has read the store. One owner: the pipeline's
    commit step (never a poll's worker processes)."""

    def __init__(self) -> None:
        self._index: StoryIndex | None = None
        self._settings: tuple[float, str] | None = None
        self._position = 0  # the last stored item read into the index

    @property
    def index(self) -> StoryIndex | None:
        return self._index

    def place(self, batches: Sequence[tuple[Sequence[Item], Mapping[str, str]]],
              matched: set[str], translations: Mapping[str, Translation], store: StoryStore,
              *, window_seconds: float, target_language: str, now: datetime,
              signed: Mapping[str, Signature] | None = None) -> dict[str, StoryPlace]:
        """For each batch (a feed check's new items, its copies: item key → the key of an
        earlier copy from another feed), the story of every item whose key is in `matched`:
        item key → StoryPlace. The items are added to the index in the order given.
        `signed`: item key → the item's untranslated signature (`signatures_of`), made where
        the item was read; the others are signed here."""
        from monitor.story_grouping import signature_of, with_translation  # its tables load
        # at the first poll, not at start: the daemon's start (and its SIGTERM handler) first

        index = self._index_for(window_seconds, target_language)
        self._catch_up(index, store, now)
        places: dict[str, StoryPlace] = {}
        signed = signed or {}
        alone: dict[str, str] = {}  # items placed without a signature → their story
        for items, copies in batches:
            for item in items:
                if item.key not in matched:
                    continue
                translation = translations.get(item.key)
                copy = copies.get(item.key)
                if copy is None and item.key not in signed and _starts_alone(index, item, now):
                    # A first poll reads feeds' archives: most of its items are such (the
                    # workers do not sign them either, `signatures_of`).
                    places[item.key] = _place_alone(item, translation)
                    alone[item.key] = places[item.key].story_id
                    continue
                signature = with_translation(signed[item.key], translation) \
                    if item.key in signed else signature_of(item, translation)
                story_id = (alone.get(copy) or _story_of_copy(index, store, copy)) if copy \
                    else None
                if story_id is not None:  # a copy joins its copy's story, whatever it says
                    index.restore(signature, story_id, now)
                    is_new = False
                else:
                    assignment = index.assign(signature, now)
                    story_id, is_new = assignment.story_id, assignment.is_new_story
                places[item.key] = self._place_of(index, story_id, item, copy, is_new)
        return places

    def _index_for(self, window_seconds: float, target_language: str) -> StoryIndex:
        from monitor.story_grouping import StoryIndex

        settings = (window_seconds, target_language)
        if self._index is None or settings != self._settings:  # first use, or a reload
            self._index = StoryIndex(window_seconds, target_language=target_language)
            self._settings = settings
            self._position = 0
        return self._index

    def _catch_up(self, index: StoryIndex, store: StoryStore, now: datetime) -> None:
        from monitor.story_grouping import signature_of

        since = now - timedelta(seconds=index.window_seconds)
        while True:
            members, position = store.story_members(after=self._position,
                                                    published_since=since, limit=CATCH_UP_PAGE)
            for member in members:
                if member.story_id and index.story_of(member.key) is None:
                    index.restore(signature_of(member.as_item(), member.translation),
                                  member.story_id, now)
            self._position = max(self._position, position)
            if len(members) < CATCH_UP_PAGE:
                return

    @staticmethod
    def _place_of(index: StoryIndex, story_id: str, item: Item, copy: str | None,
                  is_new: bool) -> StoryPlace:
        story = index.story(story_id)
        if story is None:  # dated before the window: it joined and aged out at once
            return StoryPlace(story_id, (copy,) if copy else (), is_new, item.title,
                              (item.language,), (_source(item),))
        keys = [i.key for i in story.items]
        before = keys[:keys.index(item.key)] if item.key in keys else keys
        if copy and copy not in before:  # a copy dated before the window
            before.insert(0, copy)
        return StoryPlace(
            story_id=story_id, earlier=tuple(before[:EARLIER_MAX]), is_new=is_new,
            title=story.title, languages=story.languages,
            sources=tuple(Source(i.feed, i.title, i.link, i.published_at, i.language, i.key)
                          for i in story.items))


def signatures_of(items: Sequence[Item], matched: set[str], *,
                  since: datetime | None = None) -> dict[str, Signature]:
    """The untranslated signatures of the items whose key is in `matched` (and, with `since`,
    dated from then on: one dated before the window is signed by `place` only if the window
    holds something it could join), for `place`.

    A poll's worker processes call this on the items they read (signatures are pure, 0.2-0.3
    ms an item: on a 1,000-feed first poll, 2,345 matched items): the committing process then
    only adds translations (`with_translation`) instead of signing every matched item of the
    poll while the workers wait for it.
    """
    from monitor.story_grouping import signature_of

    return {item.key: signature_of(item) for item in items if item.key in matched
            and (since is None or item.published_at >= since)}


def _starts_alone(index: StoryIndex, item: Item, now: datetime) -> bool:
    """Whether `item` is dated before the window while the window holds nothing it could
    join: then `assign` would start a story of its own, which ages out of the index at once."""
    if min(item.published_at, now) >= now - timedelta(seconds=index.window_seconds):
        return False
    index.evict(now)  # what `assign` does first
    return len(index) == 0


def _place_alone(item: Item, translation: Translation | None) -> StoryPlace:
    """What `StoryIndex.assign` and `_place_of` give an item that starts a story of its own
    (titled by its translation when there is one), without signing it."""
    from monitor.story_grouping import story_id_for

    language = item.language or "und"
    title = translation.title if translation is not None and translation.title else item.title
    return StoryPlace(story_id_for(item.key), (), True, title, (language,),
                      (Source(item.feed, item.title, item.link, item.published_at, language,
                              item.key),))


def _story_of_copy(index: StoryIndex, store: StoryStore, copy: str) -> str | None:
    """The story of an item's earlier copy: from the index, or from the store when the copy is
    dated before the window (an old article another feed carries now)."""
    story_id = index.story_of(copy)
    if story_id is None:
        stored = store.stored_item(copy)
        story_id = stored.story_id if stored is not None else None
    return story_id


def _source(item: Item) -> Source:
    return Source(item.feed, item.title, item.link, item.published_at, item.language, item.key)
