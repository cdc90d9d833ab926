"""Normalize stage: Entry → Item. Pure.

Plain text from HTML, an absolute link, a UTC time (the fetch time when the feed gives none),
a stable id (guid, else link, else a hash of title + date), and the keys used to spot the same
story arriving from two feeds: a canonical link and a folded title. Imports model,
normalize.html and normalize.text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import datetime
from typing import Callable, Collection, Mapping, Protocol, Sequence
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from monitor.model import Entry, Item, SeenItem
from monitor.normalize.html import html_to_text
from monitor.normalize.text import fold, strip_unseen

# Tracking parameters that do not change which article a link points to.
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|yclid|mc_cid|mc_eid|_ga|at_medium|at_campaign"
                       r"|ref|ref_src|cmpid|ocid|sr_share|rss|from)$", re.I)
_NON_WORD = re.compile(r"[\W_]+")
_LINK_BREAKS = re.compile(r"[\t\n\r]")
_LINK_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f]")
# Field caps (issue 11 #13: a 5 MB title made a 21 MB state row per new guid, in the item,
# its title key and index, and the alert's payload). Well above what real feeds carry: over
# the 2,642 items of the 61 real feeds in tests/data (/work/shared/data/feeds) the longest
# title is 214 characters, link 278, guid 278; summaries are cut at 5,000 (raw up to 25,408).
MAX_TITLE_CHARS = 1000
MAX_SUMMARY_CHARS = 5000
MAX_LINK_CHARS = 2048  # a longer link is dropped, not cut: a cut URL opens the wrong page
MAX_ID_CHARS = 1024  # a longer guid is replaced by its hash: ids must stay distinct
# HTML is cut before it becomes text, so the work is bounded too (5 MB of markup in a title
# took 6 s to turn into text): room for 64 (title) and 50 (summary) markup bytes per
# character kept.
MAX_RAW_TITLE = 64 * 1024
MAX_RAW_SUMMARY = 256 * 1024


def normalize_entries(entries: Sequence[Entry], *, feed: str, feed_url: str,
                      fetched_at: datetime,
                      keep: Callable[[list[str]], Collection[str]] | None = None) -> list[Item]:
    """Normalise a feed's entries. A guid or link that several entries share (some generated
    feeds give every item the site's home page) cannot tell them apart, so those entries fall
    back to the next source of id.

    `keep`, when given, receives every entry's item key first and returns the keys to
    normalise: the HTML-to-text work is skipped for the others (items a poll has seen before).
    """
    ids = entry_ids(entries)
    if keep is None:
        return [_normalize(e, item_id, feed=feed, feed_url=feed_url, fetched_at=fetched_at)
                for e, item_id in zip(entries, ids)]
    keys = [item_key(feed, item_id) for item_id in ids]
    wanted = keep(keys)
    return [_normalize(e, item_id, feed=feed, feed_url=feed_url, fetched_at=fetched_at, key=key)
            for e, item_id, key in zip(entries, ids, keys) if key in wanted]


class SeenItems(Protocol):
    """What the store knows of a feed's items (monitor.store.Store is one)."""

    def seen_links(self, keys: Sequence[str]) -> Mapping[str, str]: ...

    def item_revisions(self, feed: str, item_ids: Sequence[str]
                       ) -> Mapping[str, Sequence[SeenItem]]: ...


def normalize_new_entries(entries: Sequence[Entry], *, feed: str, feed_url: str,
                          fetched_at: datetime, seen: SeenItems, limit: int | None = None,
                          ids: Sequence[str] | None = None) -> tuple[list[Item], int]:
    """The entries that are new items, normalised (at most `limit`, the newest: an undated
    entry counts as published now), and how many more new ones were left out. The others cost
    a key and a look-up.

    An entry whose id was seen is the same item when its link is unchanged, or when only its
    link or only its title changed (an edit). When both changed, the feed reuses the id for a
    new story (a "latest story" slot, a bot): the entry is a new item, keyed by its id and its
    link, so keys of items already stored never change.
    """
    ids = entry_ids(entries) if ids is None else ids  # the caller's, when it needs them too
    keys = [item_key(feed, item_id) for item_id in ids]
    links = seen.seen_links(keys)
    new: list[tuple[Entry, str, str]] = []
    changed: list[tuple[Entry, str, str]] = []  # id seen, link changed: an edit or a new story
    for entry, item_id, key in zip(entries, ids, keys):
        if key not in links:
            new.append((entry, item_id, key))
        elif links[key] != absolute_link(entry.link, feed_url):
            changed.append((entry, item_id, canonical_link(absolute_link(entry.link, feed_url))))
    if changed:
        revisions = seen.item_revisions(feed, [item_id for _, item_id, _ in changed])
        for entry, item_id, link in changed:
            key = _revision_key(entry, item_id, link, revisions.get(item_id, ()), feed=feed)
            if key is not None:
                new.append((entry, item_id, key))
        order = {id(e): n for n, e in enumerate(entries)}
        new.sort(key=lambda n: order[id(n[0])])
    left_out = 0
    if limit is not None and len(new) > limit:
        # Newest first (a stable sort: feed order among equal dates), then back in feed order.
        kept = {id(n[0]) for n in sorted(new, key=lambda n: n[0].published_at or fetched_at,
                                          reverse=True)[:limit]}
        left_out = len(new) - limit
        new = [n for n in new if id(n[0]) in kept]
    return [_normalize(e, item_id, feed=feed, feed_url=feed_url, fetched_at=fetched_at, key=key)
            for e, item_id, key in new], left_out


