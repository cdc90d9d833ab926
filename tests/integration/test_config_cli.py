"""Config mistakes as an operator meets them: `monitor check`, `monitor run` and a SIGHUP reload
of the real daemon, each answering with `file:line: key: problem` lines, never a traceback."""

from __future__ import annotations

import signal

import pytest

from support.cli import run_cli, write_config
from support.daemon import DaemonProcess, wait_for
from support.feed_server import rss

pytestmark = pytest.mark.integration

DEEP_QUERY = "(" * 200 + "drone" + ")" * 200
DEEP_ERROR = ("rules[0].query: column 51: nested more than 50 levels deep (each parenthesis, "
              "NOT, title: and NEAR is a level); write the query flatter")


def line_of(path, text: str, after: str = "") -> int:
    """The 1-based line of the first line of `path` containing `text` (after the first line
    containing `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if after in line)
    return next(n for n, line in enumerate(lines[start:], start + 1) if text in line)


def test_check_reports_a_query_nested_200_deep_with_its_column(tmp_path):
    config = write_config(tmp_path / "config.yaml", [{"name": "a",
                                                      "url": "https://example.org/rss"}],
                          rules=[{"name": "deep", "query": DEEP_QUERY}])
    result = run_cli("check", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == \
        f"monitor: error: config.yaml:{line_of(config, 'query:')}: {DEEP_ERROR}\n"


@pytest.mark.parametrize("depth, column", [(150, 111), (5000, 1011)],
                         ids=["150 levels (refused by us at level 101)",
                              "5000 levels (refused by libyaml at level 1001)"])
def test_check_reports_yaml_nested_too_deep_with_its_place(tmp_path, depth, column):
    (tmp_path / "config.yaml").write_text(
        "feeds:\n  - name: a\n    url: https://example.org/rss\n"
        "languages: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    result = run_cli("check", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (f"monitor: error: config.yaml:4:{column}: YAML nested more than "
                             "100 levels deep\n")


def test_sighup_with_a_query_nested_200_deep_keeps_the_old_config(feed_server, tmp_path):
    a = feed_server.set("/a.xml", rss([{"guid": "1", "title": "Alpha drone story"}]))
    b = feed_server.set("/b.xml", rss([{"guid": "2", "title": "Bravo drone story"}]))
    config = tmp_path / "config.yaml"
    write_config(config, [{"name": "a", "url": a, "interval": "1s"}],
                 rules=[{"name": "drones", "query": "drone"}])
    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: "Alpha drone story" in daemon.stdout(), what="feed a's alert")
        write_config(config, [{"name": "a", "url": a, "interval": "1s"},
                              {"name": "b", "url": b, "interval": "1s"}],
                     rules=[{"name": "drones", "query": DEEP_QUERY}])
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Config reload failed; keeping the old config" in daemon.stderr(),
                 what="the reload error")
        line = line_of(config, "query:")
        assert f'error="config.yaml:{line}: {DEEP_ERROR}"' in daemon.stderr()
        # The old config goes on (feed a is still checked, feed b is not), and a good
        # config is taken on the next SIGHUP.
        checks = daemon.stderr().count("Feed checked feed_name=a")
        wait_for(lambda: daemon.stderr().count("Feed checked feed_name=a") > checks,
                 what="feed a checked again under the old config")
        assert "Bravo drone story" not in daemon.stdout()
        write_config(config, [{"name": "a", "url": a, "interval": "1s"},
                              {"name": "b", "url": b, "interval": "1s"}],
                     rules=[{"name": "drones", "query": "drone"}])
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Bravo drone story" in daemon.stdout(), what="feed b after reload")
        assert daemon.stop(signal.SIGTERM) == 0
        err = daemon.stderr()
        assert "Traceback" not in err and "exception was never retrieved" not in err, err
    finally:
        daemon.close()


# -- test-alert never dies with a traceback, whatever the URL ---------------------------------

def _closed_port() -> int:
    from support.ports import free_port

    return free_port()  # nothing listens there once the probe socket is closed


@pytest.mark.parametrize("ctype, key, url, code, error", [
    ("webhook", "url", "http://127.0.0.1:99999/hook?token=SECRET", 2,
     "config.yaml:{line}: channels[0].url: port 99999 is out of range (1-65535)"),
    ("slack", "url", "https://exa mple.org/services/SECRET", 2,
     "config.yaml:{line}: channels[0].url: must not contain spaces or line breaks (write a "
     "space in a path as %20)"),
    ("matrix", "homeserver", "https://xn--zz.example.org", 2,
     "config.yaml:{line}: channels[0].homeserver: 'xn--zz.example.org' is not a valid host "
     "name"),
    ("discord", "url", "discord.com/api/webhooks/SECRET", 2,
     "config.yaml:{line}: channels[0].url: must start with http:// or https://"),
    ("webhook", "url", "http://127.0.0.1:{closed}/hook?token=SECRET", 1,
     "channel c: cannot connect to http://127.0.0.1:{closed}: "),
], ids=["webhook port 99999", "a space in a slack host", "broken punycode in a matrix host",
        "a discord url without a scheme", "a closed loopback port"])
def test_test_alert_answers_every_bad_url_in_one_line(tmp_path, ctype, key, url, code, error):
    closed = _closed_port()
    channel = {"name": "c", "type": ctype, key: url.format(closed=closed)}
    if ctype == "matrix":
        channel.update(room_id="!r:example.org", access_token="t")
    config = write_config(tmp_path / "config.yaml", [{"name": "a",
                                                      "url": "https://example.org/rss"}],
                          channels=[channel])
    result = run_cli("test-alert", "c", cwd=tmp_path)
    expected = error.format(line=line_of(config, f"{key}:", after="channels:"), closed=closed)
    assert (result.code, result.stdout) == (code, "")
    assert result.stderr.startswith(f"monitor: error: {expected}"), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert "SECRET" not in result.stderr


# -- a config whose matches go nowhere is valid, but says so ---------------------------------

NO_CHANNELS = ("config.yaml:{line}: channels: none defined, so the matches of rule drones go "
               "nowhere (add one, e.g. {{name: console, type: console}})")
NO_RULES = ("config.yaml:{line}: rules: none defined, so nothing matches and no alert is ever "
            "sent (add a rule with a query)")


def _config(tmp_path, *, rules: bool, channels: bool):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss([{"guid": "1", "title": "Drone plant opens"}]))
    text = "feeds:\n  - name: a\n    url: feed.xml\n"
    if rules:
        text += "rules:\n  - name: drones\n    query: drone\n"
    if channels:
        text += "channels:\n  - name: out\n    type: console\n"
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return (NO_CHANNELS.format(line=1) if not channels and rules else None,
            NO_RULES.format(line=1) if not rules else None)


@pytest.mark.parametrize("rules, channels", [(True, False), (False, True), (False, False)],
                         ids=["no channels", "no rules", "neither"])
@pytest.mark.parametrize("command", ["check", "poll"])
def test_check_and_poll_warn_when_matches_go_nowhere(tmp_path, command, rules, channels):
    no_channels, no_rules = _config(tmp_path, rules=rules, channels=channels)
    expected = [w for w in (no_rules, no_channels) if w]
    if not rules and not channels:
        expected.append("config.yaml:1: channels: none defined, so alerts would go nowhere "
                        "(add one, e.g. {name: console, type: console})")
    result = run_cli(command, cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stderr.splitlines() == [f"monitor: warning: {w}" for w in expected]


def test_run_warns_when_matches_go_nowhere(tmp_path):
    no_channels, _ = _config(tmp_path, rules=True, channels=False)
    daemon = DaemonProcess(tmp_path)
    try:
        wait_for(lambda: "Daemon started" in daemon.stderr(), what="the daemon's start")
        assert daemon.stderr().startswith(f"monitor: warning: {no_channels}\n")
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.close()
