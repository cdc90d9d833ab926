#!/usr/bin/env python3
"""What a command's exit costs: interpreter teardown after `main()` returned, with a normal
exit (atexit, the last garbage collections, modules torn down), with a normal exit after
`gc.freeze()` (the same, but the collections skip every object alive), and with `os._exit`
(none of it).

    python bench/teardown.py [--feeds 1000] [--runs 3]

Generates the bench/poll.py farm (1,000 RSS feeds × 30 items; bench/farm.py), serves it on
127.0.0.1 and runs in fresh processes: a first poll (every item new: the largest heap a
command builds), a quiet poll (every feed 304), then `status`, `outbox` and `check` on the
state it left. Each process runs `monitor.cli.main`, notes the time it returned, and exits
one way or the other; the teardown is the time from that note to the parent's wait4()
returning, and the CPU the process (and its children) used meanwhile. Prints the median
[min-max] per command and exit. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from farm import Farm, Server  # noqa: E402
from poll import write_config  # noqa: E402

# The command runs as the console script does, up to the exit, which is the one difference.
WRAPPER = """
import gc, logging, os, resource, sys, time
from monitor.cli import main
code = main(sys.argv[2:])
sys.stdout.flush()
cpu = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                            resource.getrusage(resource.RUSAGE_CHILDREN)))
sys.stderr.write(f"\\nmain returned at {time.time()!r} cpu {cpu!r}\\n")
sys.stderr.flush()
if sys.argv[1] == "os._exit":
    logging.shutdown()
    os._exit(code)
if sys.argv[1] == "gc.freeze":
    gc.freeze()
sys.exit(code)
"""
EXITS = ("os._exit", "gc.freeze", "normal")


def run(exit_how: str, argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, teardown seconds, teardown CPU seconds) of one command in a fresh
    process. The CPU figure is the one a loaded machine changes least."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.time()
        proc = subprocess.Popen([sys.executable, "-c", WRAPPER, exit_how, *argv], cwd=cwd,
                                stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        ended = time.time()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    marks = [line for line in text.splitlines() if line.startswith("main returned at ")]
    if code != 0 or not marks:
        raise SystemExit(f"monitor {' '.join(argv)} ({exit_how}) exited {code}:\n{text[-2000:]}")
    _, _, _, returned_at, _, cpu_at = marks[-1].split()
    return (ended - started, ended - float(returned_at),
            usage.ru_utime + usage.ru_stime - float(cpu_at))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=1000, help="feeds in the farm (default 1000)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each command and exit")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="monitor-teardown-"))
    try:
        farm = Farm.generate(work / "farm", args.feeds)
        server = Server(farm, kind="auto")
        config = work / "config.yaml"
        write_config(config, [server.base_url + name for name in farm.files()])
        print(f"bench/teardown.py: {args.feeds} feeds; server: {server.describe()}; "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
              f"python {sys.version.split()[0]}", flush=True)
        state = work / "state.db"
        common = ["--config", str(config), "--state", str(state)]
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        with server:
            for _ in range(args.runs):
                for exit_how in EXITS:  # interleaved: the machine's load hits both alike
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{state}{suffix}").unlink(missing_ok=True)
                    results.setdefault(("poll (first)", exit_how), []).append(
                        run(exit_how, ["poll", *common], work))
            for _ in range(args.runs):
                for exit_how in EXITS:
                    for label, command in (("poll (quiet, all 304)", ["poll"]),
                                           ("status", ["status"]), ("outbox", ["outbox"]),
                                           ("check", ["check"])):
                        results.setdefault((label, exit_how), []).append(
                            run(exit_how, [*command, *common], work))
        print(f"{'command':<24}{'exit':<10}{'wall s':>20}{'teardown ms':>20}"
              f"{'teardown CPU ms':>20}")
        for (label, exit_how), runs in sorted(results.items()):
            print(f"{label:<24}{exit_how:<10}" + "".join(
                _spread([r[i] * scale for r in runs], digits)
                for i, scale, digits in ((0, 1, 2), (1, 1000, 0), (2, 1000, 0))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _spread(values: list[float], digits: int) -> str:
    """`median [min-max]`, right-aligned in 20 columns."""
    text = f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-" \
           f"{max(values):.{digits}f}]"
    return f"{text:>20}"


if __name__ == "__main__":
    sys.exit(main())
