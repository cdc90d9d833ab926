"""`monitor outbox [list|retry|flush]`: the pending and dead alerts; dead ones queued again;
everything pending sent now."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import datetime, timezone

from monitor.cli.formats import shorten, utc_time
from monitor.cli.parser import EXIT_ERROR, EXIT_OK, Parser
from monitor.cli.startup import open_state, read_config, start_logging
from monitor.errors import MonitorError


def add_parser(sub, common) -> None:
    p = sub.add_parser("outbox", parents=[common],
                       help="list pending and dead alerts; retry dead ones; flush")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_outbox_list)
    osub = p.add_subparsers(dest="outbox_command", metavar="ACTION", parser_class=Parser)
    q = osub.add_parser("list", parents=[common], help="pending and dead alerts (the default)")
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print JSON instead of a table")
    q.set_defaults(func=cmd_outbox_list)
    q = osub.add_parser("retry", parents=[common], help="put dead alerts back in the queue")
    which = q.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", metavar="ID",
                       help="the alert id to retry (al_…, as `monitor outbox` lists it, or "
                            "enough of its start to name one)")
    which.add_argument("--all", action="store_true", help="every dead alert")
    q.set_defaults(func=cmd_outbox_retry)
    q = osub.add_parser("flush", parents=[common],
                        help="send every pending alert now (ignoring backoff and digest "
                             "intervals, pacing rate limits), then exit")
    q.set_defaults(func=cmd_outbox_flush)


def cmd_outbox_list(args, stdout, stderr) -> int:
    config = read_config(args)
    with open_state(config, readonly=True) as store:
        rows = store.outbox_rows(("pending", "dead"), limit=10_000)
        counts = store.outbox_counts()
    if args.json:
        json.dump({"counts": counts, "alerts": [{
            "id": r.alert_id, "status": r.status, "channel": r.channel,
            "kind": r.kind, "rule": r.rule, "title": r.alert.title,
            "alerts": len(r.alert.items) or None, "attempts": r.attempts,
            "next_attempt": utc_time(r.next_attempt_at) if r.status == "pending" else None,
            "created": utc_time(r.created_at), "last_error": r.last_error} for r in rows]},
            stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
        return EXIT_OK
    table = [("ID", "STATUS", "CHANNEL", "TRIES", "NEXT TRY", "ALERT", "LAST ERROR")]
    for r in rows:
        what = f"digest of {len(r.alert.items)}" if r.kind == "digest" else \
            f"[{r.rule}] {r.alert.title}"
        table.append((r.alert_id, r.status, r.channel, str(r.attempts),
                      (utc_time(r.next_attempt_at) or "") if r.status == "pending" else "-",
                      shorten(what, 50), shorten(r.last_error or "", 90)))
    if len(table) > 1:
        widths = [max(len(row[i]) for row in table) for i in range(6)]
        for row in table:
            stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[6]
                         + "\n")
        stdout.write("\n")
    stdout.write(f"outbox: {counts.get('pending', 0)} pending, {counts.get('batched', 0)} "
                 f"waiting in a digest, {counts.get('sent', 0)} sent, {counts.get('dead', 0)} "
                 f"dead\n")
    return EXIT_OK


def cmd_outbox_retry(args, stdout, stderr) -> int:
    config = read_config(args)
    with open_state(config) as store:
        alert_id = None
        if not args.all:
            found = store.dead_alert_ids(args.id) if args.id.strip() else []
            if not found:
                raise MonitorError(f"outbox retry: no dead alert with id {args.id}",
                                   hint="`monitor outbox` lists them (ids look like al_3f2a…)")
            if len(found) > 1 and args.id not in found:
                many = f"{len(found)}+" if len(found) >= 10 else str(len(found))
                raise MonitorError(f"outbox retry: {args.id} matches {many} dead alerts",
                                   hint="give more of the id (`monitor outbox` lists them), "
                                        "or --all")
            alert_id = args.id if args.id in found else found[0]
        count = store.retry_dead(alert_id, datetime.now(timezone.utc))
    stdout.write(f"{count} dead alert{'s' if count != 1 else ''} queued again; "
                 f"`monitor outbox flush` sends them now\n")
    return EXIT_OK


def cmd_outbox_flush(args, stdout, stderr) -> int:
    from monitor.outbox.drain import drain_outbox
    from monitor.runtime import Runtime

    config = read_config(args)
    start_logging(args, stderr, "warning", config.secrets)
    open_state(config).close()

    async def go():
        async with Runtime(config, stdout=stdout) as deps:
            return await drain_outbox(deps, ignore_backoff=True, max_rows=None,
                                      rate_limit_wait_seconds=float("inf"))

    report = asyncio.run(go())
    line = f"alerts: {report.sent} sent"
    if report.digests:
        line += f" ({report.digests} digest{'s' if report.digests != 1 else ''})"
    if report.failed:
        line += f", {report.failed} failed and will be retried"
    if report.dead:
        line += f", {report.dead} failed for good (see `monitor outbox`)"
    stdout.write(line + f"; {report.pending} pending\n")
    return EXIT_OK if not (report.failed or report.dead) else EXIT_ERROR
