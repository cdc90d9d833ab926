"""Parse stage: fetched bytes + response headers → ParsedFeed. Pure.

feed (parse_feed: feedparser, the reference and fallback) beside fast_rss (the expat fast path
for well-formed RSS, held to feedparser's output by differential tests), and feedparser_parts
(the feedparser internals the fast path reuses, and why). Imports errors, model, feedparser.
"""

from monitor.parse.feed import parse_feed

__all__ = ["parse_feed"]
