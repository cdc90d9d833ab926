"""Fetch stage: a feed's URL and saved state → FetchResult, or a FetchError. I/O (httpx).

client (Fetcher: one httpx client per run, conditional GET, limits, redirects followed hop by
hop), classify (what a response or an httpx error means), decompress (bounded
Content-Encoding decoders), policy (where a redirect may lead), files (local feeds), pages
(article pages under the same limits). Imports config, errors, model, retry, httpx, brotli.
"""

from monitor.fetch.client import Fetcher

__all__ = ["Fetcher"]
