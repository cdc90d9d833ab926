"""Command line: `monitor poll|run|check|status …`. The only package that prints or exits;
one module per command group, each with its `add_parser` and its `cmd_*` functions.

`main(argv) -> int`: 0 success (failed feeds are reported, not fatal), 2 configuration or usage
error, 1 runtime error. A MonitorError prints one line `monitor: error: …` (and its hint);
anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import IO, Sequence

from monitor import __version__
from monitor.cli import (browse, check, detect, migrate, models, outbox, poll, prune, rules, run,
                         sample_alert, status, web)
from monitor.cli.parser import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Parser, add_common_options
from monitor.errors import ConfigError, MonitorError


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    add_common_options(common, top=False)
    parser = Parser(prog="monitor", description="Multilingual news monitor with alerts.",
                    epilog="The options above may be given before or after the command "
                           "(monitor --state x.db poll, monitor poll --state x.db); given "
                           "twice, the later one wins.")
    add_common_options(parser, top=True)
    parser.set_defaults(models_dir=None)  # --models-dir: see models.add_parsers
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    for commands in (poll, run, check):
        commands.add_parser(sub, common)
    models.add_parsers(sub, common)
    for commands in (sample_alert, outbox, rules, status, prune, migrate, detect, browse, web):
        commands.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: IO[str] | None = None,
         stderr: IO[str] | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(stdout)
        return EXIT_USAGE
    try:
        return args.func(args, stdout, stderr)
    except MonitorError as exc:
        if args.debug:
            raise
        _print_error(exc, stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("monitor: interrupted\n")
        return 130


def _print_error(exc: MonitorError, stderr: IO[str]) -> None:
    if isinstance(exc, ConfigError) and len(exc.lines) > 1:
        for line in exc.lines:
            stderr.write(f"monitor: error: {line}\n")
    else:
        stderr.write(f"monitor: error: {exc}\n")
    if exc.hint:
        stderr.write(f"  hint: {exc.hint}\n")


def main_entry() -> None:
    """Console-script entry point (and `python -m monitor`)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `monitor poll --json | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    # The interpreter's last garbage collections walk every object still alive, nearly all of
    # them made by the imports, whatever the size of the poll: a normal exit cost 155-190 ms
    # of CPU after a poll of 1,000 feeds and 50-70 ms after check, status or outbox
    # (bench/teardown.py, medians, shared 2-core machine). Frozen, those objects are skipped
    # and the exit is still a normal one (atexit handlers run, files are flushed and closed):
    # 27 ms after a poll, 10-13 ms after the others, against 4-11 ms for the os._exit every
    # command used to end in, which ran none of it.
    gc.freeze()
    sys.exit(code)
