"""The web UI's pure parts: highlighting escapes feed text, loopback detection, sessions."""

from __future__ import annotations

import pytest

from monitor.model import Hit
from monitor.web.sessions import IDLE_SECONDS, MAX_AGE_SECONDS, SessionStore
from monitor.web.settings import WebSettings, is_loopback
from monitor.web.templating import highlighted


@pytest.mark.parametrize("text, hits, expected", [
    ("<b>drone</b> & co", [Hit("drone", "title", 3, 8)],
     "&lt;b&gt;<mark>drone</mark>&lt;/b&gt; &amp; co"),
    ('"><script>x</script>', [Hit("x", "title", 10, 11)],
     "&#34;&gt;&lt;script&gt;<mark>x</mark>&lt;/script&gt;"),
    # Overlapping and adjacent hits merge; a hit on the other field or out of range is ignored.
    ("завод беспилотников", [Hit("a", "title", 0, 5), Hit("b", "title", 3, 19),
                             Hit("c", "summary", 0, 2), Hit("d", "title", 18, 40)],
     "<mark>завод беспилотников</mark>"),
    # Bidi overrides and controls go from each piece; the offsets still point right.
    ("\u202eabc drone", [Hit("drone", "title", 5, 10)], "abc <mark>drone</mark>"),
])
def test_highlighted_escapes_every_piece(text, hits, expected):
    assert str(highlighted(text, hits, "title")) == expected


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("LOCALHOST", True), ("0.0.0.0", False), ("::", False),
    ("192.168.1.2", False), ("localhost.example", False), ("10.0.0.1", False),
])
def test_loopback(host, expected):
    assert is_loopback(host) is expected


def test_requires_login_only_with_a_secret():
    assert not WebSettings().requires_login
    assert WebSettings(token="x" * 20).requires_login


def test_sessions_expire_when_idle_or_old_and_are_bounded(monkeypatch):
    now = [1000.0]
    store = SessionStore(clock=lambda: now[0])
    s = store.create()
    assert store.get(s.id) is s and store.get("nope") is None and store.get(None) is None
    now[0] += IDLE_SECONDS - 1
    assert store.get(s.id) is s  # used: idle time starts again
    now[0] += IDLE_SECONDS + 1
    assert store.get(s.id) is None
    t = store.create()
    for _ in range(int(MAX_AGE_SECONDS // (IDLE_SECONDS / 2)) + 1):
        now[0] += IDLE_SECONDS / 2
        store.get(t.id)
    assert store.get(t.id) is None  # too old, however busy
    monkeypatch.setattr("monitor.web.sessions.MAX_SESSIONS", 3)
    first = store.create()
    for _ in range(3):
        store.create()
    assert store.get(first.id) is None and len(store) == 3
    assert s.csrf != t.csrf and len(s.id) >= 40


def test_the_listening_socket_is_tcp_so_asyncio_sets_nodelay():
    """asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP; without it each
    keep-alive answer waited for the client's delayed ACK (bench/web.py: 44 ms, then 2 ms)."""
    import socket

    from monitor.web.server import listen

    sock = listen(WebSettings(port=0))
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.getsockname()[1] > 0
    finally:
        sock.close()
