"""Fetcher against a real HTTP server on 127.0.0.1."""

import asyncio
import gzip
from dataclasses import replace

import pytest

from monitor.errors import FetchError
from monitor.fetch import Fetcher
from monitor.config import FetchConfig
from monitor.model import FeedState, FetchStatus

pytestmark = pytest.mark.integration

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def fetch(url, state=None, **settings):
    async def go():
        async with Fetcher(FetchConfig(**settings)) as f:
            return await f.fetch("t", state or FeedState(name="t", url=url))
    return asyncio.run(go())


def test_fetch_returns_body_and_validators(feed_server):
    url = feed_server.set("/f", FEED)
    result = fetch(url)
    assert result.status is FetchStatus.OK and result.body == FEED and result.http_status == 200
    assert result.etag and result.last_modified
    assert result.headers["content-type"].startswith("application/rss+xml")
    ua = feed_server.requests_to("/f")[0].headers["user-agent"]
    assert ua.startswith("monitor/")


def test_fetch_returns_not_modified_on_304_via_etag_and_via_last_modified(feed_server):
    url = feed_server.set("/f", FEED)
    first = fetch(url)
    state = FeedState(name="t", url=url, etag=first.etag, last_modified=first.last_modified)
    assert fetch(url, state).status is FetchStatus.NOT_MODIFIED
    only_date = FeedState(name="t", url=url, last_modified=first.last_modified)
    assert fetch(url, only_date).status is FetchStatus.NOT_MODIFIED
    sent = feed_server.requests_to("/f")[1].headers
    assert sent["if-none-match"] == first.etag


def test_fetch_keeps_the_connection_after_a_304(feed_server):
    """An unread 304 would close its connection: one TCP (and TLS) handshake per unchanged feed."""
    url = feed_server.set("/f", FEED)

    async def go():
        async with Fetcher(FetchConfig(concurrency=1)) as f:
            first = await f.fetch("t", FeedState(name="t", url=url))
            state = FeedState(name="t", url=url, etag=first.etag)
            return [(await f.fetch("t", state)).status for _ in range(3)]

    assert asyncio.run(go()) == [FetchStatus.NOT_MODIFIED] * 3
    requests = feed_server.requests_to("/f")
    assert [r.status for r in requests] == [200, 304, 304, 304]
    assert len({r.client_port for r in requests}) == 1


def test_fetch_sends_a_cookie_set_by_a_redirect_on_the_next_hop(feed_server):
    """Consent walls set a cookie and redirect; the cookie store must still work."""
    final = feed_server.set("/feed", FEED)
    start = feed_server.set("/consent", b"", status=302, redirect_to=final,
                            headers={"Set-Cookie": "consent=yes; Path=/"})
    assert fetch(start).body == FEED
    assert "cookie" not in feed_server.requests_to("/consent")[0].headers
    assert feed_server.requests_to("/feed")[0].headers.get("cookie") == "consent=yes"


def test_fetch_decodes_gzip(feed_server):
    url = feed_server.set("/f", FEED * 50, gzip=True)
    result = fetch(url)
    assert result.body == FEED * 50
    assert "gzip" in feed_server.requests_to("/f")[0].headers["accept-encoding"]


@pytest.mark.parametrize("status, kind, transient", [
    (404, "http_gone", False), (410, "http_gone", False), (401, "http_auth", False),
    (403, "http_auth", False), (500, "http_5xx", True), (502, "http_5xx", True),
    (418, "http_4xx", False),
])
def test_fetch_classifies_http_errors(feed_server, status, kind, transient):
    url = feed_server.set("/f", b"nope", status=status, etag=False)
    with pytest.raises(FetchError) as info:
        fetch(url)
    assert info.value.error_kind == kind and info.value.transient is transient
    assert info.value.status == status
    assert str(info.value).startswith(f"fetch t: HTTP {status}")


