"""Full text: the article a new item links to, fetched once and extracted (`full_text:`).

`with_articles` is the pipeline's step after the feed's new items are read and matched:
`matched` reads the articles of the items that matched (for the lead their alerts show);
`all` reads every new item's article, then matches again on title, summary and article text
(where `body:` terms can match). An item without a link has no article.

`ArticleReader.read(link, feed_url)` fetches the page (monitor.fetch.pages: the feed limits,
the redirect policy, a politeness delay per host) and extracts its article (monitor.article)
in a thread: extraction takes 2-300 ms of CPU, and the event loop keeps fetching meanwhile.
Each URL is read once: the feeds of a poll and the polls of a daemon share one cache, a
second request for a URL being read waits for that read, and an article an earlier poll
stored with its item (`known`: the store's `article_of`) is not fetched again. A failure is an
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
from monitor.article.lead import lead_of
from monitor.config import Config, FeedConfig
from monitor.errors import FetchError
from monitor.fetch import Fetcher
from monitor.fetch.pages import PageFetcher
from monitor.model import Article, ArticleStatus
from monitor.new_items import NewItems
from monitor.rules import Matcher

log = logging.getLogger(__name__)

FAILURE_TTL_SECONDS = 600.0
# The cache keeps articles up to this many characters of text in all (at most 100,000 each),
# least recently used out first.
CACHE_TEXT_CHARS = 20_000_000


class ArticleReader:
    def __init__(self, pages: PageFetcher, *, lead_chars: int,
                 known: Callable[[str], Article | None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pages = pages
        self.lead_chars = lead_chars
        self.known = known
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
        stored = self.known(link) if self.known is not None else None
        if stored is not None:
            stored = replace(stored, lead=lead_of(stored.text.splitlines(), self.lead_chars))
            self._remember(link, stored)
            return stored
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



def article_reader(config: Config, fetcher: Fetcher | None, *, share: int = 1,
                   known: Callable[[str], Article | None] | None = None
                   ) -> ArticleReader | None:
    """The reader for a run whose config has a `full_text:` feed, over `fetcher`'s client.
    A poll spread over `share` processes gives each a share of the per-host concurrency and
    spaces each one's requests to a host `share` times as far apart: together they keep the
    configured limits."""
    if fetcher is None or not any(feed.full_text for feed in config.feeds):
        return None
    a = config.articles
    pages = PageFetcher(fetcher, max_bytes=a.max_page_size,
                        per_host=max(1, a.per_host // share),
                        delay_seconds=a.per_host_delay * share)
    return ArticleReader(pages, lead_chars=a.lead_length, known=known)


async def with_articles(new: NewItems, feed: FeedConfig, reader: ArticleReader | None,
                        matcher: Matcher) -> NewItems:
    """`new` with the articles its feed's `full_text:` asks for, and (`all`) its matches on
    the article text too. A page that cannot be read is an Article with a note."""
    mode = feed.full_text
    if not mode or reader is None or not new.items:
        return new
    wanted = {m.item_key for m in new.matches} if mode == "matched" else None
    targets = [item for item in new.items
               if item.link and (wanted is None or item.key in wanted)]
    if not targets:
        return new
    articles = await asyncio.gather(*(reader.read(item.link, feed.url) for item in targets))
    by_key = dict(zip((item.key for item in targets), articles))
    items = tuple(replace(item, article=by_key[item.key]) if item.key in by_key else item
                  for item in new.items)
    matches = new.matches if mode == "matched" else \
        tuple(m for item in items for m in matcher.match(item))
    return replace(new, items=items, matches=matches)
