"""HTTP for the webhook channels: one shared httpx client, and one function that decides what
every answer means (RFC 9110 statuses plus each chat service's 429 shape).

Errors never carry the URL: webhook URLs are secrets (Slack, Discord, Teams, Mattermost keep
their token in the path or query), so messages name the host only and are built from the status
and a short, scrubbed excerpt of the body, never from `str()` of an httpx exception.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import httpx

from monitor import __version__
from monitor.config.values import http_url_problem
from monitor.errors import DeliveryError, root_cause
from monitor.redact import scrubber_for
from monitor.retry import parse_retry_after

DEFAULT_TIMEOUT_SECONDS = 20.0
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = f"monitor/{__version__} (alerts)"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8", "replace"))
        except ValueError:
            return None


class SharedClient:
    """One httpx.AsyncClient for every HTTP channel of a run, closed when the last channel is."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None
        self._users = 0

    def acquire(self) -> "SharedClient":
        self._users += 1
        return self

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # No redirects: a webhook that redirects is misconfigured, and following one would
            # send the signed body (and maybe a bearer token) somewhere else.
            self._client = httpx.AsyncClient(
                follow_redirects=False, headers={"User-Agent": USER_AGENT},
                timeout=DEFAULT_TIMEOUT_SECONDS,
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10))
        return self._client

    async def release(self) -> None:
        self._users -= 1
        if self._users <= 0 and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


