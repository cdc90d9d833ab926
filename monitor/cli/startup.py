"""What a command does first: read the config, print its warnings, start logging, open the
state."""

from __future__ import annotations

import argparse
from typing import IO


def read_config(args: argparse.Namespace):
    from monitor.config import load_config

    return load_config(args.config, state_override=args.state)


def print_warnings(config, stderr: IO[str]) -> None:
    for warning in config.warnings:
        stderr.write(f"monitor: warning: {warning}\n")


def start_logging(args: argparse.Namespace, stderr: IO[str], default: str, secrets=()) -> None:
    from monitor.log import setup_logging

    setup_logging(args.log_level or default, args.log_format, stream=stderr, secrets=secrets,
                  debug=args.debug)


def open_state(config, *, readonly: bool = False):
    from monitor.store import open_store

    return open_store(config.state_path, create=False, readonly=readonly)
