"""Full text: the article a new item links to, fetched once and extracted (`full_text:`).

`ArticleReader.read(link, feed_url)` fetches the page (monitor.fetch.pages: the feed limits,
the redirect policy, a politeness delay per host) and extracts its article (monitor.article)
in a thread: extraction takes 2-300 ms of CPU, and the event loop keeps fetching meanwhile.
Each URL is read once per process: the feeds of a poll and the polls of a daemon share one
cache, and a second request for a URL being read waits for that read. A failure is an
Article with status FAILED and a one-line note, never an exception: the alert goes out with
the feed text and that note. Failures are kept for FAILURE_TTL_SECONDS, then tried again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Callable

from monitor.article import extract_article
from monitor.errors import FetchError
from monitor.fetch.pages import PageFetcher
from monitor.model import Article, ArticleStatus

log = logging.getLogger(__name__)

FAILURE_TTL_SECONDS = 600.0
# The cache keeps articles up to this many characters of text in all (at most 100,000 each),
# least recently used out first.
CACHE_TEXT_CHARS = 20_000_000


class ArticleReader:
    def __init__(self, pages: PageFetcher, *, lead_chars: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pages = pages
        self.lead_chars = lead_chars
        self.clock = clock
        self._cache: OrderedDict[str, tuple[Article, float]] = OrderedDict()
        self._cached_chars = 0
        self._reading: dict[str, asyncio.Future[Article]] = {}
        self.fetches = 0  # pages requested from the network, for reports and tests

    async def read(self, link: str, feed_url: str) -> Article:
        """The article at `link` (an item of the feed at `feed_url`). Never raises FetchError."""
        cached = self._cached(link)
        if cached is not None:
            return cached
        reading = self._reading.get(link)
        if reading is not None:
            return await asyncio.shield(reading)
        future: asyncio.Future[Article] = asyncio.get_running_loop().create_future()
        self._reading[link] = future
        try:
            article = await self._fetch_and_extract(link, feed_url)
            self._remember(link, article)
            future.set_result(article)
            return article
        except BaseException as exc:  # cancelled: whoever waits on the same link learns it
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when none waits
            raise
        finally:
            del self._reading[link]

    async def _fetch_and_extract(self, link: str, feed_url: str) -> Article:
        self.fetches += 1
        try:
            page = await self.pages.fetch(link, feed_url=feed_url)
        except FetchError as exc:
            log.info("Article not fetched", extra={"fields": {
                "url": link, "error_kind": exc.error_kind, "error": exc.reason}})
            return Article(url=link, status=ArticleStatus.FAILED,
                           note=f"article not fetched: {exc.reason}")
        article = await asyncio.to_thread(extract_article, page.body, page.headers, page.url,
                                          lead_chars=self.lead_chars,
                                          max_bytes=self.pages.max_bytes)
        if page.truncated and not article.truncated:
            article = replace(article, truncated=True)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("Article read", extra={"fields": {
                "url": link, "status": article.status.value, "chars": len(article.text),
                "encoding": article.encoding, "elapsed_ms": round(page.elapsed_ms)}})
        return article

    def _cached(self, link: str) -> Article | None:
        entry = self._cache.get(link)
        if entry is None:
            return None
        article, expires = entry
        if expires and self.clock() >= expires:
            self._forget(link)
            return None
        self._cache.move_to_end(link)
        return article

    def _remember(self, link: str, article: Article) -> None:
        expires = self.clock() + FAILURE_TTL_SECONDS \
            if article.status is ArticleStatus.FAILED else 0.0
        self._forget(link)
        self._cache[link] = (article, expires)
        self._cached_chars += len(article.text)
        while self._cached_chars > CACHE_TEXT_CHARS and len(self._cache) > 1:
            self._forget(next(iter(self._cache)))

    def _forget(self, link: str) -> None:
        entry = self._cache.pop(link, None)
        if entry is not None:
            self._cached_chars -= len(entry[0].text)