def target(url: str) -> str:
    """`scheme://host[:port]`: what may appear in logs and errors about a secret URL."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    try:
        port = parts.port
    except ValueError:  # out of range or not a number: send_request refuses such a URL
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


async def send_request(shared: SharedClient, channel: str, method: str, url: str, *,
                       content: bytes, headers: Mapping[str, str], timeout_seconds: float,
                       secrets: Iterable[str] = ()) -> Answer:
    """Send one request; return the answer, or raise a DeliveryError for a network failure.

    `timeout_seconds` bounds the whole exchange (connect, send, the complete answer): httpx's
    own timeouts are per read, so a receiver that drips a byte every few seconds would hold
    the send, and its channel, forever.
    """
    where = target(url)
    problem = http_url_problem(url)
    if problem:  # config checks it; httpx would fail on some of these with a bare ValueError
        raise DeliveryError(channel, f"the configured URL for {where} is not usable: {problem}",
                            transient=False)
    try:
        async with asyncio.timeout(timeout_seconds):
            async with shared.client.stream(method, url, content=content, headers=dict(headers),
                                            timeout=timeout_seconds) as response:
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= MAX_RESPONSE_BYTES:
                        break
                return Answer(response.status_code, response.headers, body[:MAX_RESPONSE_BYTES])
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL) as exc:
        raise network_error(channel, where, exc, timeout_seconds, secrets) from None


def network_error(channel: str, where: str, exc: BaseException, timeout_seconds: float,
                  secrets: Iterable[str] = ()) -> DeliveryError:
    """An exception from sending to `where` (httpx's, or the total deadline's TimeoutError) as
    a DeliveryError in our words. Every httpx exception is one of these cases (tests/unit/
    test_errors_mapped.py); only a URL that can never work is permanent."""
    reason = scrub(_reason(root_cause(exc)), secrets)
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        # The receiver may have acted on it: the retry carries the same id so it can tell.
        return DeliveryError(channel, f"{where} did not answer within {timeout_seconds:g} s",
                             transient=True)
    if isinstance(exc, httpx.ConnectError):
        cause = root_cause(exc)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return DeliveryError(channel, f"{where}: TLS certificate not trusted "
                                 f"({scrub(cause.verify_message or '', secrets)})",
                                 transient=True)
        return DeliveryError(channel, f"cannot connect to {where}: {reason}", transient=True)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return DeliveryError(channel, f"the configured URL for {where} is not usable",
                             transient=False)
    if isinstance(exc, httpx.ProxyError):
        return DeliveryError(channel, f"the proxy to {where} failed: {reason}", transient=True)
    if isinstance(exc, httpx.ProtocolError):  # a malformed answer, or one we could not send
        return DeliveryError(channel, f"{where} broke HTTP: {reason}", transient=True)
    if isinstance(exc, httpx.DecodingError):
        return DeliveryError(channel, f"{where}'s answer could not be decompressed",
                             transient=True)
    if isinstance(exc, httpx.TooManyRedirects):  # not followed, so not expected
        return DeliveryError(channel, f"{where} redirected too often", transient=False)
    # ReadError, WriteError, CloseError and any other network or transport failure.
    return DeliveryError(channel, f"{where}: the connection failed: {reason}", transient=True)


def check_answer(channel: str, url: str, answer: Answer, *, now: datetime | None = None,
                 secrets: Iterable[str] = (), detail: str | None = None) -> None:
    """Raise DeliveryError unless `answer` is a success (2xx).

    408, 429 and 5xx are transient (retried, honouring any retry-after); 3xx and every other
    4xx are permanent (the row goes to dead). `detail` replaces the body excerpt.
    """
    status = answer.status
    if 200 <= status < 300:
        return
    where = target(url)
    reason = detail if detail is not None else body_excerpt(answer, secrets)
    message = f"{where} answered HTTP {status}" + (f": {reason}" if reason else "")
    if status == 429 or status == 408 or status >= 500:
        raise DeliveryError(channel, message, transient=True, status=status,
                            retry_after_seconds=retry_after_seconds(answer, now))
    hint = None
    if status in (401, 403):
        hint = "the token or URL was refused: check it, then `monitor outbox retry --all`"
    elif status in (404, 410):
        hint = "the webhook or room no longer exists: update the channel, then " \
               "`monitor outbox retry --all`"
    elif 300 <= status < 400:
        message = f"{where} answered HTTP {status} (a redirect; webhooks are not followed)"
    raise DeliveryError(channel, message, transient=False, status=status, hint=hint)


def retry_after_seconds(answer: Answer, now: datetime | None = None) -> float | None:
    """The longest wait any of the known shapes asks for, in seconds, or None.

    `Retry-After` header (Slack, Matrix, Teams, Discord; RFC 9110 §10.2.3), Discord's JSON
    `retry_after` (float seconds), Telegram's `parameters.retry_after` (seconds), Matrix's
    deprecated `retry_after_ms`.
    """
    now = now or datetime.now(timezone.utc)
    found = []
    header = parse_retry_after(answer.headers.get("retry-after"), now)
    if header is not None:
        found.append(header)
    doc = answer.json()
    if isinstance(doc, dict):
        candidates = [doc.get("retry_after")]
        params = doc.get("parameters")
        if isinstance(params, dict):
            candidates.append(params.get("retry_after"))
        ms = doc.get("retry_after_ms")
        if isinstance(ms, (int, float)) and not isinstance(ms, bool):
            candidates.append(ms / 1000.0)
        for value in candidates:
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                found.append(min(float(value), 7 * 86400.0))
    return max(found) if found else None


def body_excerpt(answer: Answer, secrets: Iterable[str] = (), limit: int = 200) -> str:
    """A one-line description of an error body: the service's own error fields when it is
    JSON (Slack's text, Discord's code/message, Telegram's description, Matrix's errcode)."""
    doc = answer.json()
    if isinstance(doc, dict):
        parts = [str(doc[k]) for k in ("errcode", "error", "code", "error_code", "description",
                                       "message", "id") if k in doc and doc[k] not in (None, "")]
        text = " ".join(parts) if parts else json.dumps(doc, ensure_ascii=False)
    else:
        text = answer.body.decode("utf-8", "replace")
    text = " ".join(text.split())
    text = scrub(text, secrets)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` without the channel's secrets in any of their forms: a URL's userinfo also as
    the Basic credentials a server may quote back (monitor.redact)."""
    return scrubber_for(tuple(secrets)).scrub(text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc) or type(exc).__name__
    # httpx/httpcore messages do not normally hold the URL, but make sure no path does.
    return " ".join(text.split())[:200]
