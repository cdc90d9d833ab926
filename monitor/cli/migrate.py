"""`monitor migrate`: bring the state's schema up to date and say so. Every command that writes
does it too when it opens the state; on a database several nodes share, running it once before
starting them makes a failed migration one exit status instead of many restarting nodes."""

from __future__ import annotations

from monitor.cli.parser import EXIT_OK
from monitor.cli.startup import read_config, start_logging


def add_parser(sub, common) -> None:
    p = sub.add_parser("migrate", parents=[common],
                       help="bring the state's schema up to date (also done at every start)")
    p.set_defaults(func=cmd_migrate)


def cmd_migrate(args, stdout, stderr) -> int:
    from monitor.store import migrate
    from monitor.store.urls import redact

    config = read_config(args)
    start_logging(args, stderr, "warning", config.secrets)
    before, after = migrate(config.state_path)
    where = redact(str(config.state_path))
    if before == after:
        stdout.write(f"{where}: schema {after}, up to date\n")
    else:
        stdout.write(f"{where}: schema {before} -> {after}\n")
    return EXIT_OK
