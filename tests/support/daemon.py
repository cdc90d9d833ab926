"""Drive the real `monitor run` process: start it, read its output, signal it, wait for things."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.cli import ROOT


def wait_for(predicate, timeout: float = 60.0, what: str = "condition", every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


class DaemonProcess:
    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None,
                 tag: str = "", wrap=None, command: str = "run") -> None:
        """`wrap` may rewrite the command line (as in support.cli.run_cli); `command`: the
        monitor command to run (`run`, or `web` for the web UI's server)."""
        self.out_path = cwd / f"daemon{tag}.stdout"
        self.err_path = cwd / f"daemon{tag}.stderr"
        self.out = open(self.out_path, "ab")
        self.err = open(self.err_path, "ab")
        full_env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
        full_env.update(env or {})
        argv = [sys.executable, "-m", "monitor", command, *args]
        self.proc = subprocess.Popen(wrap(argv) if wrap else argv, cwd=cwd,
                                     stdout=self.out, stderr=self.err, env=full_env,
                                     stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stdout(self) -> str:
        return self.out_path.read_text("utf-8", "replace")

    def stderr(self) -> str:
        return self.err_path.read_text("utf-8", "replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.close()

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()


def delivered_log_ids(daemon: "DaemonProcess") -> list[str]:
    """The alert ids a daemon's JSON log says it delivered (after marking them sent)."""
    import json
    ids = []
    for line in daemon.stderr().splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue  # a line cut short by SIGKILL
        if doc.get("msg") == "Alert delivered":
            ids.append(doc["alert_id"])
    return ids
