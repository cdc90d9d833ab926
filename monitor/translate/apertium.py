"""Apertium as a translation hop (be→ru with `bel-rus`). I/O: one subprocess per batch.

Apertium starts in about 0.3 s and then translates ~1,500 sentences/s, so a poll sends all
its sentences through one `apertium -u MODE` process, one sentence per line, and checks that
as many lines come back. If they do not, the batch is halved until the lines that misbehave are
found (each alone). `-u` leaves unknown words unmarked, which suits the Argos model after it.
A persistent pipe is not possible: `apertium -z` loses its NUL flushes in text mode (3.8.3).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Sequence

from monitor.errors import TranslationError

BINARY = "apertium"


def installed_modes(binary: str = BINARY, timeout_seconds: float = 10.0) -> frozenset[str]:
    """Modes `apertium -l` lists (e.g. {"bel-rus", "rus-bel"}); empty when it is missing."""
    if shutil.which(binary) is None:
        return frozenset()
    try:
        done = subprocess.run([binary, "-l"], capture_output=True, text=True, encoding="utf-8",
                              timeout=timeout_seconds, env=_env())
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in done.stdout.splitlines() if line.strip())


def translate_lines(lines: Sequence[str], mode: str, *, timeout_seconds: float,
                    binary: str = BINARY) -> list[str]:
    """Translate each line; output i belongs to input i. Raises TranslationError."""
    clean = [" ".join(line.split()) for line in lines]  # no newlines inside a line
    if not clean:
        return []
    out = _run(clean, mode, timeout_seconds, binary)
    if out is not None:
        return out
    if len(clean) == 1:
        raise TranslationError(f"apertium {mode}: output lines do not match input lines")
    half = len(clean) // 2
    return (translate_lines(clean[:half], mode, timeout_seconds=timeout_seconds, binary=binary)
            + translate_lines(clean[half:], mode, timeout_seconds=timeout_seconds,
                              binary=binary))


def _run(lines: list[str], mode: str, timeout_seconds: float, binary: str) -> list[str] | None:
    try:
        done = subprocess.run([binary, "-u", mode], input="\n".join(lines) + "\n",
                              capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=timeout_seconds, env=_env())
    except subprocess.TimeoutExpired:
        raise TranslationError(f"apertium {mode}: no answer within {timeout_seconds:g} s "
                               f"for {len(lines)} sentences") from None
    except OSError as exc:
        raise TranslationError(f"apertium {mode}: cannot run {binary}: {exc.strerror}") \
            from None
    if done.returncode != 0:
        first = next((x for x in done.stderr.splitlines() if x.strip()), "no message")
        raise TranslationError(f"apertium {mode}: exit status {done.returncode}: {first}")
    out = done.stdout
    if out.endswith("\n"):
        out = out[:-1]
    result = [line.strip() for line in out.split("\n")]
    return result if len(result) == len(lines) else None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"  # apertium's tools read and write UTF-8 only
    return env
