"""Fetch stage: an item's link → the page it names (a `Page`), or a FetchError. I/O (httpx).

Article pages are fetched over the feed fetcher's client and under its limits: the overall
concurrency, the connect/read timeouts and total deadline, the redirect count, the bounded
decompression, the redirect policy. What differs, and why:

- The link is the publisher's choice, not the operator's, so it is checked as a redirect's
  target would be, from the feed's URL: a public feed may not send us to 127.0.0.1 or
  169.254.169.254 (a feed on a LAN may link to its LAN). An https feed may link to an http
  page: one read, never saved (a redirect from https to http is refused as for feeds).
- Only http and https: a `file:` link in a hostile feed would read the operator's files.
- The byte cap cuts instead of failing: the start of a page is where its article and lead are.
- Per host: at most `per_host` requests at once, and `delay_seconds` between the starts of two
  requests (the thirty items of a feed all link to one site; Miniflux and wget wait too).

Imports fetch.client, classify, decompress and policy, errors and httpx.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import httpx

from monitor.errors import FetchError
from monitor.fetch.classify import REDIRECTS, classify_response, map_httpx_error
from monitor.fetch.client import (Fetcher, discard, kept_headers, peer_address,
                                  redirect_target, then_flush)
from monitor.fetch.decompress import DecodeError, decoder_for
from monitor.fetch.policy import LinkHops, Refused

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


@dataclass(frozen=True)
class Page:
    url: str  # the URL finally answered
    http_status: int
    body: bytes  # empty for a response that is not a web page (not read)
    headers: dict[str, str]  # lower-case names
    truncated: bool = False  # longer than the byte cap: the start was read
    elapsed_ms: float = 0.0


class PageFetcher:
    """Fetches article pages over an open Fetcher's client. Raises FetchError, labelled with
    the link (`fetch https://…: HTTP 404 Not Found`)."""

    def __init__(self, fetcher: Fetcher, *, max_bytes: int, per_host: int,
                 delay_seconds: float) -> None:
        self.fetcher = fetcher
        self.max_bytes = max_bytes
        self.per_host = per_host
        self.delay_seconds = delay_seconds
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._turns: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._next_start: dict[str, float] = {}

    async def fetch(self, url: str, *, feed_url: str) -> Page:
        """The page at `url`, linked from the feed at `feed_url`. Raises FetchError."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError(url, "only http and https links are read", error_kind="url",
                             transient=False)
        host = (urlsplit(url).hostname or "").lower()
        sem = self._per_host.setdefault(host, asyncio.Semaphore(self.per_host))
        async with sem:
            await self._polite_turn(host)
            # The feed fetcher's overall limit: article pages and feeds share it.
            async with self.fetcher.in_flight:
                return await self._timed(url, feed_url)

    async def _polite_turn(self, host: str) -> None:
        """Wait until `delay_seconds` after the previous request to `host` started."""
        if self.delay_seconds <= 0:
            return
        async with self._turns[host]:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self.delay_seconds
        if start > now:
            await asyncio.sleep(start - now)

    async def _timed(self, url: str, feed_url: str) -> Page:
        settings = self.fetcher.settings
        total = settings.total_timeout
        started = time.perf_counter()
        try:
            async with asyncio.timeout(total):
                page = await self._get(url, feed_url)
        except TimeoutError:
            raise FetchError(url, f"no complete answer within {total:g}s",
                             error_kind="timeout") from None
        except Refused as exc:
            raise FetchError(url, str(exc), error_kind="blocked", transient=False) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is no HTTPError
            raise map_httpx_error(url, exc, settings) from exc
        elapsed = (time.perf_counter() - started) * 1000
        return Page(page.url, page.http_status, page.body, page.headers, page.truncated, elapsed)

    async def _get(self, url: str, feed_url: str) -> Page:
        fetcher = self.fetcher
        client = fetcher.client
        hops = LinkHops(fetcher.redirect_policy, feed_url, fetcher.resolver)
        await hops.before(None, url)
        for _ in range(fetcher.settings.max_redirects + 1):
            response = await client.send(
                client.build_request("GET", url, headers={"Accept": ACCEPT}), stream=True)
            try:
                await hops.connected(url, peer_address(url, response, fetcher.proxies))
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    target = redirect_target(url, url, location, response.status_code)
                    await discard(response)
                    await hops.before(url, target)
                    url = target
                    continue
                if response.status_code == 304:  # we sent no validators
                    raise FetchError(url, "HTTP 304 to an unconditional request",
                                     error_kind="protocol", status=304, transient=False)
                # Raises for anything but a 2xx.
                classify_response(url, url, response, datetime.now(timezone.utc))
                headers = kept_headers(response.headers)
                media_type = headers.get("content-type", "").split(";")[0].strip().lower()
                if media_type and media_type not in _HTML_TYPES:
                    return Page(url, response.status_code, b"", headers)  # a PDF, an image…
                body, truncated = await _read_prefix(url, response, self.max_bytes)
            finally:
                await response.aclose()
            return Page(url, response.status_code, body, headers, truncated)
        raise httpx.TooManyRedirects("too many redirects")


async def _read_prefix(url: str, response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """The first `cap` decoded bytes of the body, and whether there was more (then the
    connection is closed, not drained: a page that never ends stops here)."""
    chunks, size = [], 0
    try:
        decoder = decoder_for(response.headers.get("content-encoding"))
        async for raw in then_flush(response.aiter_raw()):
            for piece in decoder.decode(raw) if raw is not None else decoder.flush():
                room = cap - size
                if len(piece) > room:
                    chunks.append(piece[:room])
                    return b"".join(chunks), True
                chunks.append(piece)
                size += len(piece)
    except DecodeError as exc:
        raise FetchError(url, f"the body could not be decompressed: {exc}",
                         error_kind="decoding", status=response.status_code) from None
    return b"".join(chunks), False