@pytest.mark.parametrize("status", [429, 503])
def test_fetch_reads_retry_after(feed_server, status):
    url = feed_server.set("/f", b"slow down", status=status, etag=False,
                          headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as info:
        fetch(url)
    assert info.value.retry_after_seconds == 120
    assert "retry after 120s" in str(info.value)


@pytest.mark.parametrize("code", [301, 308])
def test_fetch_reports_permanent_redirects(feed_server, code):
    new = feed_server.set("/new", FEED)
    old = feed_server.set("/old", status=code, redirect_to=new)
    result = fetch(old)
    assert result.body == FEED and result.permanent_url == new


def test_fetch_temporary_redirect_keeps_the_url(feed_server):
    new = feed_server.set("/new", FEED)
    old = feed_server.set("/old", status=302, redirect_to=new)
    assert fetch(old).permanent_url is None


def test_fetch_stops_redirect_loops(feed_server):
    a = feed_server.url("/a")
    b = feed_server.set("/b", status=302, redirect_to=a)
    feed_server.set("/a", status=302, redirect_to=b)
    with pytest.raises(FetchError, match="redirects") as info:
        fetch(a)
    assert info.value.error_kind == "redirect"


def test_fetch_caps_the_body_while_streaming(feed_server):
    url = feed_server.set("/big", b"x" * 200_000, etag=False)
    with pytest.raises(FetchError, match="over the 100,000-byte limit") as info:
        fetch(url, max_body_size=100_000)
    assert info.value.error_kind == "too_large"


def test_fetch_refuses_an_announced_huge_body_without_reading_it(feed_server):
    url = feed_server.set("/huge", b"tiny", etag=False,
                          headers={"Content-Length": str(2 * 1024**3)})
    with pytest.raises(FetchError, match="2,147,483,648 bytes"):
        fetch(url)


def test_fetch_caps_decompressed_size(feed_server):
    bomb = b"\0" * 5_000_000
    url = feed_server.set("/bomb", bomb, gzip=True, etag=False)
    assert len(gzip.compress(bomb)) < 10_000
    with pytest.raises(FetchError, match="limit"):
        fetch(url, max_body_size=1_000_000)


def test_fetch_total_timeout_stops_a_drip(feed_server):
    url = feed_server.set("/drip", FEED, drip_seconds=0.2, etag=False)
    with pytest.raises(FetchError, match="no complete answer within 0.5s") as info:
        fetch(url, total_timeout="500ms", read_timeout="5s")
    assert info.value.error_kind == "timeout"


def test_fetch_read_timeout(feed_server):
    url = feed_server.set("/slow", FEED, delay_seconds=1.0, etag=False)
    with pytest.raises(FetchError, match="stopped sending") as info:
        fetch(url, read_timeout="200ms")
    assert info.value.error_kind == "timeout"


def test_fetch_empty_200_is_an_error(feed_server):
    url = feed_server.set("/empty", b"", etag=False)
    with pytest.raises(FetchError, match="empty body"):
        fetch(url)


def test_fetch_connection_refused(feed_server):
    url = feed_server.url("/x")
    feed_server.stop()
    with pytest.raises(FetchError, match="connection refused") as info:
        fetch(url)
    assert info.value.error_kind == "connect"


def test_fetch_local_file_with_pseudo_etag(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    first = fetch(str(path))
    assert first.body == FEED and first.etag.startswith("file:")
    state = replace(FeedState(name="t", url=path.as_uri()), etag=first.etag)
    assert fetch(path.as_uri(), state).status is FetchStatus.NOT_MODIFIED


def test_fetch_limits_concurrency_per_host(feed_server):
    url = feed_server.set("/f", FEED, delay_seconds=0.2, etag=False)
    import threading
    active, peak = [0], [0]
    lock = threading.Lock()
    original = feed_server._handle

    def counting(h):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            original(h)
        finally:
            with lock:
                active[0] -= 1

    feed_server._handle = counting

    async def go():
        async with Fetcher(FetchConfig(per_host=2)) as f:
            await asyncio.gather(*(f.fetch(f"t{i}", FeedState(name=f"t{i}", url=url))
                                   for i in range(6)))
    asyncio.run(go())
    assert peak[0] == 2
