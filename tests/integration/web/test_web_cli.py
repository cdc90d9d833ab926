"""`monitor web` as an operator runs it: options, the config's `web:` section, secrets, a taken
port, a state that does not exist yet, SIGTERM."""

from __future__ import annotations

import re
import signal
import socket

import httpx
import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for

pytestmark = pytest.mark.integration
TOKEN = "tok-0123456789-abcdefghij"


def start_web(root, *args, env=None) -> tuple[DaemonProcess, str]:
    web = DaemonProcess(root, *args, command="web", tag="-web", env=env)
    wait_for(lambda: re.search(r"http://[^ ]+:(\d+)/", web.stdout()) or not web.alive(),
             timeout=30, what="monitor web to listen")
    assert web.alive(), web.stderr()
    port = re.search(r"http://[^ ]+:(\d+)/", web.stdout()).group(1)
    return web, port


def client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=10)


def test_other_hosts_need_a_password_or_token(tmp_path):
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}])
    refused = run_cli("web", "--host", "0.0.0.0", "--port", "0", cwd=tmp_path)
    assert refused.code == 1
    assert refused.stderr.splitlines()[-2:] == [
        "monitor: error: web: --host 0.0.0.0 is reachable from other machines and the web UI "
        "has no password",
        "  hint: set web.password_hash (monitor web --hash-password) or web.token in the "
        "config, or serve on 127.0.0.1"]


def test_config_web_section_token_from_the_environment_and_never_shown(tmp_path):
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}],
                 web={"host": "127.0.0.1", "port": 0, "token": "${WEB_TOKEN}", "refresh": "2s"})
    shown = run_cli("check", "--show", cwd=tmp_path, env={"WEB_TOKEN": TOKEN})
    assert shown.code == 0 and TOKEN not in shown.stdout and "token: '***'" in shown.stdout
    assert run_cli("poll", cwd=tmp_path, env={"WEB_TOKEN": TOKEN}).code == 0
    web, port = start_web(tmp_path, env={"WEB_TOKEN": TOKEN})
    try:
        with client() as http:
            base = f"http://127.0.0.1:{port}"
            assert http.get(f"{base}/feeds").status_code == 303  # a token is set: sign in
            page = http.get(f"{base}/feeds", headers={"Authorization": f"Bearer {TOKEN}"})
            assert page.status_code == 200 and "<h1>Feeds</h1>" in page.text
            live = http.get(f"{base}/matches", headers={"Authorization": f"Bearer {TOKEN}"})
            assert 'hx-trigger="every 2.0s"' in live.text
    finally:
        assert web.stop() == 0
    assert TOKEN not in web.stdout() + web.stderr()


@pytest.mark.parametrize("web, error", [
    ({"password_hash": "hunter2"}, "web.password_hash: not a scrypt hash: make one with "
                                   "`monitor web --hash-password`"),
    ({"token": "short"}, "web.token: "),
    ({"port": 70000}, "web.port: "),
    ({"hots": "0.0.0.0"}, "unknown key 'hots' (did you mean 'host'?)"),
])
def test_bad_web_settings_stop_check(tmp_path, web, error):
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}], web=web)
    checked = run_cli("check", cwd=tmp_path)
    assert checked.code == 2 and error in checked.stderr, checked.stderr


def test_hash_password_from_a_pipe(tmp_path):
    made = run_cli("web", "--hash-password", cwd=tmp_path, input="correct horse battery\n")
    assert made.code == 0 and re.fullmatch(r"scrypt\$15\$8\$3\$\S+\$\S+\n", made.stdout)
    assert "correct horse" not in made.stdout + made.stderr
    short = run_cli("web", "--hash-password", cwd=tmp_path, input="abc\n")
    assert short.code == 1 and "at least 8 characters" in short.stderr
    # The hash it printed is one the config takes, and signs in with the password.
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}],
                 web={"password_hash": made.stdout.strip(), "host": "0.0.0.0", "port": 0})
    assert run_cli("check", cwd=tmp_path).code == 0


def test_a_taken_port_is_one_line(tmp_path):
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run_cli("web", "--port", str(port), cwd=tmp_path)
    assert refused.code == 1
    assert f"monitor: error: web: --port {port}: cannot listen on 127.0.0.1: Address already " \
           f"in use" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_state_that_appears_after_the_ui_started(tmp_path):
    (tmp_path / "f.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>f</title><item><guid>1</guid>'
        "<title>Завод беспилотников</title><link>https://x.example/1</link></item>"
        "</channel></rss>", encoding="utf-8")
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}],
                 rules=[{"name": "d", "query": "беспилотник"}])
    web, port = start_web(tmp_path, "--port", "0")
    try:
        with client() as http:
            base = f"http://127.0.0.1:{port}"
            early = http.get(f"{base}/matches")
            assert early.status_code == 503
            assert "no such file" in early.text and "run `monitor poll` first" in early.text
            assert run_cli("poll", cwd=tmp_path).code == 0
            late = http.get(f"{base}/matches")
            assert late.status_code == 200 and "<mark>беспилотников</mark>" in late.text
    finally:
        assert web.stop(signal.SIGINT) == 0


def test_sighup_reloads_the_config_and_a_bad_edit_keeps_the_old_one(tmp_path):
    """Found editing config.yaml beside `monitor web`: the Rules page kept showing a rule
    renamed in the file (the daemon had reloaded it on SIGHUP), and SIGHUP, which reloads
    the daemon, killed the web UI outright (exit 129, nothing logged)."""
    def config(rule: str) -> None:
        write_config(tmp_path / "config.yaml", [{"name": "f", "url": "f.xml"}],
                     rules=[{"name": rule, "query": "drone"}])

    config("drones")
    assert run_cli("poll", cwd=tmp_path).code == 0
    web, port = start_web(tmp_path, "--port", "0")
    try:
        with client() as http:
            rules = f"http://127.0.0.1:{port}/rules"
            assert "<strong>drones</strong>" in http.get(rules).text
            config("drone-factories")
            web.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "<strong>drone-factories</strong>" in http.get(rules).text,
                     timeout=10, what="the renamed rule on the Rules page")
            (tmp_path / "config.yaml").write_text("rules: [\n", encoding="utf-8")
            web.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "Config reload failed" in web.stderr(), timeout=10,
                     what="the failed reload to be logged")
            assert web.alive()
            assert "<strong>drone-factories</strong>" in http.get(rules).text
    finally:
        assert web.stop() == 0
    failed = [line for line in web.stderr().splitlines() if "Config reload failed" in line]
    assert len(failed) == 1 and "config.yaml:" in failed[0], failed
