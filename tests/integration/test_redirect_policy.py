"""Redirects a publisher cannot use against the operator (issue 11, finding 10), through the
real CLI and real loopback servers.

Every server here is on 127.0.0.1; nothing is sent anywhere else. A test-only setting,
MONITOR_TEST_PUBLIC_ENDPOINTS=127.0.0.1:PORT, makes one loopback server count as a public
feed, so that a redirect from it to another loopback port is a public→private redirect
(the classifier itself is tested over a table of addresses in tests/unit/fetch/test_fetch_policy.py).
"""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme

from monitor.fetch import Fetcher
from monitor.errors import FetchError
from monitor.config import FetchConfig
from monitor.model import FeedState
from support.cli import run_cli, write_config
from support.feed_server import FeedServer, rss

pytestmark = pytest.mark.integration

FEED = rss([{"guid": "g1", "title": "Drone factory in Minsk", "description": "internal data"}])


@pytest.fixture
def private_server():
    """The private target: what a metadata service or an intranet page would be."""
    server = FeedServer().start()
    server.set("/secret.xml", FEED)
    yield server
    server.stop()


def public(*servers: FeedServer) -> dict[str, str]:
    return {"MONITOR_TEST_PUBLIC_ENDPOINTS": ",".join(f"127.0.0.1:{s.port}" for s in servers)}


def poll(tmp_path, env, **config):
    result = run_cli("poll", "--json", cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    return result.json()


def status(tmp_path):
    result = run_cli("status", "--json", cwd=tmp_path)
    assert result.code == 0, result.stderr
    return result.json()["feeds"][0]


def test_a_public_feed_redirected_to_loopback_is_refused_and_not_saved(
        feed_server, private_server, tmp_path):
    configured = feed_server.url("/feed.xml")
    feed_server.set("/feed.xml", status=301, redirect_to=private_server.url("/secret.xml"))
    write_config(tmp_path / "config.yaml", [{"name": "news", "url": configured}],
                 rules=[{"name": "drones", "query": "drone"}])

    doc = poll(tmp_path, public(feed_server))
    [feed] = doc["feeds"]
    assert (feed["status"], feed["error_kind"]) == ("error", "blocked")
    assert feed["error"] == ("fetch news: redirect to 127.0.0.1 refused: loopback address "
                             "127.0.0.1 (fetch.allow_private_redirects: true allows it on a LAN)")
    assert doc["items"] == [] and doc["matches"] == []
    assert private_server.requests == []  # refused before any request was sent to it
    row = status(tmp_path)
    assert row["url"] == configured and row["last_error"] == feed["error"]

    # A second poll (the feed backs off: --force) refuses again; nothing was saved.
    run_cli("poll", "--force", cwd=tmp_path, env=public(feed_server))
    assert private_server.requests == [] and status(tmp_path)["url"] == configured


def test_allow_private_redirects_follows_and_saves_the_redirect(
        feed_server, private_server, tmp_path):
    feed_server.set("/feed.xml", status=301, redirect_to=private_server.url("/secret.xml"))
    write_config(tmp_path / "config.yaml", [{"name": "news", "url": feed_server.url("/feed.xml")}],
                 fetch={"allow_private_redirects": True})
    doc = poll(tmp_path, public(feed_server))
    assert doc["feeds"][0]["status"] == "ok" and len(doc["items"]) == 1
    assert status(tmp_path)["url"] == private_server.url("/secret.xml")


def test_a_configured_private_feed_may_be_redirected_within_private_space(
        feed_server, private_server, tmp_path):
    # No endpoint is marked public: the operator configured a loopback (LAN) URL.
    feed_server.set("/feed.xml", status=308, redirect_to=private_server.url("/secret.xml"))
    write_config(tmp_path / "config.yaml", [{"name": "lan", "url": feed_server.url("/feed.xml")}])
    doc = poll(tmp_path, {})
    assert doc["feeds"][0]["status"] == "ok"
    assert status(tmp_path)["url"] == private_server.url("/secret.xml")


@pytest.fixture
def tls_server(tmp_path):
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = FeedServer(tls=context).start()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    yield server, str(bundle)
    server.stop()


def test_an_https_feed_redirected_to_http_is_refused(tls_server, private_server, tmp_path):
    server, ca_file = tls_server
    server.set("/feed.xml", status=301, redirect_to=private_server.url("/secret.xml"))
    write_config(tmp_path / "config.yaml", [{"name": "tls", "url": server.url("/feed.xml")}])
    # Both count as public: only the downgrade is at stake.
    env = {**public(server, private_server), "SSL_CERT_FILE": ca_file}
    [feed] = poll(tmp_path, env)["feeds"]
    assert (feed["status"], feed["error_kind"]) == ("error", "blocked")
    assert feed["error"].startswith("fetch tls: redirect from https to http://127.0.0.1 refused")
    assert private_server.requests == []
    assert status(tmp_path)["url"] == server.url("/feed.xml")


def test_a_redirect_saved_before_the_policy_is_dropped_for_the_configured_url(
        feed_server, private_server, tmp_path):
    configured = feed_server.url("/feed.xml")
    feed_server.set("/feed.xml", status=301, redirect_to=private_server.url("/secret.xml"))
    write_config(tmp_path / "config.yaml", [{"name": "news", "url": configured}],
                 fetch={"allow_private_redirects": True})
    poll(tmp_path, public(feed_server))
    assert status(tmp_path)["url"] == private_server.url("/secret.xml")  # as old versions did

    # The switch is off again and the publisher serves the feed itself: the saved private URL
    # is not fetched; the configured one is, and becomes the feed's URL again.
    feed_server.set("/feed.xml", rss([{"guid": "g2", "title": "Public item"}]))
    write_config(tmp_path / "config.yaml", [{"name": "news", "url": configured}])
    before = len(private_server.requests)
    doc = poll(tmp_path, public(feed_server))
    assert doc["feeds"][0]["status"] == "ok"
    assert [i["title"] for i in doc["items"]] == ["Public item"]
    assert len(private_server.requests) == before
    assert status(tmp_path)["url"] == configured


def test_dns_rebinding_is_caught_at_the_connected_address(feed_server, private_server):
    """The name resolves to a public address for the check and the connection reaches
    loopback (a rebinding name): the body is never read. The resolver is the seam; no packet
    goes to the public address it names."""
    feed_server.set("/feed.xml", status=302,
                    redirect_to=f"http://localhost:{private_server.port}/secret.xml")

    async def rebinding_resolver(host, port):
        return ["93.184.216.34"]

    async def go():
        settings = FetchConfig()
        fetcher = Fetcher(settings, resolver=rebinding_resolver)
        fetcher.redirect_policy = type(fetcher.redirect_policy)(
            public_endpoints=frozenset({f"127.0.0.1:{feed_server.port}"}))
        async with fetcher:
            return await fetcher.fetch("news", FeedState("news", feed_server.url("/feed.xml")))

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.error_kind == "blocked"
    assert "redirect to localhost refused: loopback address 127.0.0.1" in str(caught.value)


@pytest.mark.parametrize("location", ["http://[::1", "http://127.0.0.1:99999/x",
                                      "http://exa mple.org/\x7f"])
def test_an_unusable_location_is_a_feed_error_not_a_crash(feed_server, location):
    feed_server.set("/feed.xml", status=301, redirect_to=location)

    async def go():
        async with Fetcher(FetchConfig()) as fetcher:
            return await fetcher.fetch("news", FeedState("news", feed_server.url("/feed.xml")))

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.error_kind in ("redirect", "protocol", "url", "connect"), caught.value
