"""Run the real `monitor` command and measure it: wall time and the child's peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
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


def run_cli_measured(*args: str, cwd: Path, timeout: float = 300.0,
                     address_space_bytes: int | None = None) -> Measured:
    """`python -m monitor ARGS`, with the peak resident memory that os.wait4 reports for it.
    `address_space_bytes`: an RLIMIT_AS for the child, so that code that would take all the
    machine's memory fails instead (a test run on old code stays harmless)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out, err = cwd / ".measured.out", cwd / ".measured.err"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "monitor", *args], cwd=cwd, env=env,
                                stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                                preexec_fn=_limit(address_space_bytes))
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(proc.returncode, out.read_text("utf-8"), err.read_text("utf-8"), seconds,
                    usage.ru_maxrss / 1024)  # Linux reports KiB


def _limit(address_space_bytes: int | None):
    if address_space_bytes is None:
        return None

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))
    return limit
