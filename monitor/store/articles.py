"""Store: an item's article (issue 16) as table columns and back. Pure; both backends use it.

Items of `full_text:` feeds keep their article's status, text and note beside them (deleted
with the item by retention). The lead is not stored: the reader makes it again from the text,
at the configured length.
"""

from __future__ import annotations

from monitor.model import Article, ArticleStatus, Item


def article_columns(item: Item) -> tuple[str | None, str | None, str | None]:
    """(status, text, note) of an item's article for the items table; all None when its
    feed reads no full text."""
    a = item.article
    if a is None:
        return None, None, None
    return a.status.value, a.text or None, a.note or None


def stored_article(link: str, status: str, text: str | None, note: str | None) -> Article:
    """An article read back from the items table."""
    return Article(url=link, status=ArticleStatus(status), text=text or "", note=note or "")
