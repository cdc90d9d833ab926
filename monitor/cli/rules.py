"""`monitor rules explain`: how each rule's queries parse and which stems they match."""

from __future__ import annotations

from monitor.cli.parser import EXIT_OK, Parser
from monitor.cli.startup import read_config
from monitor.errors import ConfigError


def add_parser(sub, common) -> None:
    p = sub.add_parser("rules", parents=[common], help="inspect keyword rules")
    rules_sub = p.add_subparsers(dest="rules_command", metavar="ACTION", parser_class=Parser,
                                 required=True)
    e = rules_sub.add_parser("explain", parents=[common],
                             help="show how each rule's queries parse and which stems they match")
    e.add_argument("rule", nargs="?", metavar="RULE", help="only this rule (default: all)")
    e.set_defaults(func=cmd_rules_explain)


def cmd_rules_explain(args, stdout, stderr) -> int:
    from monitor.rules import explain

    config = read_config(args)
    if args.rule is None and not config.rules:
        stdout.write(f"{args.config}: no rules (add some under rules:)\n")
        return EXIT_OK
    try:
        lines = explain(config.compiled_rules, args.rule)
    except KeyError:
        names = ", ".join(r.name for r in config.rules) or "none"
        raise ConfigError(f"no rule named {args.rule!r} (rules: {names})") from None
    stdout.write("\n".join(lines) + "\n")
    return EXIT_OK
