"""Normalize stage: Entry → Item. Pure.

Plain text from HTML, an absolute link, a UTC time (the fetch time when the feed gives none),
a stable id (guid, else link, else a hash of title + date), and the keys used to spot the same
story arriving from two feeds: a canonical link and a folded title.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import datetime
from typing import Sequence
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from monitor.model import Entry, Item
from monitor.text import fold, html_to_text

# Tracking parameters that do not change which article a link points to.
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|yclid|mc_cid|mc_eid|_ga|at_medium|at_campaign"
                       r"|ref|ref_src|cmpid|ocid|sr_share|rss|from)$", re.I)
_NON_WORD = re.compile(r"[\W_]+")
MAX_SUMMARY_CHARS = 5000


def normalize_entries(entries: Sequence[Entry], *, feed: str, feed_url: str,
                      fetched_at: datetime) -> list[Item]:
    """Normalise a feed's entries. A guid or link that several entries share (some generated
    feeds give every item the site's home page) cannot tell them apart, so those entries fall
    back to the next source of id."""
    guids = Counter(e.guid for e in entries if e.guid)
    links = Counter(e.link for e in entries if e.link)
    return [normalize_entry(e, feed=feed, feed_url=feed_url, fetched_at=fetched_at,
                            use_guid=guids[e.guid] == 1 if e.guid else False,
                            use_link=links[e.link] == 1 if e.link else False)
            for e in entries]


def normalize_entry(entry: Entry, *, feed: str, feed_url: str, fetched_at: datetime,
                    use_guid: bool = True, use_link: bool = True) -> Item:
    """Turn one parsed entry into an Item."""
    title = html_to_text(entry.title)
    summary = html_to_text(entry.summary or entry.content)
    if len(summary) > MAX_SUMMARY_CHARS:
        cut = summary.rfind(" ", 0, MAX_SUMMARY_CHARS)
        summary = summary[:cut if cut > MAX_SUMMARY_CHARS // 2 else MAX_SUMMARY_CHARS] + " …"
    link = absolute_link(entry.link, feed_url)
    published_at = entry.published_at or fetched_at
    item_id = (use_guid and entry.guid) or (use_link and entry.link) \
        or _hash_id(title, entry.published_at, summary)
    return Item(
        feed=feed,
        id=item_id,
        key=item_key(feed, item_id),
        title=title,
        summary=summary,
        link=link,
        published_at=published_at,
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
    if not link:
        return ""
    link = link.strip()
    if urlsplit(link).scheme in ("http", "https"):
        return link
    if feed_url and urlsplit(feed_url).scheme in ("http", "https"):
        return urljoin(feed_url, link)
    return link


def canonical_link(link: str) -> str:
    """Scheme-less, lower-case host, no `www.`, no fragment, no tracking parameters."""
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", host, path, query, ""))


def title_key(title: str) -> str:
    """Folded words of the title; two feeds' copies of one story compare equal."""
    key = _NON_WORD.sub(" ", fold(title)).strip()
    return key if len(key) >= 12 else ""  # short titles ("News", "Update") collide by chance