def _revision_key(entry: Entry, item_id: str, link: str, revisions: Sequence[SeenItem], *,
                  feed: str) -> str | None:
    """The key of `entry` as a new story under a seen id, or None when it is an edit."""
    if not revisions or any(r.canonical_link == link for r in revisions):
        return None  # a link this id had before (tracking parameters ignored): the same item
    if _same_title(_title_text(entry), revisions[-1].title):
        return None  # the link of the latest story under this id moved: an edit
    return item_key(feed, f"{item_id}\0{link}")


def _same_title(title: str, recorded: str) -> bool:
    # The store keeps 500 characters of a title; folding forgives case and punctuation edits.
    title, recorded = title[:500], recorded[:500]
    return title == recorded or bool(title_key(title)) and title_key(title) == title_key(recorded)


def entry_ids(entries: Sequence[Entry]) -> list[str]:
    """Each entry's item id as `normalize_entries` gives it: its guid, else its link, else a
    hash of its title and date (only those entries need their text)."""
    guids = Counter(e.guid for e in entries if e.guid)
    links = Counter(e.link for e in entries if e.link)
    ids = []
    for e in entries:
        item_id = (e.guid if e.guid and guids[e.guid] == 1 else None) \
            or (e.link if e.link and links[e.link] == 1 else None)
        if not item_id:
            title, summary = _texts(e)
            item_id = _hash_id(title, e.published_at, summary)
        ids.append(_bounded_id(item_id))
    return ids


def normalize_entry(entry: Entry, *, feed: str, feed_url: str, fetched_at: datetime,
                    use_guid: bool = True, use_link: bool = True) -> Item:
    """Turn one parsed entry into an Item."""
    item_id = (use_guid and entry.guid) or (use_link and entry.link) or None
    return _normalize(entry, item_id and _bounded_id(item_id), feed=feed, feed_url=feed_url,
                      fetched_at=fetched_at)


def _title_text(entry: Entry) -> str:
    return _cut(html_to_text((entry.title or "")[:MAX_RAW_TITLE]), MAX_TITLE_CHARS)


def _texts(entry: Entry) -> tuple[str, str]:
    title = _title_text(entry)
    summary = _cut(html_to_text((entry.summary or entry.content or "")[:MAX_RAW_SUMMARY]),
                   MAX_SUMMARY_CHARS)
    return title, summary


def _cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters cut at a space when one is near, with " …"."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit] + " …"


def _bounded_id(value: str) -> str:
    return value if len(value) <= MAX_ID_CHARS else \
        "sha1:" + hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()


def _normalize(entry: Entry, item_id: str | None, *, feed: str, feed_url: str,
               fetched_at: datetime, key: str | None = None) -> Item:
    title, summary = _texts(entry)
    link = absolute_link(entry.link, feed_url)
    item_id = item_id or _hash_id(title, entry.published_at, summary)
    return Item(
        feed=feed,
        id=item_id,
        key=key or item_key(feed, item_id),
        title=title,
        summary=summary,
        link=link,
        published_at=entry.published_at or fetched_at,
        declared_language=entry.language,
        canonical_link=canonical_link(link),
        title_key=title_key(title),
    )


def item_key(feed: str, item_id: str) -> str:
    """A short, global, stable key for (feed, id)."""
    return hashlib.blake2b(f"{feed}\0{item_id}".encode(), digest_size=12).hexdigest()


def _hash_id(title: str, published_at: datetime | None, summary: str) -> str:
    basis = f"{title}\0{published_at.isoformat() if published_at else ''}"
    if not title:
        basis += "\0" + summary[:500]
    return "sha1:" + hashlib.sha1(basis.encode()).hexdigest()


def absolute_link(link: str | None, feed_url: str) -> str:
    """An absolute http(s) link, or "": `javascript:`, `data:`, `mailto:` and links that stay
    relative are dropped. Tabs and newlines are removed as browsers do (WHATWG URL), bidi and
    other unseen characters too, and any other control or space is percent-encoded, so a
    link is one line that shows what it opens. A link urllib refuses to split (a bracket in
    the host, a host that NFKC turns into another URL) is dropped too: a publisher must not
    be able to fail a check with one item's link."""
    if not link or len(link) > MAX_LINK_CHARS:
        return ""
    link = strip_unseen(_LINK_BREAKS.sub("", link)).strip("\x00- ")
    link = _LINK_UNSAFE.sub(lambda m: quote(m.group()), link)
    try:
        if not (link[:8].lower().startswith(("http://", "https://"))
                or urlsplit(link).scheme in ("http", "https")):
            if not (feed_url and urlsplit(feed_url).scheme in ("http", "https")):
                return ""
            link = urljoin(feed_url, link)
        # Also what canonical_link relies on: the link splits (urlsplit caches the result).
        scheme = urlsplit(link).scheme
    except ValueError:
        return ""
    return link if scheme in ("http", "https") and len(link) <= MAX_LINK_CHARS else ""


def canonical_link(link: str) -> str:
    """Scheme-less, lower-case host, no `www.`, no fragment, no tracking parameters. "" for a
    link that is not an absolute http(s) URL."""
    if not link:
        return ""
    try:
        parts = urlsplit(link)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    if not parts.query and host:  # most links: what urlunsplit builds, without parsing a query
        return f"//{host}{path}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit(("", host, path, query, ""))


def title_key(title: str) -> str:
    """Folded words of the title; two feeds' copies of one story compare equal."""
    key = _NON_WORD.sub(" ", fold(title)).strip()
    return key if len(key) >= 12 else ""  # short titles ("News", "Update") collide by chance
