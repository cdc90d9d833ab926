"""Fetch stage: FeedConfig + FeedState → FetchResult, or a FetchError. I/O (httpx, files).

One `Fetcher` (one httpx.AsyncClient) per run. It limits concurrency overall and per host,
sends conditional requests (ETag / Last-Modified), caps the body while streaming, enforces a
total time limit, follows redirects itself so that `monitor.fetch.policy` can refuse each hop
into private address space or from https to http, and classifies every outcome in one place:
`_classify`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncIterator
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from monitor import __version__
from monitor.fetch.decompress import ACCEPT_ENCODING, DecodeError, decoder_for
from monitor.errors import FetchError, root_cause
from monitor.config import FetchConfig
from monitor.model import FeedState, FetchResult, FetchStatus
from monitor.fetch.policy import Hops, RedirectPolicy, Refused, Resolver
from monitor.retry import parse_retry_after

DEFAULT_USER_AGENT = f"monitor/{__version__} (multilingual news monitor; python-httpx)"
ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
_REDIRECTS = (301, 302, 303, 307, 308)
_PERMANENT_REDIRECTS = (301, 308)


class Fetcher:
    """Fetches feeds over one shared client. Use as an async context manager."""

    def __init__(self, settings: FetchConfig, *, transport: httpx.AsyncBaseTransport | None = None,
                 verify: bool | ssl.SSLContext = True, resolver: Resolver | None = None) -> None:
        self.settings = settings
        self._transport = transport
        self._verify = verify
        self._resolver = resolver
        self._client: httpx.AsyncClient | None = None
        self._all = asyncio.Semaphore(settings.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        # What httpx's trust_env reads too: through a proxy, the peer is the proxy.
        self._proxies = urllib.request.getproxies_environment()
        self.redirect_policy = RedirectPolicy(
            allow_private=settings.allow_private_redirects,
            public_endpoints=frozenset(filter(None, os.environ.get(
                "MONITOR_TEST_PUBLIC_ENDPOINTS", "").replace(",", " ").split())))

    def clone(self, settings: FetchConfig) -> "Fetcher":
        """An unopened Fetcher with other limits but the same transport and TLS settings (a
        poll's worker process opens its own client: a connection cannot cross a fork)."""
        return Fetcher(settings, transport=self._transport, verify=self._verify,
                       resolver=self._resolver)

    async def __aenter__(self) -> "Fetcher":
        s = self.settings
        if self._verify is True:
            # Built once and shared by clones: loading the CA bundle costs ~17 ms per client.
            self._verify = httpx.create_ssl_context(verify=True, trust_env=True)
        self._client = httpx.AsyncClient(
            transport=self._transport,
            verify=self._verify,
            follow_redirects=False,  # _get follows them, checking each hop
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout,
                                  write=s.read_timeout, pool=s.total_timeout),
            # A small pool: httpcore rescans every pooled connection per request, so its CPU
            # cost grows with the pool (encode/httpcore#1035).
            limits=httpx.Limits(max_connections=min(s.concurrency, 16),
                                max_keepalive_connections=min(s.concurrency, 16)),
            headers={"User-Agent": s.user_agent or DEFAULT_USER_AGENT, "Accept": ACCEPT,
                     "Accept-Encoding": ACCEPT_ENCODING},
            trust_env=True,
        )
        if isinstance(getattr(self._client, "_cookies", None), httpx.Cookies):
            self._client._cookies = _Cookies(self._client._cookies.jar)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(self, feed_name: str, state: FeedState, *,
                    now: datetime | None = None) -> FetchResult:
        """Fetch one feed. Raises FetchError."""
        url = state.fetch_url
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file" or scheme == "":
            return await asyncio.to_thread(_fetch_file, feed_name, url, state,
                                           self.settings.max_body_size)
        host = urlsplit(url).hostname or ""
        sem = self._per_host.setdefault(host, asyncio.Semaphore(self.settings.per_host))
        async with self._all, sem:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.settings.total_timeout):
                    result = await self._get(feed_name, url, state, now or _utcnow())
            except TimeoutError:
                raise FetchError(feed_name, f"no complete answer within "
                                 f"{self.settings.total_timeout:g}s",
                                 error_kind="timeout") from None
            except Refused as exc:
                raise FetchError(feed_name, str(exc), error_kind="blocked",
                                 transient=False) from None
            except httpx.HTTPError as exc:
                raise _map_httpx_error(feed_name, exc, self.settings) from exc
            elapsed = (time.perf_counter() - started) * 1000
            return FetchResult(**{**result.__dict__, "elapsed_ms": elapsed})

    async def _get(self, feed_name: str, url: str, state: FeedState, now: datetime) -> FetchResult:
        assert self._client is not None, "use `async with Fetcher(...)`"
        headers = {}
        if state.etag and not state.etag.startswith("file:"):
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        hops = self.redirect_policy.hops(state.url, self._resolver)
        start_url = url
        try:
            await hops.before(None, url)
        except Refused:
            if url == state.url:
                raise
            # A permanent redirect saved before this policy existed: start again from the
            # configured URL, without the saved URL's validators, and let the result put it
            # back as the feed's URL.
            url = start_url = state.url
            headers = {}
        statuses: list[int] = []
        for _ in range(self.settings.max_redirects + 1):
            response = await self._client.send(
                self._client.build_request("GET", url, headers=headers), stream=True)
            try:
                if hops.checks(url):
                    await hops.connected(url, _peer(url, response, self._proxies))
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    target = _redirect_target(feed_name, url, location, response.status_code)
                    statuses.append(response.status_code)
                    await _discard(response)
                    await hops.before(url, target)
                    url = target
                    continue
                final = url if statuses else None
                moved = _permanent_redirect(state.fetch_url, start_url, final, statuses)
                result = _classify(feed_name, url, response, now, moved)
                if result is not None:
                    if result.status is FetchStatus.NOT_MODIFIED:
                        # A 304 has no body, but h11 only marks the exchange complete once it
                        # is read; an unread response closes the connection, not reusing it.
                        await response.aread()
                    return result
                body = await _read_capped(feed_name, response, self.settings.max_body_size)
            finally:
                await response.aclose()
            if not body.strip():
                raise FetchError(feed_name, f"HTTP {response.status_code} with an empty body",
                                 error_kind="empty", status=response.status_code)
            return FetchResult(
                status=FetchStatus.OK, url=url, http_status=response.status_code,
                body=body, headers=_headers(response.headers),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                permanent_url=moved,
            )
        raise httpx.TooManyRedirects("too many redirects")


