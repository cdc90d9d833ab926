"""Every value that came from `${VAR}` stays out of everything monitor shows and keeps
(issue 11, finding 8): `check --show`, `poll --json`, `poll`, `status` (table and JSON),
`outbox --json`, the log, feed-health alerts, and the state file's bytes; URL userinfo and
query values are masked too, while a feed stays identifiable by name and host. Real CLI,
real loopback feed server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration

SECRETS = {"FEED_USER": "feeduser-7a1", "FEED_PASS": "feedpass-9b2", "PATH_TOKEN": "pathtok-3c4d",
           "QUERY_KEY": "querykey-5e6f", "SMTP_USER": "smtpuser-8g9h",
           "SMTP_PASSWORD": "smtppass-0i1j", "MX_USER": "mxuser-2k3l", "MX_PASS": "mxpass-4m5n",
           "MX_TOKEN": "mxtoken-6o7p", "TG_TOKEN": "123456:tgtoken-8q9r",
           "TG_PROXY_KEY": "proxykey-0s1t"}


def config(tmp_path: Path, port: int, path: str = "feeds") -> None:
    feed_url = (f"http://${{FEED_USER}}:${{FEED_PASS}}@127.0.0.1:{port}/{path}/${{PATH_TOKEN}}"
                f"/rss?key=${{QUERY_KEY}}&format=rss")
    write_config(
        tmp_path / "config.yaml", [{"name": "private-feed", "url": feed_url}],
        rules=[{"name": "drones", "query": "drone"}],
        channels=[
            {"name": "out", "type": "console"},
            {"name": "mail", "type": "email", "host": "127.0.0.1", "port": 9,
             "username": "${SMTP_USER}", "password": "${SMTP_PASSWORD}",
             "from": "a@example.org", "to": ["b@example.org"]},
            {"name": "room", "type": "matrix",
             "homeserver": "https://${MX_USER}:${MX_PASS}@matrix.example.org",
             "room_id": "!r:example.org", "access_token": "${MX_TOKEN}"},
            {"name": "tg", "type": "telegram", "token": "${TG_TOKEN}", "chat_id": 1,
             "api_url": "https://tg-proxy.example.org/${TG_PROXY_KEY}"}],
        health={"feed_failing_after": "1s", "channels": ["out"]})


def cli(tmp_path, *args):
    result = run_cli(*args, cwd=tmp_path, env=SECRETS)
    assert result.code in (0, 1), result.stderr
    return result


def assert_no_secret(where: str, text: str | bytes) -> None:
    for name, value in SECRETS.items():
        needle = value.encode() if isinstance(text, bytes) else value
        assert needle not in text, f"{name} in {where}"


def state_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("monitor.db*") if p.is_file())


def test_a_failing_feed_with_secrets_in_its_url_shows_none_of_them(feed_server, tmp_path):
    config(tmp_path, feed_server.port)  # nothing served there: 404
    shown = cli(tmp_path, "check", "--show")
    assert "url: http://***@127.0.0.1:" in shown.stdout
    assert "/feeds/***/rss?key=***&format=***" in shown.stdout
    assert "homeserver: https://***@matrix.example.org" in shown.stdout
    assert "api_url: https://tg-proxy.example.org/***" in shown.stdout
    assert "username: '***'" in shown.stdout

    first = cli(tmp_path, "poll", "--json", "--log-level", "debug")
    [feed] = first.json()["feeds"]
    assert feed["url"] == f"http://***@127.0.0.1:{feed_server.port}/feeds/***/rss?key=***&format=***"
    assert feed["error_kind"] == "http_gone"
    time.sleep(1.1)  # past health.feed_failing_after
    second = cli(tmp_path, "poll", "--force", "--log-level", "debug", "--log-format", "json")
    assert "Feed private-feed has been failing since" in second.stdout  # the health alert
    assert f"127.0.0.1:{feed_server.port}/feeds/***/rss" in second.stdout
    status = cli(tmp_path, "status")
    status_json = cli(tmp_path, "status", "--json")
    assert status_json.json()["feeds"][0]["url"] == feed["url"]
    outbox = cli(tmp_path, "outbox", "--json")
    for where, result in {"check --show": shown, "poll --json": first, "poll": second,
                          "status": status, "status --json": status_json,
                          "outbox": outbox}.items():
        assert_no_secret(f"{where} stdout", result.stdout)
        assert_no_secret(f"{where} stderr", result.stderr)
    assert_no_secret("state file", state_bytes(tmp_path))


def test_a_feed_moved_to_a_url_with_the_token_keeps_working_without_storing_it(
        feed_server, tmp_path):
    token = SECRETS["PATH_TOKEN"]
    feed_server.set(f"/feeds/{token}/rss", status=301,
                    redirect_to=feed_server.url(f"/moved/{token}/rss"))
    feed_server.set(f"/moved/{token}/rss", rss([{"guid": "1", "title": "Drone news"}]))
    config(tmp_path, feed_server.port)
    first = cli(tmp_path, "poll", "--json")
    assert first.json()["feeds"][0]["status"] == "ok"
    assert first.json()["feeds"][0]["url"].endswith("/moved/***/rss")
    assert_no_secret("state file after a permanent redirect", state_bytes(tmp_path))
    # The saved URL is turned back into the real one to fetch it: a conditional GET of the
    # new address, not of the configured one.
    before = len(feed_server.requests_to(f"/feeds/{token}/rss"))
    second = cli(tmp_path, "poll", "--json")
    assert second.json()["feeds"][0]["status"] == "not_modified"
    assert len(feed_server.requests_to(f"/feeds/{token}/rss")) == before
    assert_no_secret("poll --json", second.stdout)
    assert_no_secret("state file", state_bytes(tmp_path))
