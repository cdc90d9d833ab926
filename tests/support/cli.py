"""Run the real `monitor` command in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120, input: str | None = None,
            wrap: Callable[[list[str]], list[str]] | None = None) -> Result:
    """`wrap` may rewrite the command line (support.privileges.without_root_override)."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.lower().endswith("_proxy")}
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    argv = [sys.executable, "-m", "monitor", *args]
    proc = subprocess.run(wrap(argv) if wrap else argv, cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, input=input)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def write_config(path: Path, feeds: list[dict], rules: list[dict] | None = None,
                 channels: list[dict] | None = None, **extra: object) -> Path:
    """A config.yaml from plain values."""
    import yaml

    doc = {"feeds": feeds, "rules": rules or [],
           "channels": channels if channels is not None else [{"name": "out", "type": "console"}],
           **extra}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
