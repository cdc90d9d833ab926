"""Run a command subject to file permissions even when the tests run as root.

Root ignores file modes (CAP_DAC_OVERRIDE), so a chmod 0444 state file is writable to it. As
root, `without_root_override(argv)` runs `argv` through a small Python trampoline that drops
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its capability bounding set and then execs it:
the command keeps uid 0 (and its access to the test's files as their owner) but obeys the
modes like any user. As another user it returns `argv` unchanged.
"""

from __future__ import annotations

import os
import sys

TRAMPOLINE_FAILED = 97  # exit status when the capabilities could not be dropped

_TRAMPOLINE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2
for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
    if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
        sys.stderr.write(f"cannot drop capability {cap}: {os.strerror(ctypes.get_errno())}\\n")
        sys.exit(%d)
os.execv(sys.argv[1], sys.argv[1:])
""" % TRAMPOLINE_FAILED


def is_root() -> bool:
    return os.geteuid() == 0


def without_root_override(argv: list[str]) -> list[str]:
    if not is_root():
        return argv
    return [sys.executable, "-c", _TRAMPOLINE, *argv]
