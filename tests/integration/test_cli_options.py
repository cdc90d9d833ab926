"""Every common option works before and after the command (and between a command and its
action), as an operator types it: `monitor --state other.db poll` must use other.db. Each
case runs the real CLI in a subprocess; given twice, the later one wins."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from support.cli import run_cli, write_config

pytestmark = pytest.mark.integration

FEED = ('<rss version="2.0"><channel><title>t</title><item><title>Drone plant opens</title>'
        '<guid>1</guid></item></channel></rss>')


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """./config.yaml (the default) and other.yaml, which differ in everything a case checks."""
    (tmp_path / "feed.xml").write_text(FEED, encoding="utf-8")
    write_config(tmp_path / "config.yaml", [{"name": "default-feed", "url": "feed.xml"}],
                 rules=[{"name": "default-rule", "query": "drone"}])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "feed.xml").write_text(FEED, encoding="utf-8")
    write_config(tmp_path / "sub" / "other.yaml", [{"name": "other-feed", "url": "feed.xml"}],
                 rules=[{"name": "other-rule", "query": "plant"}])
    return tmp_path


def _place(option: list[str], position: str, command: list[str], rest: list[str]) -> list[str]:
    """The argv with `option` before the command, after its last word, or between the
    command and its action (`monitor outbox --json list`)."""
    if position == "before":
        return [*option, *command, *rest]
    if position == "between":
        return [command[0], *option, *command[1:], *rest]
    return [*command, *option, *rest]


def _poll_other_state(cwd: Path) -> None:
    assert run_cli("poll", "--state", "other.db", cwd=cwd).code == 0


# (id, option, command, extra args after the command, setup, check(result, cwd))
CASES = [
    ("--config reads that file",
     ["--config", "sub/other.yaml"], ["check"], [], None,
     lambda r, cwd: r.stdout.startswith("sub/other.yaml: ok")),
    ("-c reads that file",
     ["-c", "sub/other.yaml"], ["check"], [], None,
     lambda r, cwd: r.stdout.startswith("sub/other.yaml: ok")),
    ("--state writes that file and not ./monitor.db",
     ["--state", "other.db"], ["poll"], [], None,
     lambda r, cwd: (cwd / "other.db").exists() and not (cwd / "monitor.db").exists()),
    ("--log-level info logs each feed check",
     ["--log-level", "info"], ["poll"], [], None,
     lambda r, cwd: "Feed checked" in r.stderr),
    ("--log-format json logs JSON lines",
     ["--log-format", "json"], ["poll"], ["--log-level", "info"], None,
     lambda r, cwd: json.loads(r.stderr.splitlines()[0])["msg"] == "Feed checked"),
    ("--debug shows the traceback of an error",
     ["--debug"], ["status"], [], None,
     lambda r, cwd: r.code == 1 and "Traceback (most recent call last)" in r.stderr),
    ("--state reaches a nested action (outbox retry --all)",
     ["--state", "other.db"], ["outbox", "retry"], ["--all"], _poll_other_state,
     lambda r, cwd: r.stdout.startswith("0 dead alerts queued again")),
    ("--config reaches rules explain",
     ["--config", "sub/other.yaml"], ["rules", "explain"], [], None,
     lambda r, cwd: r.stdout.startswith("rule other-rule\n")),
    ("--config reaches models list",
     ["--config", "sub/other.yaml"], ["models", "list"], [], None,
     lambda r, cwd: r.stdout.startswith(f"models: {cwd / 'sub' / 'models'}\n")),
    ("--state reaches models list (models live next to the state)",
     ["--state", "st/other.db"], ["models", "list"], [], None,
     lambda r, cwd: "st/models" in r.stdout.splitlines()[0]),
]
POSITIONS = {"before": "before the command", "after": "after the command"}


@pytest.mark.parametrize("position", list(POSITIONS), ids=list(POSITIONS.values()))
@pytest.mark.parametrize("option, command, rest, setup, check",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_common_option_works_before_and_after_the_command(workdir, position, option, command,
                                                          rest, setup, check):
    if setup:
        setup(workdir)
    argv = _place(option, position, command, rest)
    result = run_cli(*argv, cwd=workdir)
    assert check(result, workdir), (argv, result)


def _poll_default_state(cwd: Path) -> None:
    assert run_cli("poll", cwd=cwd).code == 0


NESTED = [
    ("--json between outbox and list prints JSON",
     ["--json"], ["outbox", "list"], [], _poll_default_state,
     lambda r, cwd: set(json.loads(r.stdout)) == {"counts", "alerts"}),
    ("--models-dir between models and list is used",
     ["--models-dir", "md"], ["models", "list"], [], None,
     lambda r, cwd: r.stdout.startswith(f"models: {cwd / 'md'}\n")),
    ("--state between outbox and retry is used",
     ["--state", "other.db"], ["outbox", "retry"], ["--all"], _poll_other_state,
     lambda r, cwd: r.stdout.startswith("0 dead alerts queued again")),
]


@pytest.mark.parametrize("option, command, rest, setup, check", [c[1:] for c in NESTED],
                         ids=[c[0] for c in NESTED])
def test_option_between_a_command_and_its_action(workdir, option, command, rest, setup, check):
    if setup:
        setup(workdir)
    argv = _place(option, "between", command, rest)
    result = run_cli(*argv, cwd=workdir)
    assert check(result, workdir), (argv, result)


def test_an_option_given_before_and_after_the_command_the_later_wins(workdir):
    result = run_cli("--state", "first.db", "poll", "--state", "second.db", cwd=workdir)
    assert result.code == 0, result.stderr
    assert (workdir / "second.db").exists()
    assert not (workdir / "first.db").exists() and not (workdir / "monitor.db").exists()


def test_monitor_state_and_monitor_config_from_the_environment(workdir):
    env = {"MONITOR_CONFIG": "sub/other.yaml", "MONITOR_STATE": "env.db"}
    result = run_cli("poll", cwd=workdir, env=env)
    assert result.code == 0, result.stderr
    assert (workdir / "env.db").exists() and not (workdir / "sub" / "monitor.db").exists()
    # An option on the command line beats the environment, in either position.
    result = run_cli("--state", "flag.db", "poll", cwd=workdir, env=env)
    assert result.code == 0, result.stderr
    assert (workdir / "flag.db").exists()


def test_help_says_options_go_before_or_after_the_command(workdir):
    out = run_cli("--help", cwd=workdir).stdout
    assert "before or after the command" in " ".join(out.split())
    assert os.path.exists(workdir / "config.yaml")
