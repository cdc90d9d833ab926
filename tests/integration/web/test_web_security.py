"""The web UI's front door: loopback by default, sign-in elsewhere, CSRF, headers, escaping."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from monitor.config import load_config
from monitor.errors import MonitorError
from monitor.web import WebSettings
from monitor.web.passwords import hash_password, verify_password
from monitor.web.server import build_app

pytestmark = pytest.mark.integration

TOKEN = "t0ken-for-scripts-0123456789"
PASSWORD = "correct horse battery staple"
HASH = hash_password(PASSWORD, log2_n=10)  # cheap parameters: tests sign in many times


def app_for(state, **settings):
    config = load_config(state.config)
    return build_app(lambda: config, WebSettings(**settings))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_every_response_carries_a_strict_csp_and_no_inline_code(web_state):
    with TestClient(app_for(web_state), base_url="https://127.0.0.1") as client:
        for path in ("/matches", "/feeds", "/rules", "/outbox", "/search?q=x",
                     "/static/monitor.css", "/nowhere"):
            response = client.get(path)
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "style-src 'self'" in csp, path
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
            assert "connect-src 'self'" in csp and "default-src 'none'" in csp, path
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "same-origin"
            if response.headers["content-type"].startswith("text/html"):
                html = response.text
                assert "<style" not in html and " style=" not in html, path
                assert re.findall(r"<script[^>]*>", html) == \
                    [f'<script src="/static/htmx.min.js?v={_version(html)}" defer>'], path
                assert " on" not in re.sub(r"&[^;]+;|\"[^\"]*\"|'[^']*'", "", "".join(
                    re.findall(r"<[a-z][^>]*>", html))).replace(" only", ""), path


def _version(html: str) -> str:
    return re.search(r"htmx\.min\.js\?v=(\w+)", html).group(1)


def test_loopback_server_refuses_other_host_names(web_state):
    # A page on attacker.example whose name now resolves to 127.0.0.1 (DNS rebinding) sends
    # Host: attacker.example: refused, so it cannot read the state through the browser.
    with TestClient(app_for(web_state), base_url="https://attacker.example") as client:
        refused = client.get("/matches")
        assert refused.status_code == 421
        assert "answers only to loopback names" in refused.text
    for host in ("127.0.0.1:8080", "localhost", "[::1]:8080", "127.1.2.3"):
        with TestClient(app_for(web_state), base_url=f"https://{host}") as client:
            assert client.get("/feeds").status_code == 200, host


def test_loopback_server_without_password_refuses_a_reverse_proxy(web_state):
    with TestClient(app_for(web_state), base_url="https://127.0.0.1") as client:
        for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
            refused = client.get("/matches", headers=header)
            assert refused.status_code == 403 and "set web.password_hash" in refused.text


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_other_addresses_need_a_password_or_a_token(web_state, host):
    with pytest.raises(MonitorError, match="reachable from other machines.*no password"):
        app_for(web_state, host=host)
    app_for(web_state, host=host, token=TOKEN)  # fine
    app_for(web_state, host=host, password_hash=HASH)


def test_bad_secrets_are_refused_at_start(web_state):
    with pytest.raises(MonitorError, match="token: too short"):
        app_for(web_state, token="short")
    with pytest.raises(MonitorError, match="password_hash: not a scrypt hash"):
        app_for(web_state, password_hash=PASSWORD)


def test_sign_in_with_the_password_then_out(web_state):
    app = app_for(web_state, host="0.0.0.0", password_hash=HASH)
    with TestClient(app, base_url="https://monitor.example") as client:
        first = client.get("/matches?rule=weather", follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"] == "/login?next=%2Fmatches%3Frule%3Dweather"
        assert client.get("/static/monitor.css").status_code == 200  # the login page's CSS
        form = client.get(first.headers["location"])
        assert "Password or token" in form.text
        anonymous = client.cookies["__Host-monitor_session"]
        wrong = client.post("/login", data={"csrf": csrf_of(form.text), "password": "guess",
                                            "next": "/matches?rule=weather"})
        assert wrong.status_code == 401 and "Wrong password or token." in wrong.text
        right = client.post("/login", data={"csrf": csrf_of(wrong.text), "password": PASSWORD,
                                            "next": "/matches?rule=weather"},
                            follow_redirects=False)
        assert right.status_code == 303 and right.headers["location"] == "/matches?rule=weather"
        cookie = right.headers["set-cookie"]
        assert cookie.startswith("__Host-monitor_session=")
        for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
            assert flag in cookie
        # A new session id at sign-in: the id handed out before sign-in is worth nothing.
        assert client.cookies["__Host-monitor_session"] != anonymous
        page = client.get("/matches?rule=weather")
        assert page.status_code == 200 and "Погода" in page.text and "Sign out" in page.text
        out = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
        assert client.get("/matches", follow_redirects=False).status_code == 303


def test_a_session_id_from_before_sign_in_does_not_sign_in(web_state):
    app = app_for(web_state, host="0.0.0.0", password_hash=HASH)
    with TestClient(app, base_url="https://monitor.example") as victim, \
            TestClient(app, base_url="https://monitor.example") as attacker:
        attacker.get("/login")
        planted = attacker.cookies["__Host-monitor_session"]
        victim.cookies.set("__Host-monitor_session", planted, domain="monitor.example")
        form = victim.get("/login")
        victim.post("/login", data={"csrf": csrf_of(form.text), "password": PASSWORD})
        assert attacker.get("/matches", follow_redirects=False).status_code == 303


def test_token_as_bearer_header_or_in_the_login_form(web_state):
    app = app_for(web_state, host="0.0.0.0", token=TOKEN)
    with TestClient(app, base_url="https://monitor.example") as client:
        assert client.get("/feeds", follow_redirects=False).status_code == 303
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/feeds", headers=auth).status_code == 200
        bad = {"Authorization": f"Bearer {TOKEN}x"}
        assert client.get("/feeds", headers=bad, follow_redirects=False).status_code == 303
        form = client.get("/login")
        signed = client.post("/login", data={"csrf": csrf_of(form.text), "password": TOKEN})
        assert signed.status_code == 200 and "<h1>Matches</h1>" in signed.text


def test_htmx_requests_are_sent_to_sign_in_with_a_full_page_load(web_state):
    app = app_for(web_state, host="0.0.0.0", token=TOKEN)
    with TestClient(app, base_url="https://monitor.example") as client:
        answer = client.get("/rules/preview?query=x", headers={"HX-Request": "true"})
        assert answer.status_code == 401
        assert answer.headers["hx-redirect"].startswith("/login?next=")


def test_every_post_needs_its_session_csrf_token(fresh_state):
    with TestClient(app_for(fresh_state), base_url="https://127.0.0.1") as client, \
            TestClient(app_for(fresh_state), base_url="https://127.0.0.1") as other:
        page = client.get("/outbox")
        alert_id = re.search(r'name="alert_id" value="(al_\w+)"', page.text).group(1)
        for data in ({"alert_id": alert_id}, {"alert_id": alert_id, "csrf": "forged"},
                     {"alert_id": alert_id, "csrf": csrf_of(other.get("/outbox").text)}):
            refused = client.post("/outbox/retry", data=data)
            assert refused.status_code == 403 and "CSRF" in refused.text
        # Another site, or an opaque origin (a sandboxed frame sends "null"; our own pages
        # send their origin: Referrer-Policy is same-origin, not no-referrer).
        for origin in ("https://attacker.example", "null", "http://127.0.0.1:9"):
            cross = client.post("/outbox/retry", headers={"Origin": origin},
                                data={"alert_id": alert_id, "csrf": csrf_of(page.text)})
            assert cross.status_code == 403 and "cross-origin" in cross.text, origin
        same = client.post("/outbox/retry", headers={"Origin": "https://127.0.0.1"},
                           data={"alert_id": alert_id, "csrf": csrf_of(page.text)})
        assert same.status_code == 200 and "1 alert back in the queue" in same.text  # was dead
        client.post("/outbox/retry", data={"all": "1", "csrf": csrf_of(page.text)})
        header = client.post("/outbox/retry", data={"all": "1"},
                             headers={"X-CSRF-Token": csrf_of(page.text)})
        assert header.status_code == 200 and "Nothing to retry" in header.text


def test_an_open_redirect_after_sign_in_is_not_possible(web_state):
    app = app_for(web_state, host="0.0.0.0", token=TOKEN)
    with TestClient(app, base_url="https://monitor.example") as client:
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            form = client.get("/login")
            signed = client.post("/login", data={"csrf": csrf_of(form.text), "password": TOKEN,
                                                 "next": target}, follow_redirects=False)
            assert signed.headers["location"] == "/matches", target


def test_a_password_hash_round_trip_with_the_default_parameters():
    stored = hash_password("пароль-ünïcode")
    assert stored.startswith("scrypt$15$8$3$")
    assert verify_password("пароль-ünïcode", stored)
    assert not verify_password("пароль-unicode", stored)
    assert hash_password("x", log2_n=10) != hash_password("x", log2_n=10)  # salted
