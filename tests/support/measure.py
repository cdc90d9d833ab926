"""Run the real `monitor` command and measure it: wall time and the child's peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from support.cli import ROOT


@dataclass
class Measured:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


# The child is started by this small launcher, not by the test process itself: on Linux a
# process's peak RSS (ru_maxrss, from os.wait4) includes what it had before exec, and a child
# forked from a pytest worker starts with the worker's whole resident set (seen: 378 MB for a
# `monitor check` of 48 MB, in an xdist worker that had run hundreds of tests). Forked from
# the launcher (a few MB), the figure is monitor's own.
_LAUNCHER = """
import os, resource, subprocess, sys
limit, report, *argv = sys.argv[1:]
if limit != "none":
    resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
proc = subprocess.Popen(argv)
_, status, usage = os.wait4(proc.pid, 0)
with open(report, "w") as f:
    f.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_cli_measured(*args: str, cwd: Path, timeout: float = 300.0,
                     address_space_bytes: int | None = None) -> Measured:
    """`python -m monitor ARGS`, with the peak resident memory that os.wait4 reports for it.
    `address_space_bytes`: an RLIMIT_AS for the child, so that code that would take all the
    machine's memory fails instead (a test run on old code stays harmless)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out, err, report = cwd / ".measured.out", cwd / ".measured.err", cwd / ".measured.rusage"
    limit = "none" if address_space_bytes is None else str(address_space_bytes)
    with open(out, "wb") as fo, open(err, "wb") as fe:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, limit, str(report),
                                 sys.executable, "-m", "monitor", *args], cwd=cwd, env=env,
                                stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the launcher and monitor: one session
            proc.wait()
        seconds = time.perf_counter() - started
    if proc.returncode != 0 or not report.exists():
        return Measured(proc.returncode or -9, out.read_text("utf-8"), err.read_text("utf-8"),
                        seconds, 0.0)
    code, maxrss_kib = map(int, report.read_text().split())
    return Measured(code, out.read_text("utf-8"), err.read_text("utf-8"), seconds,
                    maxrss_kib / 1024)  # Linux reports KiB