class _Cookies(httpx.Cookies):
    """httpx's cookie store (kept, so a consent cookie set on a redirect is sent on the next
    hop) that skips the cookiejar machinery for a response that sets no cookie: nearly every
    feed response, and a tenth of httpx's CPU per request (CookieJar builds urllib request and
    response wrappers just to find no Set-Cookie header)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            super().extract_cookies(response)


def _classify(feed: str, url: str, response: httpx.Response, now: datetime,
              moved: str | None = None) -> FetchResult | None:
    """Decide what a response means. None: a 2xx whose body should be read. Raises FetchError.

    Every HTTP outcome is decided here (Miniflux `ResponseHandler`): 304, 4xx/5xx, Retry-After,
    oversized bodies announced by Content-Length.
    """
    status = response.status_code
    if status == 304:
        return FetchResult(status=FetchStatus.NOT_MODIFIED, url=url, http_status=304,
                           etag=response.headers.get("etag"),
                           last_modified=response.headers.get("last-modified"),
                           permanent_url=moved)
    if 200 <= status < 300:
        if status == 204:
            raise FetchError(feed, "HTTP 204 No Content", error_kind="empty", status=204)
        return None
    reason = response.reason_phrase or ""
    label = f"HTTP {status} {reason}".strip()
    retry_after = parse_retry_after(response.headers.get("retry-after"), now)
    if status in (429, 503):
        wait = f"; retry after {retry_after:g}s" if retry_after is not None else ""
        raise FetchError(feed, label + wait, error_kind="rate_limited" if status == 429
                         else "http_5xx", status=status, retry_after_seconds=retry_after)
    if status == 408 or status >= 500:
        raise FetchError(feed, label, error_kind="http_5xx" if status >= 500 else "timeout",
                         status=status, retry_after_seconds=retry_after)
    if status in (401, 403):
        raise FetchError(feed, label, error_kind="http_auth", status=status, transient=False,
                         hint="the server refuses access: check the URL or credentials")
    if status in (404, 410):
        raise FetchError(feed, label, error_kind="http_gone", status=status, transient=False,
                         hint="the feed has moved or is gone: check its URL")
    if status in _REDIRECTS:
        raise FetchError(feed, f"{label} without a usable Location", error_kind="redirect",
                         status=status, transient=False)
    raise FetchError(feed, label, error_kind="http_4xx" if status < 500 else "http_5xx",
                     status=status, transient=False)


async def _read_capped(feed: str, response: httpx.Response, cap: int) -> bytes:
    length = response.headers.get("content-length")
    if length and length.isdigit() and int(length) > cap \
            and not response.headers.get("content-encoding"):
        raise FetchError(feed, f"body of {int(length):,} bytes is over the {cap:,}-byte limit",
                         error_kind="too_large", status=response.status_code, transient=False)
    chunks, size = [], 0
    # We decode the raw bytes ourselves, in bounded pieces, so the cap counts decoded bytes
    # and stops a decompression bomb before it is inflated (httpx's decoders are unbounded).
    try:
        decoder = decoder_for(response.headers.get("content-encoding"))
        async for raw in _then_flush(response.aiter_raw()):
            for piece in decoder.decode(raw) if raw is not None else decoder.flush():
                size += len(piece)
                if size > cap:
                    raise FetchError(feed, f"body is over the {cap:,}-byte limit",
                                     error_kind="too_large", status=response.status_code,
                                     transient=False)
                chunks.append(piece)
    except DecodeError as exc:
        raise FetchError(feed, f"the body could not be decompressed: {exc}",
                         error_kind="decoding", status=response.status_code) from None
    return b"".join(chunks)


async def _then_flush(raw: AsyncIterator[bytes]) -> AsyncIterator[bytes | None]:
    """The raw chunks, then None: the moment to flush the decoder."""
    async for chunk in raw:
        yield chunk
    yield None


def _permanent_redirect(fetch_url: str, start_url: str, final_url: str | None,
                        statuses: list[int]) -> str | None:
    """The URL to save as the feed's: where every hop from `start_url` was 301/308 (RFC 9110
    §15.4: only those are permanent), or `start_url` itself when it replaced a saved URL the
    redirect policy refuses. Every hop has passed that policy."""
    new = start_url
    if final_url is not None and all(s in _PERMANENT_REDIRECTS for s in statuses):
        new = final_url
    return new if new != fetch_url else None


def _redirect_target(feed: str, url: str, location: str, status: int) -> str:
    """The absolute URL a Location names. Raises FetchError for one that is not a URL (a
    hostile `http://[::1`, a port past 65535)."""
    try:
        target = urljoin(url, location.strip())
        port = urlsplit(target).port  # raises ValueError for a port out of range
        httpx.URL(target)
    except (ValueError, httpx.InvalidURL):
        raise FetchError(feed, f"HTTP {status} to an unusable Location", error_kind="redirect",
                         status=status, transient=False) from None
    del port
    return target


async def _discard(response: httpx.Response) -> None:
    """Read a redirect's (small) body so its connection can be reused; a large one is cut."""
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > 64 * 1024:
            break


