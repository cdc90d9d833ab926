"""What importing `monitor` sets up for the rest of the process (monitor/__init__.py), in a
fresh interpreter each: an import already made by this test process would hide it."""

import json
import os
import subprocess
import sys

PROBE = """
import json, os, sys
import monitor, numpy, httpx
print(json.dumps({"openblas": os.environ.get("OPENBLAS_NUM_THREADS"),
                  "loaded": sorted(m for m in ("click", "rich", "pygments", "httpx._main")
                                   if sys.modules.get(m) is not None),
                  "main": httpx.main.__module__}))
"""


def _probe(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env},
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_numpy_starts_one_openblas_thread_unless_the_user_says_otherwise():
    assert _probe()["openblas"] == "1"
    assert _probe(OPENBLAS_NUM_THREADS="4")["openblas"] == "4"


def test_httpx_loads_without_its_command_line_client():
    seen = _probe()
    assert seen["loaded"] == []
    # httpx's own fallback for an install without its `cli` extra: defined in httpx/__init__.
    assert seen["main"] == "httpx"
