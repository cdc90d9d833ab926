"""`monitor prune`: delete what `retention:` lets go now and give the space back."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from monitor.cli.formats import counted
from monitor.cli.parser import EXIT_OK
from monitor.cli.startup import read_config, start_logging


def add_parser(sub, common) -> None:
    p = sub.add_parser("prune", parents=[common],
                       help="delete what `retention:` lets go now and give the space back "
                            "(the daemon does it once a day)")
    p.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    p.add_argument("--json", action="store_true", help="print JSON instead of a sentence")
    p.set_defaults(func=cmd_prune)


def cmd_prune(args, stdout, stderr) -> int:
    from monitor.errors import StateInUseError
    from monitor.store.retention import prune
    from monitor.store import open_store

    config = read_config(args)
    start_logging(args, stderr, "warning", config.secrets)
    try:
        store = open_store(config.state_path, readonly=True, untouched=True) if args.dry_run \
            else open_store(config.state_path, create=False, exclusive=True)
    except StateInUseError as exc:
        raise StateInUseError(str(exc), hint="the running daemon prunes the state itself "
                              "every retention.prune_every; stop it to prune now (VACUUM "
                              "needs the state to itself), or see what would go with "
                              "--dry-run") from None
    with store:
        # VACUUM only here, never in the daemon: it holds the write lock for the whole rewrite.
        report = prune(store, config.retention, datetime.now(timezone.utc),
                       dry_run=args.dry_run, allow_vacuum=True)
    if args.json:
        json.dump({"dry_run": report.dry_run, "items": report.items, "matches": report.matches,
                   "sent_alerts": report.sent_alerts, "dead_alerts": report.dead_alerts,
                   "translations": report.translations, "bytes_before": report.bytes_before,
                   "bytes_after": report.bytes_after, "bytes_freed": report.bytes_freed,
                   "space": report.space}, stdout, indent=2)
        stdout.write("\n")
        return EXIT_OK
    r, kept = report, config.retention
    stdout.write(f"{'would remove' if r.dry_run else 'removed'} {counted(r.items, 'item')} out "
                 f"of their feeds for {_days(kept.items)} (and their "
                 f"{counted(r.matches, 'match', 'matches')}), {counted(r.sent_alerts, 'alert')} "
                 f"sent over {_days(kept.sent_alerts)} ago, "
                 f"{counted(r.dead_alerts, 'dead alert')} queued over "
                 f"{_days(kept.dead_alerts)} ago, "
                 f"{counted(r.translations, 'cached translation')}\n")
    if r.dry_run:
        stdout.write(f"nothing was changed (dry run); the state is {_mb(r.bytes_before)}\n")
    else:
        stdout.write(f"gave back {_mb(r.bytes_freed)} ({r.space}); the state is now "
                     f"{_mb(r.bytes_after)}\n")
    return EXIT_OK


def _days(seconds: float | None) -> str:
    return "ever (kept)" if seconds is None else \
        f"{seconds / 86400:g} day{'' if seconds == 86400 else 's'}"


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
