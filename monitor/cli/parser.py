"""The argument parser's parts every command shares: usage errors as one line with exit
status 2, and the common options accepted in every position (issue 11)."""

from __future__ import annotations

import argparse
import os
import sys


EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with one line, like ours
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"monitor: error: {message}\n")


def add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command shares. They are accepted before and after the command (and
    between a command and its action): the top parser holds the defaults, and the copies in
    the subparsers default to SUPPRESS, so a subparser sets only what was typed after the
    command instead of overwriting with its defaults what came before (argparse copies a
    subparser's whole namespace over the parent's). Given twice, the later one wins."""
    def default(value):
        return value if top else argparse.SUPPRESS

    parser.add_argument("--config", "-c",
                        default=default(os.environ.get("MONITOR_CONFIG") or "config.yaml"),
                        metavar="PATH",
                        help="config file (default: $MONITOR_CONFIG, else ./config.yaml)")
    parser.add_argument("--state", metavar="PATH",
                        default=default(os.environ.get("MONITOR_STATE") or None),
                        help="state file (default: $MONITOR_STATE, else the config's "
                             "`state:`, else monitor.db next to the config)")
    parser.add_argument("--log-format", choices=("text", "json"), default=default("text"),
                        help="log line format on stderr (default: text)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                        default=default(None),
                        help="log level (default: info for run, warning for poll)")
    parser.add_argument("--debug", action="store_true", default=default(False),
                        help="debug logging; re-raise errors with their traceback")
