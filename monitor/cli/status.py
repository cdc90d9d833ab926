"""`monitor status`: a table (or JSON) of the feeds, their health and the outbox's counts; on a
shared database, the nodes too (heartbeat, feeds leased, last error)."""

from __future__ import annotations

import json

from monitor.cli.formats import shorten, utc_time
from monitor.cli.parser import EXIT_OK
from monitor.cli.startup import read_config


def add_parser(sub, common) -> None:
    p = sub.add_parser("status", parents=[common], help="table of feeds and their health")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_status)


def cmd_status(args, stdout, stderr) -> int:
    from monitor.store import open_store

    from monitor.redact import EnvRefs, display_url, scrubber_for

    config = read_config(args)
    scrub = scrubber_for(config.secrets)
    with open_store(config.state_path, readonly=True) as store:
        store.env_refs = EnvRefs(config.env_refs)
        states = {s.name: s for s in store.feed_states()}
        counts = {f.name: store.item_count(f.name) for f in config.feeds}
        outbox = store.outbox_counts()
        nodes = [_node_row(n, scrub) for n in store.nodes()]
    rows = []
    for feed in config.feeds:
        s = states.get(feed.name)
        rows.append({
            "name": feed.name, "enabled": feed.enabled,
            # Userinfo, query values and every ${VAR} value masked; name and host stay.
            "url": display_url(s.fetch_url if s else feed.url, scrub),
            "last_success": utc_time(s.last_success_at) if s else None,
            "errors": s.consecutive_failures if s else 0,
            "last_error": scrub.scrub(s.last_error) if s and s.last_error else None,
            "next_due": utc_time(s.next_due_at) if s else None,
            "items": counts.get(feed.name, 0),
        })
    if args.json:
        json.dump({"feeds": rows, "outbox": outbox, "nodes": nodes}, stdout,
                  ensure_ascii=False, indent=2)
        stdout.write("\n")
        return EXIT_OK
    table = [("FEED", "LAST SUCCESS", "ERRORS", "ITEMS", "LAST ERROR")]
    for r in rows:
        table.append((r["name"] + ("" if r["enabled"] else " (disabled)"),
                      r["last_success"] or "never", str(r["errors"]), str(r["items"]),
                      shorten(r["last_error"] or "", 70)))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[4] + "\n")
    stdout.write(f"\noutbox: {outbox.get('pending', 0)} pending, {outbox.get('sent', 0)} sent, "
                 f"{outbox.get('dead', 0)} dead\n")
    if nodes:
        _print_nodes(nodes, stdout)
    return EXIT_OK


def _node_row(node, scrub) -> dict:
    return {"name": node.name, "host": node.host, "pid": node.pid, "version": node.version,
            "state": node.state, "started": utc_time(node.started_at),
            "heartbeat": utc_time(node.heartbeat_at),
            "seconds_since_heartbeat": round(node.seconds_since_heartbeat, 1),
            "feeds_leased": node.feeds_leased, "checks": node.checks,
            "last_error": scrub.scrub(node.last_error) if node.last_error else None,
            "last_error_at": utc_time(node.last_error_at) if node.last_error_at else None}


def _print_nodes(nodes: list[dict], stdout) -> None:
    table = [("NODE", "STATE", "HEARTBEAT", "LEASED", "CHECKS", "LAST ERROR")]
    for n in nodes:
        table.append((n["name"], n["state"], f"{n['seconds_since_heartbeat']:.0f} s ago",
                      str(n["feeds_leased"]), str(n["checks"]),
                      shorten(n["last_error"] or "", 60)))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    stdout.write("\n")
    for row in table:
        stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[5] + "\n")
