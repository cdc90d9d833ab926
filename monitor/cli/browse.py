"""`monitor matches` and `monitor search`: the web UI's Matches and Search pages for the
terminal. `--json` entries are shaped like `poll --json`'s items and matches."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import IO

from monitor.cli.formats import counted, iso_time, shorten, utc_time
from monitor.cli.parser import EXIT_OK
from monitor.cli.startup import read_config
from monitor.errors import ConfigError

MAX_LIMIT = 10_000


def add_parser(sub, common) -> None:
    p = sub.add_parser("matches", parents=[common],
                       help="recorded matches, newest first (filters: --since, --rule, …)")
    p.add_argument("--since", metavar="WHEN",
                   help="only matches of the last 1h, 1d, 2w …, or since a UTC date or time "
                        "(2026-12-01, 2026-12-01T08:00, with +03:00 for another zone)")
    p.add_argument("--rule", metavar="NAME", help="only this rule's matches")
    p.add_argument("--feed", metavar="NAME", help="only this feed's matches")
    p.add_argument("--language", metavar="CODE", help="only items in this language")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="at most N matches (default 50)")
    p.add_argument("--json", action="store_true",
                   help="print JSON (items and matches, as `poll --json` has them)")
    p.set_defaults(func=cmd_matches)

    p = sub.add_parser("search", parents=[common],
                       help="search stored items with the rule query language")
    p.add_argument("query", metavar="QUERY",
                   help="a query as a rule writes it, e.g. 'drone* NEAR/5 завод'")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="at most N results (default 50)")
    p.add_argument("--json", action="store_true",
                   help="print JSON (items and matches, as `poll --json` has them)")
    p.set_defaults(func=cmd_search)


def cmd_matches(args, stdout, stderr) -> int:
    from monitor.model import MatchFilter
    from monitor.store import open_store

    config = read_config(args)
    limit = _limit(args.limit)
    since = None if args.since is None else since_time(args.since, datetime.now(timezone.utc))
    for option, value, known in (("--rule", args.rule, [r.name for r in config.rules]),
                                 ("--feed", args.feed, [f.name for f in config.feeds])):
        if value is not None and value not in known:
            # Not an error: a rule or feed removed from the config still has its matches.
            stderr.write(f"monitor: warning: {option} {value}: not in the config "
                         f"({', '.join(known) or 'none'}); listing what the state has\n")
    wanted = MatchFilter(rule=args.rule, feed=args.feed, language=args.language, since=since)
    with open_store(config.state_path, create=False, readonly=True) as store:
        with store.snapshot():
            found = store.recorded_matches(wanted, limit=limit + 1)  # one more: are there?
    more, found = len(found) > limit, found[:limit]
    if args.json:
        items = list({m.item.key: m.item for m in found}.values())
        _dump({"items": [_item_json(i) for i in items],
               "matches": [_match_json(m.item, m.rule, m.matched_terms, m.hits,
                                       matched_at=m.created_at) for m in found]}, stdout)
        return EXIT_OK
    for m in found:
        _print(stdout, m.item, m.hits, head=f"{utc_time(m.created_at)}  {m.rule}")
    stdout.write(f"{counted(len(found), 'match', 'matches')}"
                 f"{' (the newest; --limit for more)' if more else ''}\n")
    return EXIT_OK


def since_time(text: str, now: datetime) -> datetime:
    """`--since`: a duration back from `now` (1d), or a date or time, UTC unless it names its
    zone (2026-12-01, 2026-12-01T08:00, 2026-12-01 08:00+03:00): a reader checking what came
    in since a given day thinks in dates."""
    from monitor.config.values import parse_duration

    try:
        return now - timedelta(seconds=parse_duration(text))
    except ValueError as exc:
        if not text[:1].isdigit() or "-" not in text:
            raise ConfigError(f"--since {text}: {exc}; or give a date like 2026-12-01") from None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--since {text}: not a duration (1h, 1d, 2w) nor a date or time "
                          f"like 2026-12-01 or 2026-12-01T08:00") from None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def cmd_search(args, stdout, stderr) -> int:
    from monitor.browse import search
    from monitor.errors import StoreError
    from monitor.indexing import catch_up
    from monitor.rules import QuerySyntaxError
    from monitor.store import open_store

    config = read_config(args)
    limit = _limit(args.limit)
    try:  # the index is behind: take in what a daemon has not yet (a read-only state: skip)
        with open_store(config.state_path, create=False) as writer:
            catch_up(writer, budget_seconds=10.0)
    except StoreError:
        pass
    try:
        with open_store(config.state_path, create=False, readonly=True) as store:
            with store.snapshot():
                page = search(store, args.query, config.languages, page_size=limit,
                              max_candidates=max(5000, limit * 20))
    except QuerySyntaxError as exc:
        raise ConfigError(f"query: column {exc.column}: {exc}",
                          hint="the rule query language: see `monitor rules explain` and the "
                               "README's Keyword rules") from None
    if args.json:
        _dump({"query": args.query,
               "items": [_item_json(f.item) for f in page.results],
               "matches": [_match_json(f.item, None, f.matched_terms, f.hits, query=args.query)
                           for f in page.results]}, stdout)
        return EXIT_OK
    for f in page.results:
        _print(stdout, f.item, f.hits, head=utc_time(f.item.published_at) or "")
    more = " (the newest; --limit for more)" if page.next_before is not None else ""
    stdout.write(f"{counted(len(page.results), 'result')}{more}; "
                 f"{counted(page.examined, 'candidate')} checked in {page.elapsed_ms} ms\n")
    return EXIT_OK


def _limit(n: int) -> int:
    if not 1 <= n <= MAX_LIMIT:
        raise ConfigError(f"--limit {n}: give 1 to {MAX_LIMIT:,}")
    return n


def _item_json(item) -> dict:
    t = item.translation
    return {"id": item.item_id, "feed": item.feed, "title": item.title, "summary": item.summary,
            "link": item.link, "published": iso_time(item.published_at),
            "language": item.language, "seen": True,
            "translation": None if t is None else {
                "source_language": t.source_language, "target_language": t.target_language,
                "title": t.title, "summary": t.summary, "route": t.route, "note": t.note}}


def _match_json(item, rule, terms, hits, *, matched_at=None, query=None) -> dict:
    entry = {"rule": rule, "item_id": item.item_id, "feed": item.feed, "title": item.title,
             "link": item.link, "language": item.language, "matched_terms": list(terms),
             "seen": True, "story": item.story_id,
             "hits": [{"term": h.term, "field": h.field, "start": h.start, "end": h.end}
                      for h in hits]}
    if matched_at is not None:
        entry["matched_at"] = iso_time(matched_at)
    if query is not None:
        entry["query"] = query
    return entry


def _dump(doc: dict, stdout: IO[str]) -> None:
    json.dump(doc, stdout, ensure_ascii=False, indent=2)
    stdout.write("\n")


def _print(out: IO[str], item, hits, *, head: str) -> None:
    from monitor.render import snippet
    from monitor.render.view import one_line

    out.write(f"{head}  {item.feed}  {item.language}  {shorten(one_line(item.title), 100)}\n")
    text = one_line(snippet(item, hits))
    if text:
        out.write(f"  {shorten(text, 200)}\n")
    if item.link:
        out.write(f"  {item.link}\n")
