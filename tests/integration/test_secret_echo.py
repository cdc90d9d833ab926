"""An SMTP server that quotes the client's AUTH argument in its refusal must not put the
credentials, base64-encoded, into the log, the outbox or the database (issue 11, finding 9).
Real aiosmtpd server on 127.0.0.1, real CLI, the state file read byte by byte."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from support.cli import run_cli, write_config
from support.feed_server import rss
from support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

USER = "alerts@example.org"
PASSWORD = "s3cret-Пароль-42"


def encoded_forms() -> dict[str, str]:
    return {
        "password": PASSWORD,
        "AUTH PLAIN": base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode(),
        "AUTH LOGIN password": base64.b64encode(PASSWORD.encode()).decode(),
        "AUTH LOGIN user": base64.b64encode(USER.encode()).decode(),
    }


def state_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("monitor.db*") if p.is_file())


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_echoed_auth_credentials_reach_no_log_outbox_or_database(
        mechanism, feed_server, tmp_path):
    server = SmtpServer(security="starttls", cert_dir=tmp_path, echo_auth=mechanism).start()
    try:
        url = feed_server.set("/feed.xml", rss([{"guid": "1", "title": "Drone factory"}]))
        write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}],
                     rules=[{"name": "drones", "query": "drone"}],
                     channels=[{"name": "mail", "type": "email", "host": "127.0.0.1",
                                "port": server.port, "security": "starttls",
                                "username": "${SMTP_USER}", "password": "${SMTP_PASSWORD}",
                                "from": USER, "to": ["desk@example.org"], "timeout": "5s"}])
        env = {"SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(server.cert)}
        poll = run_cli("poll", "--log-level", "debug", "--log-format", "json",
                       cwd=tmp_path, env=env)
        assert poll.code == 0, poll.stderr
        outbox = run_cli("outbox", "--json", cwd=tmp_path, env=env)
        [row] = outbox.json()["alerts"]
        assert row["status"] == "dead"
        assert "refused the login (535 5.7.8 Authentication failed for ***" in \
            row["last_error"]
        test_alert = run_cli("test-alert", "mail", cwd=tmp_path, env=env)
        assert test_alert.code == 1 and "refused the login" in test_alert.stderr
        shown = {"poll log": poll.stderr, "outbox": outbox.stdout,
                 "test-alert": test_alert.stderr + test_alert.stdout}
        database = state_bytes(tmp_path)
        for name, form in encoded_forms().items():
            for where, text in shown.items():
                assert form not in text, (name, where)
            assert form.encode() not in database, (name, "database")
    finally:
        server.stop()
