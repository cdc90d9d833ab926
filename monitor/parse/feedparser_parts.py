"""The parts of feedparser (the reference parser) that the fast RSS path reuses. Pure.

The one module that reaches into feedparser below its documented API (`feedparser.parse`).
Three parts are reused, not copied, because each *is* feedparser's own rule in the installed
version: the fast path's values then equal feedparser's by construction and follow an upgrade
within 6.x, where a copy would freeze one release's rules (and a date or charset parser of our
own would be hundreds of lines). feedparser has no public equivalent of any of them:

- `convert_to_utf8` (feedparser.encodings, not exported): the charset from HTTP headers, BOM
  and XML declaration, with feedparser's fallbacks and bozo flags; returns UTF-8 bytes whose
  declaration says so, for expat.
- `parse_date` (feedparser.datetimes._parse_date): every date format feedparser knows, and the
  handlers a program registers with the public `feedparser.registerDateHandler`.
- `_FeedParserMixin` (feedparser.mixin): its `namespaces` table (URI → canonical prefix) and
  its `_start_*`/`_end_*` handler methods, which say which elements feedparser maps to fields;
  the fast path declines any element whose handling it does not mirror.

tests/unit/parse/test_parse_feedparser_parts.py pins what is relied on in each against
`feedparser.parse` itself, and the differential tests (test_parse_fast_rss.py) hold the whole
path to feedparser's result, with the installed version: CI fails on a release that drifts.

Two small parts are our own instead (exact, and pinned by the same differential tests): the
windows-1252 reading of C1 controls, and the repair of "scheme:///host".
"""

from __future__ import annotations

import re

from feedparser.datetimes import _parse_date as parse_date
from feedparser.encodings import convert_to_utf8
from feedparser.mixin import _FeedParserMixin

__all__ = ["CP1252", "HANDLER_PREFIXES", "NAMESPACES", "convert_to_utf8", "has_handler",
           "parse_date", "without_extra_slashes"]

# A known namespace URI (lower-case) → feedparser's canonical prefix ('' for RSS/Atom URIs).
NAMESPACES: dict[str, str] = {uri.lower(): prefix
                              for uri, prefix in _FeedParserMixin.namespaces.items()}
# Prefixes with handlers in feedparser (`_start_dc_creator` → "dc"): an unknown URI bound to
# one of these names would be dispatched to those handlers.
HANDLER_PREFIXES: frozenset[str] = frozenset(
    name.split("_")[2].lower() for name in dir(_FeedParserMixin)
    if name.startswith(("_start_", "_end_")) and name.count("_") >= 3)


def has_handler(name: str) -> bool:
    """Whether feedparser handles element `name` ("title", "dc:creator") itself, rather than
    storing its text under its own key (what it does with an element it has no handler for)."""
    method = name.replace(":", "_")
    return hasattr(_FeedParserMixin, "_start_" + method) or \
        hasattr(_FeedParserMixin, "_end_" + method)


# C1 controls in text are read as the windows-1252 characters at those bytes (what feedparser
# does: publishers mean cp1252's quotes and dashes); the five bytes cp1252 leaves undefined
# stay as they are.
CP1252: dict[int, str] = {}
for _byte in range(0x80, 0xA0):
    try:
        CP1252[_byte] = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:
        pass
del _byte

_EXTRA_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)/+")


def without_extra_slashes(url: str) -> str:
    """"http:///a.test/x" → "http://a.test/x": the slashes after "scheme://" that feedparser
    drops from links and permalink guids (its urls._urljoin with no base does only this)."""
    return _EXTRA_SLASHES.sub(r"\1", url)
