"""Fetch stage: a feed's URL and saved state → FetchResult, or a FetchError. I/O (httpx).

client (Fetcher: one httpx client per run, conditional GET, limits, redirects), decompress
(bounded Content-Encoding decoders), policy (where a redirect may lead). Imports L0 only.
"""

from monitor.fetch.client import Fetcher

__all__ = ["Fetcher"]
