"""The fetcher's cookie store (monitor.fetch.client.FeedCookieJar), through httpx's public
`cookies=`: what is relied on is that httpx keeps the CookieJar it is given and runs every
response through it. If a release copied the jar instead, the cost measured in the jar's
docstring would come back silently: this fails then.
"""

from __future__ import annotations

import asyncio

import httpx

from monitor.config import FetchConfig
from monitor.fetch import Fetcher
from monitor.fetch.client import FeedCookieJar
from monitor.model import FeedState, FetchStatus

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class Body(httpx.AsyncByteStream):
    """A body streamed as from the network (the fetcher reads raw bytes itself)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):
        yield self.data


def test_a_consent_cookie_set_on_a_redirect_is_kept_in_our_jar_and_sent_on():
    seen: list[tuple[str, str | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("cookie")))
        if request.url.path == "/consent":
            return httpx.Response(302, headers={"Location": "/feed",
                                                "Set-Cookie": "consent=yes; Path=/"},
                                  stream=Body(b""))
        return httpx.Response(200, stream=Body(FEED),
                              headers={"Content-Type": "application/rss+xml"})

    async def public(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]  # what the redirect policy is told the host resolves to

    async def go():
        async with Fetcher(FetchConfig(), transport=httpx.MockTransport(answer),
                           resolver=public) as fetcher:
            jar = fetcher.client.cookies.jar
            result = await fetcher.fetch("t", FeedState(name="t",
                                                        url="https://news.example/consent"))
            return jar, result

    jar, result = asyncio.run(go())
    assert result.status is FetchStatus.OK and result.body == FEED
    assert isinstance(jar, FeedCookieJar)
    assert [(c.name, c.value) for c in jar] == [("consent", "yes")]
    assert seen == [("/consent", None), ("/feed", "consent=yes")]


def test_a_response_that_sets_no_cookie_skips_the_cookie_policy(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(FeedCookieJar, "make_cookies",
                        lambda self, response, request: calls.append("made") or [])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/plain":
            return httpx.Response(200, stream=Body(FEED))
        return httpx.Response(200, stream=Body(FEED), headers={"Set-Cookie": "a=1"})

    async def go():
        async with Fetcher(FetchConfig(), transport=httpx.MockTransport(answer)) as fetcher:
            await fetcher.fetch("t", FeedState(name="t", url="https://news.example/plain"))
            assert calls == []
            await fetcher.fetch("t", FeedState(name="t", url="https://news.example/sets"))
            assert calls == ["made"]

    asyncio.run(go())
