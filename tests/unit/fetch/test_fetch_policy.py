"""The redirect policy's parts that need no traffic (issue 11, finding 10): the address
classifier over a table of addresses, and the hop checks with a resolver that answers from a
table. Nothing here sends a packet; the loopback tests are in
tests/integration/test_redirect_policy.py."""

from __future__ import annotations

import asyncio

import pytest

from monitor.fetch.policy import LinkHops, RedirectPolicy, Refused, classify


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("100.64.0.1", "shared (CGNAT)"), ("100.127.255.254", "shared (CGNAT)"),
    ("fc00::1", "unique-local"), ("fd12:3456::1", "unique-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("255.255.255.255", "private"), ("240.0.0.1", "private"), ("0.1.2.3", "private"),
    ("192.0.2.10", "private"), ("198.18.0.1", "private"), ("2001:db8::1", "private"),
    # IPv6 forms that embed an IPv4 address are judged by it.
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:10.1.2.3", "private"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ("64:ff9b::7f00:1", "loopback"), ("2002:7f00:0001::1", "loopback"),
    ("2002:c0a8:0101::1", "private"), ("::127.0.0.1", "loopback"),
    # Public.
    ("8.8.8.8", None), ("93.184.216.34", None), ("100.128.0.1", None), ("172.32.0.1", None),
    ("2606:4700:4700::1111", None), ("::ffff:8.8.8.8", None), ("64:ff9b::808:808", None),
])
def test_classify(address, kind):
    assert classify(address) == kind


def table_resolver(table):
    async def resolve(host, port):
        if host not in table:
            raise OSError("not found")
        return table[host]
    return resolve


RESOLVER = table_resolver({"feeds.example": ["93.184.216.34"], "intranet.example": ["10.1.1.1"],
                           "mixed.example": ["93.184.216.35", "127.0.0.1"],
                           "other.example": ["93.184.216.36"],
                           "lan2.example": ["192.168.7.7"]})


def check(policy, configured, previous, target):
    async def go():
        await policy.hops(configured, RESOLVER).before(previous, target)
    asyncio.run(go())


@pytest.mark.parametrize("configured, target, refused", [
    ("https://feeds.example/rss", "https://other.example/rss", None),
    ("https://feeds.example/rss", "http://intranet.example/rss", "from https to http"),
    ("http://feeds.example/rss", "http://intranet.example/rss", "private address 10.1.1.1"),
    ("http://feeds.example/rss", "http://mixed.example/rss", "loopback address 127.0.0.1"),
    ("http://feeds.example/rss", "http://169.254.169.254/latest/meta-data/",
     "link-local address 169.254.169.254"),
    ("http://feeds.example/rss", "http://[::ffff:127.0.0.1]:6379/", "loopback"),
    # The operator configured a LAN server: redirects within private space are theirs too.
    ("http://intranet.example/rss", "http://lan2.example/rss", None),
    ("http://10.0.0.5/rss", "http://127.0.0.1:8080/rss", None),
    # An unresolvable target: the request fails the same way (or a proxy resolves it).
    ("http://feeds.example/rss", "http://nowhere.example/rss", None),
])
def test_hop_checks(configured, target, refused):
    policy = RedirectPolicy()
    if refused is None:
        check(policy, configured, configured, target)
    else:
        with pytest.raises(Refused, match=refused.replace("(", r"\(")):
            check(policy, configured, configured, target)


def test_the_refusal_names_the_target_host_on_one_line():
    with pytest.raises(Refused) as caught:
        check(RedirectPolicy(), "http://feeds.example/rss", None, "http://intranet.example/x")
    assert str(caught.value).startswith("redirect to intranet.example refused: private address")
    assert "\n" not in str(caught.value)


def test_allow_private_lets_a_lan_redirect_through_but_never_a_downgrade():
    policy = RedirectPolicy(allow_private=True)
    check(policy, "http://feeds.example/rss", None, "http://127.0.0.1/rss")
    with pytest.raises(Refused, match="from https to http"):
        check(policy, "https://feeds.example/rss", None, "http://other.example/rss")


def test_a_downgrade_later_in_the_chain_is_refused_too():
    with pytest.raises(Refused, match="from https to http"):
        check(RedirectPolicy(), "http://feeds.example/rss", "https://other.example/a",
              "http://other.example/b")


def test_a_marked_endpoint_counts_as_public_on_that_port_only():
    policy = RedirectPolicy(public_endpoints=frozenset({"127.0.0.1:8001"}))
    assert policy.kind_of("127.0.0.1", 8001) is None
    assert policy.kind_of("127.0.0.1", 8002) == "loopback"
    with pytest.raises(Refused):  # the configured URL is "public", the target is not
        check(policy, "http://127.0.0.1:8001/rss", None, "http://127.0.0.1:8002/rss")


def link_chain(feed_url, *urls):
    """Walks a chain that starts at a publisher's link (fetch/pages.py): before() for each
    URL, with the one before it."""
    async def go():
        hops = LinkHops(RedirectPolicy(), feed_url, RESOLVER)
        previous = None
        for url in urls:
            await hops.before(previous, url)
            previous = url
    asyncio.run(go())


def test_a_link_is_checked_itself_from_a_public_feed():
    # Unlike a feed's configured URL, the link is the publisher's choice.
    with pytest.raises(Refused, match=r"^link to intranet\.example refused: private address"):
        link_chain("https://feeds.example/rss", "http://intranet.example/a")


def test_a_link_on_a_lan_feed_may_stay_on_the_lan():
    link_chain("http://intranet.example/rss", "http://lan2.example/a", "http://10.0.0.9/b")


def test_an_https_feed_may_link_to_http_but_an_https_link_may_not_redirect_to_http():
    link_chain("https://feeds.example/rss", "http://other.example/a")
    with pytest.raises(Refused, match=r"^redirect from https to http://other\.example refused$"):
        link_chain("http://feeds.example/rss", "https://other.example/a",
                   "https://other.example/b", "http://other.example/c")


def test_a_link_chain_is_judged_from_its_own_start_not_the_feed():
    # An http feed's https link: the link's chain must stay https, whatever the feed was.
    with pytest.raises(Refused, match="from https to http"):
        link_chain("http://feeds.example/rss", "https://other.example/a", "http://other.example/b")
    # And an http link from an https feed may redirect within http.
    link_chain("https://feeds.example/rss", "http://other.example/a", "http://other.example/b")
