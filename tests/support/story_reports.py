"""Short news reports written for the story-grouping unit tests (not items of the labelled sets),
and the stories an empty index gives them in the order given."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Iterable

from monitor.model import Item
from monitor.story_grouping import StoryIndex, signature_of


def reports_from(start: datetime) -> Callable[..., Item]:
    """`report(key, language, title, summary="", hours=0.0)`: one report, published `hours`
    after `start`, from a feed of its language."""
    def report(key: str, language: str, title: str, summary: str = "",
               hours: float = 0.0) -> Item:
        return Item(feed=f"feed-{language}", id=key, key=key, title=title, summary=summary,
                    link=f"https://{key}.example/", published_at=start + timedelta(hours=hours),
                    language=language)
    return report


def stories_of(items: Iterable[Item]) -> dict[str, str]:
    """Item key → story id, each item assigned at its publication time."""
    index = StoryIndex()
    return {i.key: index.assign(signature_of(i), i.published_at).story_id for i in items}


def placed(*items: Item) -> tuple[dict[str, str], dict[tuple[str, str], object]]:
    """Item key → story id, and what the index decided for each candidate pair it scored
    ((key, other key) → result)."""
    seen: list = []
    index = StoryIndex(observe=seen.append)
    stories = {i.key: index.assign(signature_of(i), i.published_at).story_id for i in items}
    return stories, {(p.key, p.other_key): p.result for p in seen}