def _peer(url: str, response: httpx.Response,
          proxies: dict[str, str]) -> tuple[str, int] | None:
    """The address the response came from (httpx's documented `network_stream` extension);
    None through a mock transport, or a proxy (whose address it would be)."""
    parts = urlsplit(url)
    if (parts.scheme.lower() in proxies or "all" in proxies) \
            and not urllib.request.proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    stream = response.extensions.get("network_stream")
    address = stream.get_extra_info("server_addr") if stream is not None else None
    return (str(address[0]), int(address[1])) if address else None


def _headers(headers: httpx.Headers) -> dict[str, str]:
    keep = ("content-type", "content-location", "content-language", "etag", "last-modified",
            "content-encoding")
    return {k: headers[k] for k in keep if k in headers}


def _map_httpx_error(feed: str, exc: httpx.HTTPError, settings: FetchConfig) -> FetchError:
    """httpx exceptions → FetchError with a stable `error_kind` and one line of text."""
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchError(feed, f"connect timed out after {settings.connect_timeout:g}s",
                          error_kind="timeout")
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout)):
        return FetchError(feed, f"server stopped sending for {settings.read_timeout:g}s",
                          error_kind="timeout")
    if isinstance(exc, httpx.PoolTimeout):
        return FetchError(feed, "no free connection in time", error_kind="timeout")
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchError(feed, f"more than {settings.max_redirects} redirects (a loop?)",
                          error_kind="redirect", transient=False)
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return FetchError(feed, f"unusable URL: {exc}", error_kind="url", transient=False)
    if isinstance(exc, httpx.DecodingError):
        return FetchError(feed, "the body could not be decompressed", error_kind="decoding")
    if isinstance(exc, httpx.ConnectError):
        cause = root_cause(exc)
        if isinstance(cause, ssl.SSLError):
            return FetchError(feed, f"TLS failed: {_ssl_reason(cause)}", error_kind="tls",
                              hint="the server's certificate is not trusted or TLS is broken")
        text = str(exc) or type(cause).__name__
        if isinstance(cause, socket.gaierror) or "Name or service not known" in text \
                or "Temporary failure in name resolution" in text:
            return FetchError(feed, "host name not found", error_kind="dns")
        if isinstance(cause, ConnectionRefusedError) or "refused" in text.lower():
            return FetchError(feed, "connection refused", error_kind="connect")
        if isinstance(cause, OSError) and cause.strerror:
            text = cause.strerror
        return FetchError(feed, f"cannot connect: {text}", error_kind="connect")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        return FetchError(feed, f"broken HTTP response: {exc}", error_kind="protocol")
    if isinstance(exc, httpx.ReadError):
        cause = root_cause(exc)
        if isinstance(cause, ssl.SSLError):
            return FetchError(feed, f"TLS failed: {_ssl_reason(cause)}", error_kind="tls")
        return FetchError(feed, f"connection broke while reading: {exc or type(cause).__name__}",
                          error_kind="network")
    return FetchError(feed, f"{type(exc).__name__}: {exc}", error_kind="network")


