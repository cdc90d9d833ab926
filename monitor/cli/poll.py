"""`monitor poll`: check every feed once, deliver what is due, print a summary (or one JSON
document, or with --dry-run the matches a first poll would alert)."""

from __future__ import annotations

import asyncio
import json
from typing import IO

from monitor.cli.formats import counted, iso_time
from monitor.cli.parser import EXIT_OK
from monitor.cli.progress import Progress
from monitor.cli.startup import print_warnings, read_config, start_logging
from monitor.errors import ConfigError


def add_parser(sub, common) -> None:
    p = sub.add_parser("poll", parents=[common], help="check every feed once, send alerts, exit")
    p.add_argument("--json", action="store_true", help="print one JSON document with the results")
    p.add_argument("--dry-run", action="store_true",
                   help="poll as a first poll would (every item, unconditional requests) and "
                        "list the matches; record nothing, send nothing")
    p.add_argument("--force", action="store_true", help="also check feeds that are backing off")
    p.add_argument("--feed", action="append", metavar="NAME", help="only this feed (repeatable)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no summary unless a feed failed or alerts could not be sent "
                        "(for cron, which mails any output)")
    p.set_defaults(func=cmd_poll)


def cmd_poll(args, stdout, stderr) -> int:
    from monitor.check_scheduler import lease_seconds, poll_leases
    from monitor.outbox.drain import drain_outbox
    from monitor.outbox.health import DeliveryTracker
    from monitor.pipeline import poll
    from monitor.runtime import Runtime
    from monitor.store import is_shared

    config = read_config(args)
    start_logging(args, stderr, "error", config.secrets)
    print_warnings(config, stderr)
    feeds = list(config.feeds)
    if args.feed:
        unknown = sorted(set(args.feed) - {f.name for f in feeds})
        if unknown:
            raise ConfigError(f"--feed: no feed named {', '.join(map(repr, unknown))}")
        feeds = [f for f in feeds if f.name in set(args.feed)]
    progress = Progress(stderr, len([f for f in feeds if f.enabled])) \
        if stderr.isatty() and not args.debug else None
    # Alerts printed by a console channel must not corrupt the JSON document on stdout.
    alert_stream = stderr if args.json else stdout

    async def go():
        # A dry run is a first poll into an in-memory state (see Runtime), committed there
        # like any poll (so duplicates across feeds count as a first poll counts them) and
        # never delivered; the state file is only read, afterwards, to mark what it has seen.
        async with Runtime(config, stdout=alert_stream, dry_run=args.dry_run) as deps:
            if is_shared(config.state_path) and not args.dry_run:
                # Beside daemons on the same database: check only the feeds this poll leases.
                async with poll_leases(deps.store, feeds, force=args.force,
                                       lease_seconds=lease_seconds(
                                           config.fetch.total_timeout)) as (mine, others):
                    report = await poll(mine, deps, force=args.force,
                                        keep_items=args.json or args.dry_run,
                                        on_feed_done=progress.step if progress else None)
                report.feeds.extend(others)
                if others:  # "0 skipped" would only be noise in the summary
                    report.feed_counts["skipped"] = \
                        report.feed_counts.get("skipped", 0) + len(others)
            else:
                report = await poll(feeds, deps, force=args.force,
                                    keep_items=args.json or args.dry_run,
                                    on_feed_done=progress.step if progress else None)
            if progress:
                progress.done()
            drained = None
            if not args.dry_run:
                # Everything due goes out (no row cap: a first poll of 10,000 feeds had 24,261
                # alerts); a rate-limited channel gets one window of waiting, then its rows
                # wait for the next run.
                drained = await drain_outbox(deps, max_rows=None, rate_limit_wait_seconds=65.0,
                                             tracker=tracker)
            return report, drained

    tracker = DeliveryTracker()
    report, drained = asyncio.run(go())
    failing = _failing_channels(tracker, config) if drained is not None else {}
    seen = _seen_in_state(config, report.items) if args.dry_run else set()
    if args.json:
        document = _poll_json(report, seen, config)
        if drained is not None:
            document["alerts"] = {"sent": drained.sent, "waiting": drained.pending,
                                  "dead": drained.dead, "channel_errors": failing}
        json.dump(document, stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        if args.dry_run:
            _print_dry_run_matches(report, seen, stdout)
        if not (args.quiet and _all_went_well(report, drained, failing)):
            _print_poll_summary(report, drained, args.dry_run, stdout, seen)
            for error in failing.values():
                stdout.write(error + "\n")
    return EXIT_OK


def _all_went_well(report, drained, failing: dict[str, str]) -> bool:
    """No feed failed, and every alert due was sent (none waits, none failed for good)."""
    return (not report.feed_counts.get("error") and not failing
            and (drained is None or not (drained.failed or drained.pending or drained.dead)))


def _failing_channels(tracker, config) -> dict[str, str]:
    """Each channel whose last send in this poll failed: its error, without secrets. The
    summary's "N waiting" alone would leave a cron user guessing why (the warning that
    names it is below the poll's default log level)."""
    from monitor.redact import scrubber_for

    scrub = scrubber_for(config.secrets)
    return {name: scrub.scrub(status.last_error)
            for name, status in sorted(tracker.channels.items()) if status.last_error}


def _seen_in_state(config, items) -> set[str]:
    """The keys of `items` the state file has recorded; read-only (none without a state)."""
    from monitor.store import is_shared, open_store

    if not is_shared(config.state_path) and not config.state_path.exists():
        return set()
    with open_store(config.state_path, readonly=True, untouched=True) as store:
        return store.seen_keys([i.key for i in items])


def _poll_json(report, seen: set[str], config) -> dict:
    """`seen`: keys the state had already recorded (a dry run shows every item). URLs and
    errors are shown without secrets (monitor.redact)."""
    from monitor.redact import display_url, scrubber_for

    scrub = scrubber_for(config.secrets)
    items_by_key = {i.key: i for i in report.items}
    return {
        "feeds": [{"name": o.name, "url": display_url(o.url, scrub), "status": o.status,
                   "http_status": o.http_status, "new_items": o.new_items,
                   "error": scrub.scrub(o.error) if o.error else o.error,
                   "error_kind": o.error_kind, "left_out": o.left_out}
                  for o in report.feeds],
        "items": [{"id": i.id, "feed": i.feed, "title": i.title, "summary": i.summary,
                   "link": i.link, "published": iso_time(i.published_at), "language": i.language,
                   "seen": i.key in seen, **_article_json(i)}
                  for i in report.items],
        "matches": [{"rule": m.rule, "item_id": items_by_key[m.item_key].id,
                     "feed": items_by_key[m.item_key].feed,
                     "title": items_by_key[m.item_key].title,
                     "link": items_by_key[m.item_key].link,
                     "language": items_by_key[m.item_key].language,
                     "matched_terms": list(m.matched_terms), "seen": m.item_key in seen,
                     "story": _story_id(report, m.item_key)}
                    for m in report.matches],
        "stories": _stories_json(report),
    }


def _story_id(report, key: str) -> str | None:
    place = report.stories.get(key)
    return place.story_id if place else None


def _stories_json(report) -> dict:
    """Each story the poll's matches belong to, as it stands after the poll: its title, its
    languages and every source in the window, each with its own link."""
    latest = {}
    for place in report.stories.values():  # the last item placed sees the most sources
        if len(place.sources) >= len(latest.get(place.story_id, place).sources):
            latest[place.story_id] = place
    return {story_id: {"title": p.title, "languages": list(p.languages),
                       "sources": [{"feed": s.feed, "title": s.title, "link": s.link,
                                    "language": s.language,
                                    "published": iso_time(s.published_at)}
                                   for s in p.sources]}
            for story_id, p in latest.items()}


def _article_json(item) -> dict:
    """`full_text:` feeds: the article's text when it was read, and how it went."""
    article = item.article
    if article is None:
        return {}
    fetched = {"text": article.text} if article.status.value != "failed" else {}
    return {**fetched, "article": {
        "status": article.status.value, "title": article.title or None,
        "note": article.note or None, "truncated": article.truncated,
        "encoding": article.encoding or None}}


def _print_dry_run_matches(report, seen: set[str], out: IO[str]) -> None:
    items_by_key = {i.key: i for i in report.items}
    for m in report.matches:
        item = items_by_key[m.item_key]
        mark = "  (already in the state: a poll would not alert it again)" \
            if m.item_key in seen else ""
        out.write(f"would alert {m.rule}: {item.title} ({item.feed}) {item.link}{mark}\n")


# How the poll summary names each feed status: "3 feeds (2 failed, 1 ok)".
_FEED_STATUS = {"not_modified": "not modified", "error": "failed"}


def _print_poll_summary(report, drained, dry_run: bool, out: IO[str], seen: set[str]) -> None:
    by_status = report.feed_counts
    for o in report.feeds:
        if o.status == "error":
            out.write(f"{o.error}\n")
        if o.left_out:
            out.write(f"feed {o.name}: {counted(o.new_items + o.left_out, 'new item')}, more than "
                      f"max_items_per_check; the newest {o.new_items} were taken, "
                      f"{o.left_out} wait for the next checks\n")
    parts = ", ".join(f"{n} {_FEED_STATUS.get(s, s)}" for s, n in sorted(
        by_status.items(), key=lambda sn: _FEED_STATUS.get(sn[0], sn[0])))
    feeds = f"{counted(sum(by_status.values()), 'feed')} ({parts})"
    matches = counted(report.match_count, "match", "matches")
    line = f"{feeds}; {counted(report.item_count, 'new item')}; {matches}"
    if dry_run:
        line = (f"{feeds}; {counted(report.item_count, 'item')} ({len(seen)} already in the "
                f"state); {matches}; {counted(report.alert_count, 'alert')} not sent (dry run: "
                f"nothing recorded)")
    elif drained is not None:
        line += f"; alerts: {drained.sent} sent"
        if drained.failed or drained.pending:
            line += f", {drained.pending} waiting (`monitor outbox` lists them)"
        if drained.dead:
            line += f", {drained.dead} failed for good (see `monitor outbox`)"
    out.write(line + "\n")
