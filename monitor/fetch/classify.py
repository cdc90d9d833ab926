"""Fetch stage: what an HTTP outcome means, decided in one place. Pure (reads httpx values).

`classify_response` turns a response's status and headers into a FetchResult (304), None (a
2xx whose body is to be read) or a FetchError; `map_httpx_error` turns httpx's exceptions into
FetchErrors with a stable `error_kind` and one line of text (Miniflux `ResponseHandler` and
`LocalizedError`). Used by client (feeds) and pages (article pages). Imports errors, model,
retry and httpx.
"""

from __future__ import annotations

import socket
import ssl
from datetime import datetime

import httpx

from monitor.config import FetchConfig
from monitor.errors import FetchError, root_cause
from monitor.model import FetchResult, FetchStatus
from monitor.retry import parse_retry_after

REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT_REDIRECTS = (301, 308)  # RFC 9110 §15.4: only these are permanent


def classify_response(feed: str, url: str, response: httpx.Response, now: datetime,
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
    if status in REDIRECTS:
        raise FetchError(feed, f"{label} without a usable Location", error_kind="redirect",
                         status=status, transient=False)
    raise FetchError(feed, label, error_kind="http_4xx" if status < 500 else "http_5xx",
                     status=status, transient=False)


def map_httpx_error(feed: str, exc: httpx.HTTPError | httpx.InvalidURL,
                    settings: FetchConfig) -> FetchError:
    """httpx exceptions → FetchError with a stable `error_kind` and one line of text, in our
    words for every exception httpx defines (tests/unit/test_errors_mapped.py)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchError(feed, f"connect timed out after {settings.connect_timeout:g}s",
                          error_kind="timeout")
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout)):
        return FetchError(feed, f"server stopped sending for {settings.read_timeout:g}s",
                          error_kind="timeout")
    if isinstance(exc, httpx.PoolTimeout):
        return FetchError(feed, "no free connection in time", error_kind="timeout")
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(feed, f"timed out: {exc}", error_kind="timeout")
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
            return FetchError(feed, f"TLS failed: {ssl_reason(cause)}", error_kind="tls",
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
    if isinstance(exc, httpx.ProtocolError):
        return FetchError(feed, f"broken HTTP response: {exc}", error_kind="protocol")
    if isinstance(exc, httpx.ProxyError):
        return FetchError(feed, f"the proxy failed: {exc}", error_kind="proxy")
    if isinstance(exc, httpx.ReadError):
        cause = root_cause(exc)
        if isinstance(cause, ssl.SSLError):
            return FetchError(feed, f"TLS failed: {ssl_reason(cause)}", error_kind="tls")
        return FetchError(feed, f"connection broke while reading: {exc or type(cause).__name__}",
                          error_kind="network")
    if isinstance(exc, httpx.WriteError):
        return FetchError(feed, f"connection broke while sending: {exc}", error_kind="network")
    # CloseError and any other network or transport failure.
    return FetchError(feed, f"network error: {exc}", error_kind="network")


def ssl_reason(exc: ssl.SSLError) -> str:
    return getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)