def _ssl_reason(exc: ssl.SSLError) -> str:
    return getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)


def _fetch_file(feed: str, url: str, state: FeedState, cap: int) -> FetchResult:
    """Local feeds (demos, tests): a file path or file:// URL, with an mtime/size pseudo-ETag."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path)) if parts.scheme == "file" else Path(url)
    try:
        st = path.stat()
        tag = f"file:{st.st_mtime_ns}-{st.st_size}"
        if state.etag == tag:
            return FetchResult(status=FetchStatus.NOT_MODIFIED, url=url, etag=tag)
        if st.st_size > cap:
            raise FetchError(feed, f"file of {st.st_size:,} bytes is over the {cap:,}-byte limit",
                             error_kind="too_large", transient=False)
        with open(path, "rb") as fh:
            body = fh.read(cap + 1)
    except FileNotFoundError:
        raise FetchError(feed, f"no such file: {path}", error_kind="file", transient=False) from None
    except OSError as exc:
        raise FetchError(feed, f"cannot read {path}: {exc.strerror or exc}",
                         error_kind="file") from None
    if len(body) > cap:
        raise FetchError(feed, f"file is over the {cap:,}-byte limit", error_kind="too_large",
                         transient=False)
    if not body.strip():
        raise FetchError(feed, "the file is empty", error_kind="empty")
    return FetchResult(status=FetchStatus.OK, url=url, body=body, etag=tag,
                       headers={"content-location": url})


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)

