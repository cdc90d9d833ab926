"""How the `monitor` process ends: a normal exit with the command's status — atexit handlers
run, output is flushed — where every command used to end in os._exit, which skipped atexit
(issue 12). The real entry point (`monitor.cli.main_entry`) in a subprocess."""

import os
import subprocess
import sys

import pytest

from support.cli import ROOT, write_config
from support.feed_server import rss

pytestmark = pytest.mark.integration

# The entry point as the console script runs it, after one atexit handler of our own.
ENTRY = """
import atexit, pathlib, sys
atexit.register(pathlib.Path(sys.argv[1]).write_text, "atexit ran")
sys.argv = ["monitor", *sys.argv[2:]]
from monitor.cli import main_entry
main_entry()
"""


def run_entry(tmp_path, *args, stdout=subprocess.PIPE):
    marker = tmp_path / "atexit.txt"
    marker.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-c", ENTRY, str(marker), *args], cwd=tmp_path,
                            env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    return proc, marker


@pytest.mark.parametrize("args, code", [
    (("check",), 0),
    (("check", "--config", "missing.yaml"), 2),
    (("status",), 1),
    (("poll",), 0),
    (("poll", "--json"), 0),
], ids=["check", "check of a missing config exits 2", "status before any poll exits 1",
         "poll", "poll --json"])
def test_every_command_exits_normally_with_its_status(feed_server, tmp_path, args, code):
    url = feed_server.set("/f.xml", rss([{"guid": "1", "title": "Drone over Minsk"}]))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}],
                 rules=[{"name": "drones", "query": "drone"}])
    proc, marker = run_entry(tmp_path, *args)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert marker.read_text() == "atexit ran"
    if args[0] == "poll":  # flushed before the exit: the summary, or the whole JSON document
        assert "1 new item" in out if "--json" not in args else out.rstrip().endswith("}")
    assert "Traceback" not in err and "Exception ignored" not in err


def test_a_reader_that_leaves_early_is_not_an_error(feed_server, tmp_path):
    """`monitor poll --json | head -c 100`: the rest of the output goes nowhere, the status is
    0, nothing is said about the pipe, and the exit is still a normal one."""
    items = [{"guid": str(n), "title": f"Story {n}", "description": "x" * 2000}
             for n in range(200)]  # about 400 KB of JSON: far more than a pipe holds
    url = feed_server.set("/f.xml", rss(items))
    write_config(tmp_path / "config.yaml", [{"name": "f", "url": url}])
    proc, marker = run_entry(tmp_path, "poll", "--json")
    with proc:
        assert proc.stdout.read(100).startswith("{")
        proc.stdout.close()  # the reader leaves while the document is being written
        err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert marker.read_text() == "atexit ran"
    assert "Traceback" not in err and "Exception ignored" not in err and "Broken" not in err
