"""Parse stage: fetched bytes + response headers → ParsedFeed. Pure (no I/O).

feedparser does the work: it reads the charset from Content-Type and the XML declaration
(windows-1251, KOI8-R…), handles RSS 0.9x/1.0/2.0 and Atom, and recovers from much ill-formed
XML. We pass a byte stream, never a URL or path: given plain bytes, feedparser first tries them
as a file name, so a server answering `/dev/zero` made it read forever, and one answering the
path of a local file made it read that file. It has no external entities (feedparser strips
unsafe DOCTYPE entities and turns off external general entities; expat limits amplification).
We switch off its HTML sanitiser and relative-URI pass: normalize strips HTML to text and
resolves links itself. Well-formed RSS 2.0 goes through `fast_rss` instead, which returns what
feedparser would, about 8 times faster; it declines any DOCTYPE and anything else it does not
mirror exactly, and feedparser reads those. Imports fast_rss, errors, model and feedparser.
"""

from __future__ import annotations

import calendar
import io
import re
from datetime import datetime, timezone
from typing import Any, Mapping

import feedparser

from monitor.errors import ParseError
from monitor.model import Entry, ParsedFeed
from monitor.parse.fast_rss import read_rss

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


def parse_feed(body: bytes, *, feed: str, headers: Mapping[str, str] | None = None,
               fast_path: bool = True) -> ParsedFeed:
    """Parse a feed document. Raises ParseError when nothing usable comes out.

    `fast_path=False` always uses feedparser (the reference the fast path is tested against).
    """
    # No Content-Location: with a base URL feedparser rewrites relative guids into URLs, which
    # would change an item's id with the feed's address. normalize resolves links itself.
    headers = {k: v for k, v in (headers or {}).items() if k.lower() != "content-location"}
    parsed = read_rss(body, headers) if fast_path else None
    if parsed is None:
        try:
            parsed = feedparser.parse(io.BytesIO(body), response_headers=headers,
                                      sanitize_html=False, resolve_relative_uris=False)
        except Exception as exc:  # feedparser is meant never to raise; a bug there is a feed error
            raise ParseError(feed, f"parser failed: {type(exc).__name__}: {exc}") from exc
    entries = parsed.get("entries") or []
    is_bozo = bool(parsed.get("bozo"))
    bozo_message = _bozo_message(parsed.get("bozo_exception")) if is_bozo else None
    version = parsed.get("version") or ""
    if not entries and (is_bozo or not version):
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in ("text/html", "application/xhtml+xml") or _HTML_START.match(body[:4096]):
            raise ParseError(feed, f"not a feed (got an HTML page{', ' + content_type if content_type else ''})",
                             hint="find the page's RSS/Atom link and use that URL")
        raise ParseError(feed, f"not a feed: {bozo_message or 'no RSS or Atom content'}")
    channel = parsed.get("feed") or {}
    channel_language = _language(channel.get("language"))
    return ParsedFeed(
        entries=tuple(_entry(e, channel_language) for e in entries),
        title=str(channel.get("title") or ""),
        language=channel_language,
        is_bozo=is_bozo,
        bozo_message=bozo_message,
    )


def _entry(e: Any, channel_language: str | None) -> Entry:
    content = ""
    for part in e.get("content") or ():
        value = part.get("value") if isinstance(part, dict) else None
        if value:
            content = value
            break
    language = None
    for detail in ("title_detail", "summary_detail"):
        d = e.get(detail)
        if isinstance(d, dict) and d.get("language"):
            language = _language(d["language"])
            break
    return Entry(
        guid=_str(e.get("id")),
        link=_str(e.get("link")),
        title=str(e.get("title") or ""),
        summary=str(e.get("summary") or ""),
        content=str(content),
        published_at=_time(e.get("published_parsed") or e.get("updated_parsed")
                           or e.get("created_parsed")),
        language=language or channel_language,
    )


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _time(value: Any) -> datetime | None:
    # feedparser's *_parsed values are UTC struct_times.
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _language(value: Any) -> str | None:
    """`ru-RU`, `be_BY`, `EN` → `ru`, `be`, `en`; None for junk."""
    if not value or not isinstance(value, str):
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _bozo_message(exc: Any) -> str | None:
    if exc is None:
        return None
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
