"""`monitor check`: validate the config (exit 0 or 2), or show it with secrets redacted."""

from __future__ import annotations

from monitor.cli.formats import counted
from monitor.cli.parser import EXIT_OK
from monitor.cli.startup import print_warnings, read_config


def add_parser(sub, common) -> None:
    p = sub.add_parser("check", parents=[common], help="validate the config; exit 0 or 2")
    p.add_argument("--show", action="store_true",
                   help="print the effective config with secrets redacted")
    p.set_defaults(func=cmd_check)


def cmd_check(args, stdout, stderr) -> int:
    from monitor.translate import missing_routes

    config = read_config(args)
    print_warnings(config, stderr)
    for warning in missing_routes(config.translation, config.feeds, config.target_language):
        stderr.write(f"monitor: warning: {warning}\n")
    if args.show:
        stdout.write(config.redacted())
    else:
        stdout.write(f"{args.config}: ok ({counted(len(config.feeds), 'feed')}, "
                     f"{counted(len(config.rules), 'rule')}, "
                     f"{counted(len(config.channels), 'channel')})\n")
    return EXIT_OK
